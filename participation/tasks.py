from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import services


def _clock(now_iso):
    # Beat passes nothing (the real time); tests pass a time to control the clock.
    return parse_datetime(now_iso) if now_iso else None


@shared_task(name="participation.escalate_overdue")
def escalate_overdue(now_iso=None):
    return services.proposal_escalate_overdue(now=_clock(now_iso))


@shared_task(name="participation.send_reminders")
def send_reminders(now_iso=None):
    return services.proposal_send_reminders(now=_clock(now_iso))


@shared_task(name="participation.announce_poll_openings")
def announce_poll_openings(now_iso=None):
    return services.poll_announce_openings(now=_clock(now_iso))
