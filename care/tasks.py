"""Celery tasks of care: they call services, nothing else."""

# --- welfare handouts (福利发放) ----------------------------------------------

from celery import shared_task  # noqa: E402


@shared_task(name="care.welfare_apply_defaults")
def welfare_apply_defaults():
    from . import services

    return services.handout_apply_defaults()
