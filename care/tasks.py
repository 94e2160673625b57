from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import services

# --- hardship files (困难职工建档与帮扶) -----------------------------------------


@shared_task(name="care.hardship_send_reminders")
def hardship_send_reminders(now_iso=None):
    # Beat passes nothing (the real time); tests pass a time to control the clock.
    return services.hardship_send_reminders(now=parse_datetime(now_iso) if now_iso else None)


"""Celery tasks of care: they call services, nothing else."""

# --- welfare handouts (福利发放) ----------------------------------------------


@shared_task(name="care.welfare_apply_defaults")
def welfare_apply_defaults():
    from . import services

    return services.handout_apply_defaults()
