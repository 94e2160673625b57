"""An email backend for the benchmark: each message becomes one JSON line appended
to settings.BENCH_OUTBOX. One write() per batch with O_APPEND, so lines from
several worker processes never interleave and a SIGKILL loses at most the batch
being written, never half a line that would look like another email."""

import json
import os

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class AppendOnlyBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        lines = "".join(
            json.dumps({"to": m.to, "subject": str(m.subject)}, ensure_ascii=False) + "\n"
            for m in email_messages
        )
        if settings.BENCH_OUTBOX and lines:
            fd = os.open(settings.BENCH_OUTBOX, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, lines.encode())
            finally:
                os.close(fd)
        return len(email_messages)


def read(path) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def count(path, text: str) -> int:
    try:
        with open(path, "rb") as f:
            return f.read().count(text.encode())
    except FileNotFoundError:
        return 0
