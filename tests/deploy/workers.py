"""A real Celery worker in its own process, configured from the environment the
way systemd starts it (union_portal.settings), and a real SMTP server (aiosmtpd)."""

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(**extra):
    """The environment of the systemd units, pointed at the test's database and Redis."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "union_portal.settings",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "CACHE_URL": settings.CACHES["default"]["LOCATION"],
        "PORTAL_MANIFEST_STATIC": "0",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class Worker:
    """`celery -A union_portal worker` as deploy/systemd/union-portal-worker.service runs it."""

    def __init__(self, log_path, **env):
        self.log_path = Path(log_path)
        self.env = production_env(**env)
        self.process = None

    def __enter__(self):
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "--quiet", "-A", "union_portal", "worker",
             "--pool", "solo", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.log.close()

    def json_lines(self):
        lines = []
        for line in self.log_path.read_text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    def text(self):
        return self.log_path.read_text()


class _Inbox:
    def __init__(self):
        self.messages = []  # (recipients, raw bytes)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on a fixed local port, which can be stopped and started again."""

    def __init__(self):
        self.port = free_port()
        self.inbox = _Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def recipients(self):
        return sorted(address for to, _ in self.inbox.messages for address in to)
