"""The portal's own settings, changed only where the benchmark must observe or
isolate something. The database, Redis and cache come from the environment that
bench/run.py sets (its own database, Redis databases 3 and 4)."""

import os
from datetime import timedelta

from union_portal.settings import *  # noqa: F403

# collectstatic into the run's temporary folder, not the demo's .services/staticfiles.
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT") or STATIC_ROOT  # noqa: F405

# Every email the worker sends is appended to one file, so duplicates and missing
# emails can be counted across worker processes and a SIGKILL.
EMAIL_BACKEND = "bench.outbox.AppendOnlyBackend"
BENCH_OUTBOX = os.environ.get("BENCH_OUTBOX", "")

# The portal picks up a claimed but unsent email after 10 minutes; the benchmark
# compresses that window so a killed worker's emails are recovered within the run.
NOTIFICATION_EMAIL_RETRY_AFTER = timedelta(
    seconds=float(os.environ.get("BENCH_NOTIFICATION_RETRY_SECONDS", "600"))
)

# The portal's URLs plus bench/admin.py's changelists (registrations, fund lines):
# the admin peers the portal itself does not ship.
ROOT_URLCONF = "bench.urls"
