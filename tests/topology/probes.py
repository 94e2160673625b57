"""What the topology test observes in its processes, whatever their logging
says: each process is named by TOPOLOGY_PROCESS ("worker-a", "beat-b"…) and
appends one line per event to TOPOLOGY_PROBES: "<process> ready" when a worker
or beat has started, "<process> published <task>" for each task a beat sends.
Emails go to the outbox file with the name of the worker that sent them.
Imported by app_settings.py, so only the topology test's processes load it."""

import json
import os

from celery import signals
from django.conf import settings

from bench.outbox import AppendOnlyBackend

PROCESS = os.environ.get("TOPOLOGY_PROCESS", "")


def _write(path, line: str) -> None:
    if not path:
        return
    # One write() with O_APPEND: lines of several processes never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def probe(text: str) -> None:
    _write(os.environ.get("TOPOLOGY_PROBES", ""), f"{PROCESS} {text}\n")


@signals.worker_ready.connect
def _worker_ready(**kwargs):
    probe("ready")


@signals.beat_init.connect
def _beat_ready(**kwargs):
    probe("ready")


@signals.before_task_publish.connect
def _published(sender=None, **kwargs):
    if PROCESS.startswith("beat"):
        probe(f"published {sender}")


class TaggedOutbox(AppendOnlyBackend):
    """bench's append-only outbox, each line also naming the worker that sent it."""

    def send_messages(self, email_messages):
        lines = "".join(
            json.dumps({"to": m.to, "subject": str(m.subject), "by": PROCESS}, ensure_ascii=False)
            + "\n"
            for m in email_messages
        )
        _write(settings.BENCH_OUTBOX, lines)
        return len(email_messages)
