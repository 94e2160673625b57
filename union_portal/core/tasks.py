from celery import shared_task
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from . import notifications


@shared_task(
    name="core.send_notification_email",
    autoretry_for=(OSError,),
    retry_backoff=settings.NOTIFICATION_EMAIL_RETRY_BACKOFF_SECONDS,
    max_retries=5,
)
def send_notification_email(notification_id):
    return notifications.notification_send_email(notification_id=notification_id)


@shared_task(
    name="core.send_notification_emails",
    autoretry_for=(OSError,),
    retry_backoff=settings.NOTIFICATION_EMAIL_RETRY_BACKOFF_SECONDS,
    max_retries=5,
)
def send_notification_emails(notification_ids):
    """A batch of emails through one connection (notify_each(), notify_many())."""
    return notifications.notification_send_emails(notification_ids=notification_ids)


@shared_task(name="core.send_pending_notification_emails")
def send_pending_notification_emails():
    """Picks up emails whose task was lost (e.g. Redis was down at commit time, or
    the worker holding them was killed), in batches."""
    older_than = timezone.now() - settings.NOTIFICATION_EMAIL_RETRY_AFTER
    ids = notifications.notifications_unsent(older_than=older_than)
    batch = settings.NOTIFICATION_EMAIL_BATCH
    for start in range(0, len(ids), batch):
        send_notification_emails.delay(ids[start : start + batch])


@shared_task(name="core.clear_expired_sessions")
def clear_expired_sessions():
    """Expired sessions leave the database (and so the next backup) every night."""
    call_command("clearsessions")


@shared_task(
    name="core.calendar_schedule_remind",
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=3,
)
def calendar_schedule_remind():
    """From 1 December, once a week: next year's holiday schedule is missing."""
    from .calendar import calendar_schedule_remind as remind

    return remind()
