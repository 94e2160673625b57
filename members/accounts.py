"""Sign-up, confirmation and the admin's sign-in, on top of django-allauth.

Sign-up answers every address the same way ("check your email"); the mail to
the address says what happened, so the page tells a stranger nothing about
the roster. The roster entry is linked only when the address is verified, and
verifying takes the password chosen at sign-up: the owner of an address who
follows a link from someone else's sign-up cannot hand them the membership.
"""

from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from allauth.account.fields import EmailField
from allauth.account.forms import SignupForm
from allauth.account.views import ConfirmEmailView
from allauth.core import ratelimit as allauth_ratelimit
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from union_portal.core import ratelimit

from . import services
from .adapters import portal_url
from .validators import normalise_email

# Mails per address and hour from sign-ups that make no new account (a refusal,
# "you have an account", a replaced sign-up): enough for a typo or a second
# try, too few for anyone to flood a mailbox through the sign-up form.
SIGNUP_MAILS_PER_HOUR = 3


def _may_mail(email: str) -> bool:
    try:
        return ratelimit.hit("signup-mail", email, limit=SIGNUP_MAILS_PER_HOUR, window=3600)
    except ratelimit.CounterUnavailable:
        return True  # a mail too many is better than a member left without an answer


def send_signup_answer(request, *, email: str, outcome: str) -> None:
    """Tells the address what became of a sign-up that made no account: that it
    has an account already (and how to reset its password), or why no account
    was made (not on the roster, or its roster entry has an account) and what
    to do."""
    if not _may_mail(email):
        return
    adapter = get_adapter(request)
    if outcome == services.SIGNUP_HAS_ACCOUNT:
        adapter.send_account_already_exists_mail(email)
        return
    adapter.send_mail(
        "members/email/signup_refused",
        email,
        {
            "claimed": outcome == services.SIGNUP_CLAIMED,
            "signup_url": portal_url(reverse("account_signup")),
        },
    )


def _allow_a_new_confirmation_mail(request, email):
    """allauth sends one confirmation mail per address in three minutes; the
    sign-up that replaces an unverified one needs its own mail at once."""
    if _may_mail(email):
        allauth_ratelimit.clear(request, action="confirm_email", key=email.lower())


class RosterEmailField(EmailField):
    def clean(self, value):
        # Not allauth's str.lower(), which folds K (U+212A) into k.
        return normalise_email(forms.EmailField.clean(self, value))


class RosterSignupForm(SignupForm):
    """Sign-up for the email of an active roster entry without an account.
    Every address gets the same answer; see the module's docstring."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"] = RosterEmailField(
            label=self.fields["email"].label, required=self.fields["email"].required
        )

    def clean_email(self):
        # Not allauth's clean_email either: whether the address has an account
        # is for try_save to act on, never for the form to say.
        self.account_already_exists = False
        return get_adapter().clean_email(self.cleaned_data["email"])

    def try_save(self, request):
        email = self.cleaned_data["email"]
        with transaction.atomic():
            # Locks the roster entry: two sign-ups for one address take turns,
            # and the later one replaces the earlier (unverified) account.
            assessment = services.signup_assess(email=email, lock=True)
            if assessment.outcome == services.SIGNUP_CREATE:
                if assessment.unfinished:
                    services.signup_discard_unfinished(accounts=assessment.unfinished)
                    _allow_a_new_confirmation_mail(request, email)
                return self.save(request), None
        send_signup_answer(request, email=email, outcome=assessment.outcome)
        return None, get_adapter(request).respond_email_verification_sent(request, None)


class ConfirmSignupForm(forms.Form):
    password = forms.CharField(
        label=_("Password chosen at sign-up"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ConfirmSignupView(ConfirmEmailView):
    """allauth's confirmation page, asking for the account's password before the
    address counts as verified; then signs the member in."""

    template_name = "account/email_confirm.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("password_form", ConfirmSignupForm())
        return context

    def post(self, *args, **kwargs):
        self.object = confirmation = self.get_object()
        address = confirmation.email_address
        form = ConfirmSignupForm(self.request.POST)
        if form.is_valid():
            adapter = get_adapter(self.request)
            try:
                user = adapter.authenticate(
                    self.request, email=address.email, password=form.cleaned_data["password"]
                )
            except forms.ValidationError as exc:  # too many wrong passwords
                form.add_error(None, exc)
            else:
                if user is not None and user.pk == address.user_id:
                    if confirmation.confirm(self.request):
                        adapter.login(self.request, user)
                        return redirect(adapter.get_login_redirect_url(self.request))
                    return self.respond(False)
                form.add_error(
                    "password",
                    _(
                        "This is not the password chosen at sign-up. If you did not sign up "
                        "yourself, do not confirm: sign up with your own password instead, "
                        "which cancels the other sign-up."
                    ),
                )
        return self.render_to_response(self.get_context_data(password_form=form))


def admin_login(request):
    """Stands in for the admin's own sign-in form, which has no throttling: the
    admin is reached through the portal's sign-in (rate limited, verified
    email), then sent on. A signed-in user without admin access is refused."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
    if not admin.site.has_permission(request):
        raise PermissionDenied
    return redirect(next_url)
