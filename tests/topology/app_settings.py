"""Settings of the topology test's processes (two gunicorn instances, two Celery
workers, the beats): the portal's production settings as bench/settings.py
adapts them (every email appended to one outbox file, so duplicates can be
counted across processes), with the beat's reminder and unsent-email sweep
ticking every 30 seconds instead of every ten and five minutes."""

import os
from datetime import timedelta

from bench.settings import *  # noqa: F403

_TICK = timedelta(seconds=float(os.environ.get("TOPOLOGY_BEAT_SECONDS", "30")))
CELERY_BEAT_SCHEDULE = {  # noqa: F405
    **CELERY_BEAT_SCHEDULE,  # noqa: F405
    "event-reminders": {"task": "events.send_reminders", "schedule": _TICK},
    "send-pending-notification-emails": {
        "task": "core.send_pending_notification_emails",
        "schedule": _TICK,
    },
}

EMAIL_BACKEND = "tests.topology.probes.TaggedOutbox"
import tests.topology.probes  # noqa: E402,F401  (its Celery signal handlers)
