"""Campus sign-on (统一身份认证) through the university's CAS server, with
django-cas-ng. The CAS user name is the 工号; members.services.member_cas_sign_in
applies the roster gate. The session holds only Django's sign-in keys; the
service ticket sits in django-cas-ng's SessionTicket row, which its single
sign-out needs. No ticket or attribute is logged or kept in the session."""

import logging

import requests
from allauth.account.views import LoginView as AllauthLoginView
from allauth.account.views import LogoutView as AllauthLogoutView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_cas_ng import views as cas_views
from django_cas_ng.utils import RedirectException, get_cas_client

from union_portal.core import ratelimit

from . import services

logger = logging.getLogger(__name__)

BACKEND = "members.cas.RosterCASBackend"
_REFUSAL = "_portal_cas_refusal"
CAS_FAILED = "failed"


def cas_enabled() -> bool:
    return bool(settings.CAS_SERVER_URL)


def password_sign_in() -> bool:
    """Email and password sign-in, switched off only where CAS stands in."""
    return settings.PORTAL_PASSWORD_SIGN_IN or not cas_enabled()


class TimeoutSession(requests.Session):
    """python-cas's requests to the CAS server (ticket validation), with a
    timeout: python-cas sets none, and a hung CAS server would hold a sync app
    server until gunicorn kills it, for every sign-in (settings.CAS_SESSION_FACTORY)."""

    timeout = 5

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return super().request(*args, **kwargs)


def _first(value):
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return "" if value is None else str(value)


class RosterCASBackend(ModelBackend):
    """Checks a CAS service ticket with the CAS server, then lets the roster
    decide (members.services.member_cas_sign_in)."""

    def authenticate(self, request, ticket=None, service=None, **kwargs):
        if not ticket or not service or not cas_enabled():
            return None
        client = get_cas_client(service_url=service, request=request)
        try:
            staff_number, attributes, _pgtiou = client.verify_ticket(ticket)
        except Exception as error:  # the CAS server unreachable or its answer unreadable
            logger.warning("CAS ticket validation failed: %s", type(error).__name__)
            staff_number, attributes = None, None
        if not staff_number:
            _refuse(request, CAS_FAILED)
            return None
        attributes = attributes or {}
        try:
            user = services.member_cas_sign_in(
                staff_number=str(staff_number).strip(),
                name=_first(attributes.get(settings.PORTAL_CAS_NAME_ATTRIBUTE)),
                email=_first(attributes.get(settings.PORTAL_CAS_EMAIL_ATTRIBUTE)),
                language=translation.get_language() or "",
            )
        except services.CasSignInRefused as refusal:
            _refuse(request, refusal.reason, staff_number=str(staff_number))
            return None
        return user


# Ticket validations per address in ten minutes: each one is a request to the
# CAS server, so a stranger's made-up tickets must not turn the portal on it.
TICKETS_PER_ADDRESS = 30


def _may_validate(request) -> bool:
    try:
        return ratelimit.hit(
            "cas-ticket", ratelimit.client_ip(request), limit=TICKETS_PER_ADDRESS, window=600
        )
    except ratelimit.CounterUnavailable:
        return True  # staff must still sign in while Redis is down


def _refuse(request, reason, staff_number=""):
    if request is not None:
        setattr(request, _REFUSAL, (reason, staff_number))


def _refusal_message(reason, staff_number):
    if reason == services.CAS_NOT_ON_ROSTER:
        return _(
            "Staff number %(staff_number)s is not on the union roster, so the portal "
            "has no account for it. If you are a union member, ask your branch's "
            "officers to add you to the roster."
        ) % {"staff_number": staff_number}
    if reason == services.CAS_NOT_ACTIVE:
        return _(
            "The roster entry of staff number %(staff_number)s is not active (retired, "
            "transferred or lapsed), so it cannot sign in. If this is wrong, ask your "
            "branch's officers."
        ) % {"staff_number": staff_number}
    if reason == services.CAS_ACCOUNT_DISABLED:
        return _("This account is disabled. Ask the portal's administrator.")
    return _("The campus sign-on could not confirm your sign-in. Please try again.")


class CasLoginView(cas_views.LoginView):
    """Sends the visitor to the CAS server, and takes the ticket it sends back
    (GET); takes the CAS server's single sign-out request (POST). A refusal is a
    page in the visitor's language, never an error."""

    # The CAS server's single sign-out request has no CSRF token (as in
    # django-cas-ng's own view): it can only end the session of a ticket it names.
    @method_decorator(csrf_exempt)
    def dispatch(self, request, *args, **kwargs):
        if not cas_enabled():
            raise Http404
        next_url = request.GET.get("next")
        if next_url and not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            # django-cas-ng would send the member to any `next` after sign-in.
            return HttpResponseRedirect(reverse("cas_login"))
        if request.GET.get("ticket") and not _may_validate(request):
            return render(request, "429.html", status=429)
        try:
            return super().dispatch(request, *args, **kwargs)
        except RedirectException:
            # A `next` to another site: sign in all the same, to the home page.
            return HttpResponseRedirect(reverse("cas_login"))
        except PermissionDenied:
            reason, staff_number = getattr(request, _REFUSAL, (CAS_FAILED, ""))
            client = get_cas_client(request=request)
            return render(
                request,
                "members/cas_refused.html",
                {
                    "message": _refusal_message(reason, staff_number),
                    "cas_logout_url": client.get_logout_url(
                        settings.CAS_ROOT_PROXIED_AS.rstrip("/") + reverse("account_login")
                    ),
                },
                status=403,
            )


class PortalLogoutView(AllauthLogoutView):
    """allauth's sign-out; a session opened through the campus sign-on also
    signs out of the CAS server (django-cas-ng's logout), when single sign-out
    is on."""

    def post(self, request, *args, **kwargs):
        if cas_enabled() and request.session.get(BACKEND_SESSION_KEY) == BACKEND:
            return cas_views.LogoutView.as_view()(request)
        return super().post(request, *args, **kwargs)


class PortalLoginView(AllauthLoginView):
    """allauth's sign-in page, with the campus sign-on button when CAS is
    configured; with password sign-in switched off it offers CAS only and
    refuses a password politely."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cas_sign_in"] = cas_enabled()
        context["password_sign_in"] = password_sign_in()
        return context

    def post(self, request, *args, **kwargs):
        if not password_sign_in():
            messages.error(request, password_sign_in_off_message())
            return HttpResponseRedirect(reverse("account_login"))
        return super().post(request, *args, **kwargs)


def password_sign_in_off_message():
    return _(
        "Sign-in with email and password is switched off here: please use the "
        "campus sign-on (统一身份认证)."
    )
