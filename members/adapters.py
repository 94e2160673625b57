"""The portal's allauth adapter: links in mails, client addresses, and the
roster link made when an address is verified (members.accounts has the forms)."""

from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from union_portal.core.ratelimit import client_ip

from . import cas, services


def portal_url(path: str) -> str:
    """An absolute link for a mail, on PORTAL_BASE_URL: never on the Host header
    of the request that caused the mail, which the visitor chooses."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _on_portal(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return portal_url(path + (f"#{parts.fragment}" if parts.fragment else ""))


class PortalSite:
    """What allauth's mail templates name as the site (`current_site`)."""

    def __init__(self):
        self.name = str(settings.SITE_NAME)
        self.domain = urlsplit(settings.PORTAL_BASE_URL).netloc


class RosterAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Closed where the campus sign-on stands in for email and password.
        return cas.password_sign_in()

    def save_user(self, request, user, form, commit=True):
        # No roster link here: it is made when the address is verified
        # (link_verified_address below), never for an unverified account.
        user = super().save_user(request, user, form, commit=False)
        user.language = translation.get_language() or user.language
        if commit:
            user.save()
        return user

    # Links in every allauth mail (confirmation, password reset, account exists,
    # unknown account) are built on PORTAL_BASE_URL.
    def get_email_confirmation_url(self, request, emailconfirmation):
        return portal_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key):
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return portal_url(path.replace("UID-KEY", key))

    def send_mail(self, template_prefix, email, context):
        context = {
            key: _on_portal(value)
            if isinstance(value, str) and value.startswith(("http://", "https://"))
            else value
            for key, value in context.items()
        }
        context["current_site"] = PortalSite()
        # The confirmation mail names the sign-up page: the owner of an address
        # someone else signed up with makes their own account from there.
        context.setdefault("signup_url", portal_url(reverse("account_signup")))
        super().send_mail(template_prefix, email, context)

    def get_client_ip(self, request):
        # One notion of "the visitor's address" for allauth's limits and ours.
        return client_ip(request)

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth counts failed sign-ins per site domain (the Host header, which
        # the visitor chooses) and account. Counted per account *and* address, a
        # stranger's wrong passwords cannot lock the member out. str.lower() as
        # allauth's sign-in matches the account with it.
        login = credentials.get("email", credentials.get("username", "")).lower()
        return f"{login}:{client_ip(request)}"


def link_verified_address(sender, request, email_address, **kwargs):
    """allauth's email_confirmed: sent by the confirmation page and by a
    password reset through the mailbox, the two proofs of owning the address."""
    services.member_claim(user=email_address.user, email=email_address.email)
