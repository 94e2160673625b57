from django.contrib import admin
from django.urls import include, path, re_path, register_converter

from members.accounts import ConfirmSignupView, admin_login
from members.cas import CasLoginView, PortalLoginView, PortalLogoutView
from union_portal.core.health import healthz


class TokenConverter:
    """The random tokens of uploaded files: anything else is not a file."""

    regex = "[A-Za-z0-9]{32}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TokenConverter, "token")

urlpatterns = [
    # Public, says nothing private: each check's name and ok / failed.
    path("healthz", healthz, name="healthz"),
    path("", include("union_portal.core.urls")),
    path("", include("members.urls")),
    path("events/", include("events.urls")),
    path("grievances/", include("grievances.urls")),
    path("notices/", include("notices.urls")),
    path("awards/", include("awards.urls")),
    path("proposals/", include("participation.urls")),
    path("care/", include("care.urls")),
    path("report/", include("annual_report.urls")),
    # allauth's confirmation page, asking for the password chosen at sign-up.
    path(
        "accounts/",
        include(
            [
                re_path(
                    r"^confirm-email/(?P<key>[-:\w]+)/$",
                    ConfirmSignupView.as_view(),
                    name="account_confirm_email",
                ),
                # allauth's sign-in and sign-out, with the campus sign-on (CAS).
                path("login/", PortalLoginView.as_view(), name="account_login"),
                path("logout/", PortalLogoutView.as_view(), name="account_logout"),
                # The CAS server sends the member back here with a ticket (GET),
                # and its single sign-out requests (POST).
                path("cas/login/", CasLoginView.as_view(), name="cas_login"),
            ]
        ),
    ),
    path("accounts/", include("allauth.urls")),
    # Before the admin's own URLs: its password form would bypass the sign-in's limits.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]
