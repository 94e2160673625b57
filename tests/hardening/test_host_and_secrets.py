"""Mails link to the portal's own address whatever Host a request names; the
demo answers only to its own host names; no secret key comes from the
repository."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import MemberFactory, UserFactory

ROOT = Path(settings.BASE_DIR)
PORTAL = "https://union.example.edu.cn"


@pytest.fixture
def forged_host(settings):
    settings.PORTAL_BASE_URL = PORTAL
    return Client(HTTP_HOST="evil.example")


def sign_up(client, email):
    password = "Qiu-yue-2026!"
    return client.post(
        reverse("account_signup"), {"email": email, "password1": password, "password2": password}
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "action, link",
    [
        ("reset_known", "/accounts/password/reset/key/"),
        ("reset_unknown", "/accounts/signup/"),
        ("signup_on_roster", "/accounts/confirm-email/"),
        ("signup_has_account", "/accounts/password/reset/"),
        ("signup_not_on_roster", "/accounts/signup/"),
    ],
)
def test_mail_links_use_the_portal_address_not_the_host_header(forged_host, branch, action, link):
    if action == "reset_known":
        UserFactory(email="known@example.cn")
        forged_host.post(reverse("account_reset_password"), {"email": "known@example.cn"})
    elif action == "reset_unknown":
        forged_host.post(reverse("account_reset_password"), {"email": "nobody@example.cn"})
    elif action == "signup_on_roster":
        MemberFactory(branch=branch, email="new@example.cn", user=None)
        sign_up(forged_host, "new@example.cn")
    elif action == "signup_has_account":
        UserFactory(email="known@example.cn")
        sign_up(forged_host, "known@example.cn")
    else:
        sign_up(forged_host, "nobody@example.cn")
    [message] = mail.outbox
    text = message.subject + message.body
    assert "evil.example" not in text
    assert f"{PORTAL}{link}" in text, text


def test_the_demo_answers_only_to_its_own_host_names():
    demo = (ROOT / "scripts" / "demo.sh").read_text()
    assert 'DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS:-$(demo_allowed_hosts)}"' in demo
    hosts = subprocess.run(
        ["bash", "-c", "source scripts/env.sh && demo_allowed_hosts"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip().split(",")  # fmt: skip
    assert "*" not in hosts and {"localhost", "127.0.0.1", "[::1]"} <= set(hosts)


@pytest.mark.django_db
def test_a_forged_host_is_refused_with_the_demos_host_names(settings):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
    UserFactory(email="known@example.cn")
    response = Client(HTTP_HOST="evil.example").post(
        reverse("account_reset_password"), {"email": "known@example.cn"}
    )
    assert response.status_code == 400 and mail.outbox == []


def secret_keys(services_dir, processes=1, **env):
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"},
        "PORTAL_SERVICES_DIR": str(services_dir),
        **env,
    }
    code = "import union_portal.settings as s; print(s.SECRET_KEY)"
    runs = [
        subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=environment,
                         stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]  # fmt: skip
    return [run.communicate()[0].strip() for run in runs]


def test_without_a_secret_key_a_random_one_is_made_once_kept_private_and_reused(tmp_path):
    services_dir = tmp_path / "services"
    first = secret_keys(services_dir, processes=4)  # four processes start at once
    assert len(set(first)) == 1 and len(first[0]) >= 50
    assert "insecure" not in first[0]
    key_file = services_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == first[0]
    assert list(services_dir.iterdir()) == [key_file]
    assert secret_keys(services_dir) == first[:1]
    assert secret_keys(tmp_path / "elsewhere") != first[:1]


def test_a_configured_secret_key_is_used_and_nothing_is_written(tmp_path):
    key = "x7-" + "k2Pq9zLm4Vb8Nw3Rt6Yh1Jd5Gf0Sa" * 3
    assert secret_keys(tmp_path, DJANGO_SECRET_KEY=key) == [key]
    assert not (tmp_path / "secret_key").exists()


def test_uploaded_case_files_are_not_readable_by_other_users_whatever_the_umask(tmp_path):
    """nginx (www-data) may pass through .services/ (0711) to the static files;
    Django writes every upload 0644, so only private/'s own mode kept nginx out,
    and that mode came from the umask of whichever process made the folder first
    (a `manage.py` run from a shell: 0755)."""
    import os
    import stat

    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    options = dict(settings.STORAGES["private"]["OPTIONS"], location=tmp_path / "private")
    old = os.umask(0o022)
    try:
        name = FileSystemStorage(**options).save("grievances/2026/x.pdf", ContentFile(b"%PDF"))
    finally:
        os.umask(old)
    for path in (
        tmp_path / "private",
        tmp_path / "private" / "grievances",
        tmp_path / "private" / name,
    ):
        assert stat.S_IMODE(path.stat().st_mode) & 0o007 == 0, path
