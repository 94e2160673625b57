"""In-portal notifications with an email beside each, sent at most once.

notify() is idempotent on (user, key): the key names the event being told
(e.g. "event-reminder:42:7"), so a retried task or a second call adds nothing.
The email goes out from a Celery task queued on commit; the task claims the
row with a conditional update so two workers never send the same email.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from .models import Notification

logger = logging.getLogger(__name__)


def _render(text, language):
    """Renders a (possibly lazy) string in the recipient's language."""
    with translation.override(language):
        return str(text() if callable(text) else text)


def notify(*, user, key: str, subject, body="", url: str = "") -> Notification:
    """Puts a message in the user's inbox and queues its email, once per key.

    `subject` and `body` may be lazy translations or callables; they are
    rendered in the recipient's language.
    """
    existing = Notification.objects.filter(user=user, key=key).first()
    if existing:
        return existing
    language = getattr(user, "language", None) or settings.LANGUAGE_CODE
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                key=key,
                subject=_render(subject, language)[:255],
                body=_render(body, language),
                url=url,
            )
    except IntegrityError:
        # Another process told the same thing first.
        return Notification.objects.get(user=user, key=key)
    if user.email:
        from .tasks import send_notification_email

        # robust: a Redis outage must not fail the request; the sweep sends it later.
        transaction.on_commit(lambda: send_notification_email.delay(notification.pk), robust=True)
    return notification


NOTIFY_CHUNK = 1000


def notify_many(*, users, key: str, subject, body="", url: str = "") -> int:
    """notify() for many accounts at once (20 000 members told a poll is open):
    one query for who has not been told this key, inbox rows a thousand at a
    time rendered once per language, the emails queued on commit. Returns how
    many were told now."""
    from .tasks import send_notification_email

    left = list(
        users.exclude(notifications__key=key).values_list("pk", "language", "email").order_by("pk")
    )
    told, rendered = 0, {}
    for start in range(0, len(left), NOTIFY_CHUNK):
        chunk = left[start : start + NOTIFY_CHUNK]
        rows = []
        for user_id, language, _email in chunk:
            language = language or settings.LANGUAGE_CODE
            if language not in rendered:
                rendered[language] = (
                    _render(subject, language)[:255], _render(body, language)
                )  # fmt: skip
            title, text = rendered[language]
            rows.append(Notification(user_id=user_id, key=key, subject=title, body=text, url=url))
        with transaction.atomic():
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            emailed = {user_id for user_id, _language, email in chunk if email}
            ids = list(
                Notification.objects.filter(
                    key=key, user_id__in=emailed, emailed_at__isnull=True
                ).values_list("pk", flat=True)
            )
            transaction.on_commit(
                lambda ids=ids: [send_notification_email.delay(pk) for pk in ids], robust=True
            )
        told += len(rows)
    return told


def notification_send_email(*, notification_id: int) -> bool:
    """Sends a notification's email unless it was sent already. True if sent now."""
    now = timezone.now()
    stale = now - settings.NOTIFICATION_EMAIL_RETRY_AFTER
    claimed = (
        Notification.objects.filter(pk=notification_id, emailed_at__isnull=True)
        .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=stale))
        .update(email_claimed_at=now)
    )
    if claimed != 1:
        return False
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    try:
        body = notification.body
        if notification.url:
            body = f"{body}\n\n{settings.PORTAL_BASE_URL}{notification.url}".strip()
        send_mail(
            subject=notification.subject,
            message=body,
            from_email=None,
            recipient_list=[notification.user.email],
        )
    except Exception:
        # Release the claim so the retry (or the sweep) can send it.
        Notification.objects.filter(pk=notification_id, email_claimed_at=now).update(
            email_claimed_at=None
        )
        raise
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
    return True


def notifications_unsent(*, older_than):
    """Ids of notifications whose email should have gone out by now."""
    return list(
        Notification.objects.filter(
            emailed_at__isnull=True, created_at__lt=older_than, user__email__gt=""
        ).values_list("pk", flat=True)[:500]
    )


def notification_mark_read(*, user, notification_id=None) -> int:
    """Marks one of the user's notifications read, or all of them without an id."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
