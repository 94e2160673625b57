from celery import shared_task

from . import services


@shared_task(name="events.send_reminders")
def send_event_reminders():
    return services.event_send_reminders()


@shared_task(name="events.notify_missed_waitlist")
def notify_missed_waitlist():
    return services.event_notify_missed_waitlist()
