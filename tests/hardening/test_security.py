import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from grievances import services as grievance_services
from tests.factories import (
    CategoryFactory,
    EventFactory,
    GrievanceFactory,
    VenueFactory,
    fund_notice,
)

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


def test_deploy_check_is_clean_with_production_settings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "union_portal.settings",
        "PORTAL_PRODUCTION": "1",
        "DJANGO_SECRET_KEY": "x7-" + "k2Pq9zLm4Vb8Nw3Rt6Yh1Jd5Gf0Sa" * 3,
        "DJANGO_ALLOWED_HOSTS": "union.example.edu.cn",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


class InlineCode(HTMLParser):
    """Collects what a strict Content Security Policy would block."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_script_without_src = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names:
            self._in_script_without_src = True
        for name, _value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"<{tag} {name}=…>")

    def handle_data(self, data):
        if self._in_script_without_src and data.strip():
            self.problems.append(f"inline script: {data.strip()[:40]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script_without_src = False


def test_pages_respect_the_content_security_policy(client, people, branch):
    event = EventFactory(branch=branch)
    VenueFactory(event=event)
    grievance = GrievanceFactory(
        category=CategoryFactory(branch=branch),
        assignee=people["officer"],
        filer=people["member"],
        filer_member=people["member"].member,
    )
    grievance_services.grievance_reply(actor=people["officer"], grievance=grievance, text="好")
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published")
    pages = {
        None: ["/", "/accounts/login/", "/accounts/signup/", "/notices/", "/grievances/receipt/"],
        "member": ["/me/", "/inbox/", f"/events/{event.pk}/", f"/grievances/{grievance.pk}/",
                   "/grievances/new/", f"/notices/{notice.pk}/"],
        "officer": ["/roster/", "/roster/import/", "/roster/new/", "/events/new/",
                    f"/events/{event.pk}/check-in/", "/events/report/", "/grievances/",
                    "/notices/new/fund/"],
        "chair": ["/grievances/dashboard/", f"/grievances/{grievance.pk}/"],
    }  # fmt: skip
    for role, urls in pages.items():
        if role:
            client.force_login(people[role])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert "script-src 'self'" in response["Content-Security-Policy"]
            parser = InlineCode()
            parser.feed(response.content.decode())
            assert parser.problems == [], (url, parser.problems)


def test_repeated_failed_sign_ins_are_throttled(client, people):
    email = people["member"].email
    client.cookies["django_language"] = "en"
    for _ in range(5):
        client.post(reverse("account_login"), {"login": email, "password": "wrong"})
    # Even the right password is refused until the window has passed.
    response = client.post(
        reverse("account_login"), {"login": email, "password": "correct-horse-battery"}
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_requests_are_limited(client, people):
    email = people["member"].email
    codes = [
        client.post(reverse("account_reset_password"), {"email": email}).status_code
        for _ in range(7)
    ]
    assert codes[0] == 302 and codes[-1] == 429


def test_security_headers_are_sent(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
