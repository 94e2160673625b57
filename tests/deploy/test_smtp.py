"""Email through a real SMTP server (aiosmtpd) from a real worker configured by
EMAIL_HOST / EMAIL_PORT: while the server is down, emails wait (the task retries);
once it is back each goes out exactly once, and the beat's sweep sends no copy."""

import time
from email import message_from_bytes, policy

import pytest
from django.db import transaction

from tests.deploy.workers import SmtpServer, Worker
from tests.factories import UserFactory
from tests.waiting import wait_for
from union_portal.celery import app
from union_portal.core.models import Notification
from union_portal.core.notifications import notify
from union_portal.core.tasks import send_pending_notification_emails


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_mail_waits_while_smtp_is_down_and_goes_out_once_when_it_is_back(smtp, tmp_path):
    app.control.purge()
    users = [UserFactory() for _ in range(3)]
    env = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "0",
        "DEFAULT_FROM_EMAIL": "portal@union.example.cn",
        # Short retries for the test (production: 30 s, doubling).
        "NOTIFICATION_EMAIL_RETRY_BACKOFF_SECONDS": "1",
        "NOTIFICATION_EMAIL_RETRY_AFTER_SECONDS": "0",
    }
    with Worker(tmp_path / "worker.log", **env) as worker:
        with transaction.atomic():
            for index, user in enumerate(users):
                notify(user=user, key=f"smtp:{index}", subject=f"通知 {index}")

        def retried():
            lines = [line for line in worker.json_lines() if line.get("state") == "RETRY"]
            return len({line["task_id"] for line in lines}) == len(users)

        # The SMTP server is down: every send fails and is retried, nothing is sent.
        assert wait_for(retried, 30), worker.text()
        assert not Notification.objects.filter(emailed_at__isnull=False).exists()
        assert smtp.inbox.messages == []

        smtp.start()
        sent = Notification.objects.filter(emailed_at__isnull=False)
        assert wait_for(lambda: sent.count() == len(users), 60), worker.text()
        # The beat's sweep runs again: nothing is left to send, nothing goes twice.
        send_pending_notification_emails.delay()
        time.sleep(2)
    assert smtp.recipients() == sorted(user.email for user in users)
    subjects = sorted(
        message_from_bytes(raw, policy=policy.default)["Subject"] for _, raw in smtp.inbox.messages
    )
    assert subjects == [f"通知 {index}" for index in range(len(users))]
