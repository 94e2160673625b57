"""Reminder batches: inbox rows written a thousand at a time, emails sent in
batches through one SMTP connection each, claimed first so a killed worker's
batch goes out once after the retry window."""

import smtplib
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy

from events import services as events
from tests.deploy.workers import SmtpServer
from tests.factories import EventFactory, MemberFactory, UserFactory, VenueFactory
from tests.waiting import wait_for
from union_portal.core.models import Notification
from union_portal.core.notifications import Note, notification_send_emails, notify, notify_each
from union_portal.core.tasks import send_pending_notification_emails

from .counting_backend import CountingSmtpBackend


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) behind Django's SMTP backend, counting connections."""
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "tests.core.counting_backend.CountingSmtpBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = False
    CountingSmtpBackend.connections, CountingSmtpBackend.batches = 0, []
    yield server
    server.stop()


def smtp_messages(server):
    return [message_from_bytes(raw, policy=policy.default) for _, raw in server.inbox.messages]


def event_tomorrow(branch, **kwargs):
    now = timezone.now()
    return EventFactory(branch=branch, starts_at=now + timedelta(hours=20),
                        signup_closes_at=now + timedelta(hours=10), **kwargs)  # fmt: skip


def confirmed(event, languages):
    venue = VenueFactory(event=event, place="体育馆")
    return [
        events.registration_create(
            member=MemberFactory(branch=event.branch, user=UserFactory(language=language)),
            event=event,
            venue_id=venue.pk,
        )  # fmt: skip
        for language in languages
    ]


def is_reminder(subject):
    return subject.startswith(("Tomorrow:", "明日活动："))


def test_each_member_gets_one_reminder_row_and_one_email_in_their_language(
    celery_worker, branch, settings
):
    settings.NOTIFICATION_EMAIL_BATCH = 3
    event = event_tomorrow(branch, title="秋季运动会")
    registrations = confirmed(event, ["en", "zh-hans"] * 4)
    assert events.event_send_reminders() == 8
    assert events.event_send_reminders() == 8  # beat again: nothing new
    assert wait_for(lambda: len([m for m in mail.outbox if is_reminder(m.subject)]) >= 8)
    # The sweep runs too, with nothing older than its window left: no copy either.
    settings.NOTIFICATION_EMAIL_RETRY_AFTER = timedelta(0)
    send_pending_notification_emails.delay()
    time.sleep(1.5)

    reminders = [m for m in mail.outbox if is_reminder(m.subject)]
    assert sorted(to for m in reminders for to in m.to) == sorted(
        r.member.user.email for r in registrations
    )
    for registration in registrations:
        user = registration.member.user
        assert Notification.objects.filter(user=user, key__startswith="event-reminder").count() == 1
        (email,) = [m for m in reminders if m.to == [user.email]]
        if user.language == "en":
            assert email.subject == "Tomorrow: 秋季运动会"
            assert f"Your check-in code: {registration.checkin_code}" in email.body
        else:
            assert email.subject == "明日活动：秋季运动会"
            assert f"您的签到码：{registration.checkin_code}" in email.body


def test_reminder_emails_go_in_batches_through_one_smtp_connection_each(
    celery_worker, branch, settings, smtp
):
    settings.NOTIFICATION_EMAIL_BATCH = 4
    event = event_tomorrow(branch, title="工会年会")
    registrations = confirmed(event, ["zh-hans"] * 10)
    # The sign-up confirmations go out first, one connection each (notify()).
    assert wait_for(lambda: not Notification.objects.filter(emailed_at__isnull=True).exists())
    CountingSmtpBackend.connections, CountingSmtpBackend.batches = 0, []

    events.event_send_reminders()
    reminders = Notification.objects.filter(key__startswith="event-reminder")
    assert wait_for(lambda: reminders.filter(emailed_at__isnull=False).count() == 10)
    events.event_send_reminders()
    time.sleep(1)

    assert CountingSmtpBackend.connections == 3
    assert sorted(CountingSmtpBackend.batches) == [2, 4, 4]
    received = [m for m in smtp_messages(smtp) if m["Subject"] == "明日活动：工会年会"]
    assert sorted(m["To"] for m in received) == sorted(r.member.user.email for r in registrations)
    # One Message-ID per inbox row: a copy a crash may cause is the same message.
    assert len({m["Message-ID"] for m in received}) == 10


@pytest.mark.django_db
def test_an_email_claimed_by_a_killed_worker_goes_out_once_after_the_retry_window(settings):
    settings.NOTIFICATION_EMAIL_RETRY_AFTER = timedelta(minutes=10)
    users = [UserFactory() for _ in range(5)]
    notify_each(Note(user=user, key="meeting", subject="会议通知") for user in users)
    rows = Notification.objects.filter(key="meeting")
    ids = list(rows.values_list("pk", flat=True))
    # What a worker SIGKILLed after its claim leaves behind: four rows claimed and not
    # sent, and one it sent and marked before it died.
    killed_at = timezone.now()
    rows.update(email_claimed_at=killed_at)
    rows.filter(user=users[0]).update(emailed_at=killed_at)

    # Within the window the claim holds (that worker may still be sending).
    assert notification_send_emails(notification_ids=ids) == 0
    assert mail.outbox == []

    # After the window: the four go out, once, the one sent before is not sent again.
    rows.update(email_claimed_at=killed_at - timedelta(minutes=11))
    assert notification_send_emails(notification_ids=ids) == 4
    assert notification_send_emails(notification_ids=ids) == 0
    assert sorted(to for m in mail.outbox for to in m.to) == sorted(u.email for u in users[1:])
    assert rows.filter(emailed_at__isnull=True).count() == 0


class RefusingInbox:
    """An SMTP server's mailbox with one address that does not exist."""

    def __init__(self, refused):
        self.refused, self.messages = refused, []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refused:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.mark.django_db
def test_a_refused_address_is_retried_alone_and_never_holds_back_the_batch(settings):
    users = [UserFactory() for _ in range(5)]
    server = SmtpServer()
    server.inbox = RefusingInbox(users[2].email)
    server.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = False
        notify_each(Note(user=user, key="dues", subject="会费通知") for user in users)
        ids = list(Notification.objects.filter(key="dues").values_list("pk", flat=True))
        with pytest.raises(smtplib.SMTPRecipientsRefused):  # an OSError: the task retries
            notification_send_emails(notification_ids=ids)
        first = [to for to, _ in server.inbox.messages]
        # The retry: only the refused address is tried again.
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            notification_send_emails(notification_ids=ids)
        again = [to for to, _ in server.inbox.messages]
    finally:
        server.stop()
    good = [user.email for user in users if user != users[2]]
    assert {address for (address,) in first} == set(good)
    # Those before the refused one were in the failed batch and sent again one by one.
    assert all(first.count([address]) <= 2 for address in good)
    assert again == first
    unsent = Notification.objects.filter(key="dues", emailed_at__isnull=True)
    assert [n.user for n in unsent] == [users[2]] and unsent.get().email_claimed_at is None


@pytest.mark.django_db
def test_notify_each_tells_each_user_once_per_key_with_queries_fixed(
    django_assert_max_num_queries,
):
    english, chinese = UserFactory(language="en"), UserFactory(language="zh-hans")
    crowd = [UserFactory(language=language) for language in ["en", "zh-hans"] * 15]
    told_before = notify(user=english, key="inbox", subject="earlier")

    def notes(users):
        return [Note(user=user, key="inbox", subject=gettext_lazy("Inbox")) for user in users]

    with CaptureQueriesContext(connection) as two:
        assert notify_each(notes([english, chinese, chinese])) == 1
    with django_assert_max_num_queries(len(two.captured_queries)):
        assert notify_each(notes(crowd)) == 30
    assert Notification.objects.get(user=english, key="inbox") == told_before
    assert Notification.objects.get(user=chinese, key="inbox").subject == "收件箱"
    assert {n.subject for n in Notification.objects.filter(user__in=crowd)} == {"Inbox", "收件箱"}
    assert Notification.objects.filter(key="inbox").count() == 32
