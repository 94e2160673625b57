"""The portal survives its parts failing: Redis stopped, a worker killed in the
middle of a batch, PostgreSQL dropping every connection."""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from urllib.request import urlopen

import psycopg
import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import connection, connections, transaction
from django.urls import reverse

from grievances.models import Grievance
from tests import waiting
from tests.factories import CategoryFactory, UserFactory
from union_portal.celery import app
from union_portal.core.models import Notification
from union_portal.core.notifications import notify
from union_portal.core.tasks import send_pending_notification_emails

ROOT = Path(settings.BASE_DIR)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout=30):
    return waiting.wait_for(condition, timeout, interval=0.2)


class OwnRedis:
    """A Redis server of the test's own, so stopping it disturbs nobody else."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        assert wait_for(lambda: subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True
        ).returncode == 0, 10)  # fmt: skip

    def stop(self):
        self.process.kill()
        self.process.wait()


def point_celery_at(url):
    # New pools for the new broker; the old ones are left open, since other
    # objects (the producer pool, a worker) may still hold them.
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def own_redis(settings):
    redis = OwnRedis()
    redis.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "union_portal.core.security.ForgivingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis.port}/1",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    original = app.conf.broker_url
    point_celery_at(redis.url)
    yield redis
    point_celery_at(original)
    if redis.process.poll() is None:
        redis.stop()


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_pages_serve_filing_works_and_mail_follows_later(
    client, people, branch, own_redis, settings
):
    CategoryFactory(branch=branch, name="工作环境", default_assignee=people["officer"])
    own_redis.stop()

    client.post(reverse("account_login"), {"login": people["member"].email,
                                           "password": "correct-horse-battery"})  # fmt: skip
    assert client.session.get("_auth_user_id") == str(people["member"].pk)
    for url in ("/", "/inbox/", "/events/", "/notices/", "/grievances/mine/", "/me/"):
        assert client.get(url).status_code == 200, url
    response = client.post(reverse("grievances:file"), {
        "kind": "grievance", "category": branch.grievance_categories.get().pk,
        "subject": "停电", "description": "实验室停电", "confidentiality": "named",
    })  # fmt: skip
    assert response.status_code == 302 and Grievance.objects.filter(subject="停电").exists()
    waiting = Notification.objects.filter(emailed_at__isnull=True)
    assert waiting.filter(user=people["officer"]).exists()
    assert mail.outbox == []

    own_redis.start()
    settings.NOTIFICATION_EMAIL_RETRY_AFTER = timedelta(0)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        send_pending_notification_emails.delay()
        assert wait_for(lambda: not Notification.objects.filter(emailed_at__isnull=True).exists())
        send_pending_notification_emails.delay()  # the beat sweep runs again
        time.sleep(1.5)
    connections.close_all()
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted(n.user.email for n in Notification.objects.all())


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(own_redis, tmp_path):
    outbox = tmp_path / "mail"
    users = [UserFactory() for _ in range(150)]
    with transaction.atomic():
        for index, user in enumerate(users):
            notify(user=user, key=f"batch:{index}", subject=f"batch {index}")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "union_portal.settings",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        "REDIS_URL": own_redis.url,
        "CACHE_URL": own_redis.url.replace("/0", "/1"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
        "NOTIFICATION_EMAIL_RETRY_AFTER_SECONDS": "2",
    }

    def worker():
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "union_portal", "worker", "--pool", "solo",
             "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def sent():
        return Notification.objects.filter(emailed_at__isnull=False).count()

    first = worker()
    assert wait_for(lambda: sent() >= 30, 60)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = sent()
    assert killed_at < len(users)

    second = worker()
    try:
        assert wait_for(lambda: sent() >= len(users) - 1, 90)
        # The message in flight when the worker died is not redelivered soon
        # (Redis's visibility timeout): the beat sweep picks its row up again.
        time.sleep(2.5)
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "from union_portal.core.tasks import send_pending_notification_emails as t; t()"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        assert wait_for(lambda: sent() == len(users), 60)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    subjects = []
    for path in outbox.iterdir():
        for raw in path.read_bytes().split(b"-" * 79):
            if raw.strip():
                subjects.append(message_from_bytes(raw.strip())["Subject"])
    assert sorted(subjects) == sorted(f"batch {i}" for i in range(len(users)))
    assert 0 < killed_at


@pytest.mark.django_db(transaction=True)
def test_the_next_request_succeeds_after_postgres_drops_every_connection(branch, people):
    from tests.factories import fund_notice

    fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                title="重启后可见")  # fmt: skip
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "union_portal.settings",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        # Persistent connections: the case where a restart leaves dead ones behind.
        "DATABASE_CONN_MAX_AGE": "600",
        "PORTAL_MANIFEST_STATIC": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "union_portal.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def get(path):
        try:
            with urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
                return response.status, response.read().decode()
        except OSError:
            return None, ""

    try:
        assert wait_for(lambda: get("/notices/")[0] == 200, 30)
        admin_url = "postgres://{USER}@{HOST}:{PORT}/postgres".format(**connection.settings_dict)
        with connection.cursor() as cursor:  # the test's own connection stays
            cursor.execute("select pg_backend_pid()")
            own_pid = cursor.fetchone()[0]
        with psycopg.connect(admin_url, autocommit=True) as admin:
            killed = admin.execute(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity "
                "where datname = %s and pid not in (pg_backend_pid(), %s)",
                [connection.settings_dict["NAME"], own_pid],
            ).fetchone()[0]
        assert killed >= 1
        status, body = get("/notices/")
        assert status == 200 and "重启后可见" in body
    finally:
        server.terminate()
        server.wait(timeout=30)
