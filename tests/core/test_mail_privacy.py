"""Who is told of a confidential case shows neither in the admin nor in the
worker's log: no notification admin, and mail without SMTP goes to files."""

import logging
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from grievances import services
from grievances.forms import GrievanceForm
from tests.factories import CategoryFactory, MemberFactory, UserFactory, user_with_role
from tests.waiting import wait_for
from union_portal.core.models import Notification


def production_mail_settings(**env):
    """EMAIL_BACKEND and EMAIL_FILE_PATH as the real settings module reads them."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    clean.update(DJANGO_SETTINGS_MODULE="union_portal.settings", **env)
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings as s; "
         "print(s.EMAIL_BACKEND); print(getattr(s, 'EMAIL_FILE_PATH', ''))"],
        cwd=django_settings.BASE_DIR, env=clean, capture_output=True, text=True, check=True,
    )  # fmt: skip
    backend, path = out.stdout.split("\n")[:2]
    return backend, path


def test_without_an_smtp_host_mail_is_written_to_files_not_printed():
    backend, path = production_mail_settings()
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert path == str(django_settings.BASE_DIR / ".services" / "mail")  # ignored by git
    smtp, _ = production_mail_settings(EMAIL_HOST="smtp.example.cn")
    assert smtp == "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.django_db
def test_the_admin_has_no_notifications_to_search(client, branch):
    admin = UserFactory(is_staff=True, is_superuser=True)
    member = MemberFactory(branch=branch, user=UserFactory())
    category = CategoryFactory(branch=branch)
    form = GrievanceForm(
        data={"kind": "grievance", "category": category.pk, "subject": "主任打压",
              "description": "保密处理", "confidentiality": "confidential"},
        branch=branch,
    )  # fmt: skip
    assert form.is_valid()
    grievance, _ = services.grievance_file(user=member.user, member=member, form=form)
    services.grievance_acknowledge(actor=user_with_role("chair", branch), grievance=grievance)
    assert Notification.objects.filter(user=member.user).exists()
    client.force_login(admin)
    index = client.get(reverse("admin:index")).content.decode()
    assert "/admin/core/notification/" not in index
    for query in (f"#{grievance.pk}", f"grievance-ack:{grievance.pk}"):
        response = client.get("/admin/core/notification/", {"q": query})
        assert response.status_code == 404
        assert member.user.email not in response.content.decode()


def test_the_worker_log_never_carries_a_recipient_or_a_case_subject(
    celery_worker, branch, settings, tmp_path, caplog, capfd
):
    """A real worker sends the emails of a confidential case with the backend the
    portal uses without SMTP; everything it logs or prints is searched."""
    backend, _ = production_mail_settings()
    settings.EMAIL_BACKEND = backend
    settings.EMAIL_FILE_PATH = str(tmp_path)
    caplog.set_level(logging.DEBUG)
    chair = user_with_role("chair", branch)
    officer = user_with_role("officer", branch)
    member = MemberFactory(branch=branch, user=UserFactory(), name="林晓")
    category = CategoryFactory(branch=branch, default_assignee=officer)
    form = GrievanceForm(
        data={"kind": "grievance", "category": category.pk, "subject": "主任在例会上羞辱我",
              "description": "希望保密处理。", "confidentiality": "confidential"},
        branch=branch,
    )  # fmt: skip
    assert form.is_valid()
    grievance, _ = services.grievance_file(user=member.user, member=member, form=form)
    services.grievance_acknowledge(actor=officer, grievance=grievance)
    services.grievance_ask_filer(actor=officer, grievance=grievance, text="请补充时间")
    expected = Notification.objects.count()
    assert expected >= 3
    wait_for(lambda: Notification.objects.filter(emailed_at__isnull=False).count() == expected)
    time.sleep(0.5)
    assert Notification.objects.filter(emailed_at__isnull=False).count() == expected
    captured = capfd.readouterr()
    logged = caplog.text + captured.out + captured.err
    for secret in (member.user.email, officer.email, chair.email, grievance.subject, "林晓"):
        assert secret not in logged
    written = "".join(f.read_text(errors="replace") for f in tmp_path.iterdir())
    assert member.user.email in written and officer.email in written  # mail went to files
    # The handlers' emails of a confidential case do not carry its subject either.
    assert grievance.subject not in written
