from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import services


@shared_task(name="notices.close_periods")
def close_periods(now_iso=None):
    # Beat passes nothing (the real time); tests pass a time to control the clock.
    return services.notice_close_periods(now=parse_datetime(now_iso) if now_iso else None)
