import logging
from dataclasses import dataclass

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connections
from django.test import override_settings

from tests.waiting import wait_for

from . import surfaces
from .world import ROLES, build

# Loggers that do not propagate to the root: one JSON line per request and per task.
OWN_LINES = ("union_portal.requests", "union_portal.tasks")


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.INFO)
        self.lines = []

    def emit(self, record):
        try:
            self.lines.append(f"{record.name} {record.levelname} {self.format(record)}")
        except Exception:  # a record that cannot be formatted is not a leak
            pass


@dataclass
class Sweep:
    world: object
    readings: dict  # role -> surfaces.Reading ("storage" holds sessions, Redis, logs, files)
    outbox: list

    def surfaces_of(self, role):
        return self.readings[role].surfaces


def _wait_for_emails(timeout=60):
    from union_portal.core.models import Notification

    unsent = Notification.objects.filter(emailed_at__isnull=True).exclude(user__email="")
    assert wait_for(lambda: not unsent.exists(), timeout, interval=0.2), (
        "the worker did not send every email in time"
    )


@pytest.fixture(scope="module")
def sweep(django_db_setup, django_db_blocker):
    """Builds the world through the portal with a real Celery worker sending its
    emails, then reads every surface as every role. Committed data: the database is
    flushed (and its calendar seeded again) afterwards."""
    from union_portal.celery import app

    records = _Records()
    root = logging.getLogger()
    old_level = root.level
    # A case page shows the latest history entries and links the older ones: with a
    # few per page, the world's cases have older pages, and the sweep reads them.
    with django_db_blocker.unblock(), override_settings(GRIEVANCE_HISTORY_PER_PAGE=4):
        try:
            app.control.purge()
            mail.outbox = []
            with start_worker(
                app, pool="solo", loglevel="INFO", perform_ping_check=False, shutdown_timeout=10
            ):
                # After the worker set up its logging, which replaces the root's handlers.
                root.addHandler(records)
                root.setLevel(logging.INFO)
                # The JSON request and task lines production writes to stdout, as written.
                records.setFormatter(logging.getLogger(OWN_LINES[0]).handlers[0].formatter)
                for name in OWN_LINES:
                    logging.getLogger(name).addHandler(records)
                world = build()
                _wait_for_emails()
            yield Sweep(world, _read_everything(world, records), list(mail.outbox))
        finally:
            root.removeHandler(records)
            for name in OWN_LINES:
                logging.getLogger(name).removeHandler(records)
            root.setLevel(old_level)
            connections.close_all()
            call_command("flush", interactive=False, verbosity=0)
            call_command("seed_calendar", verbosity=0)


def _read_everything(world, records):
    readings = {}
    for role in ROLES:
        admin = role == "superuser"
        # The home page, plus wherever a form took them while the world was built.
        start = ["/", "/admin/", *world.client(role).__dict__.get("landed_on", [])]
        readings[role] = surfaces.crawl(world.client(role), role, start=start, admin=admin)
    found = set().union(*(r.urls for r in readings.values()))
    found = {url for url in found if not url.startswith("/admin/")}
    for role in ROLES:
        # Every address anyone reached, asked for by everyone: guessing is free.
        extra = surfaces.crawl(
            world.client(role), role, start=[], also=sorted(found - readings[role].urls)
        )
        readings[role].surfaces += extra.surfaces
        readings[role].urls |= extra.urls
        readings[role].view_names |= extra.view_names
    terms = sorted({t for tokens in world.markers.values() for t in tokens})
    terms += sorted({t for tokens in world.identity.values() for t in tokens})
    terms += [f"grievance-ack:{world.objects['anon_case'].pk}", f"#{world.objects['anon_case'].pk}"]
    surfaces.admin_searches(world.client("superuser"), readings["superuser"], terms)
    surfaces.admin_filter_probes(world.client("superuser"), readings["superuser"], world)
    readers = {role: user.email for role, user in world.users.items()}
    readers["anonymous"] = world.newcomer_email  # signed up in the anonymous browser
    for role, address in readers.items():
        emails = list(surfaces.email_surfaces(mail.outbox, address))
        readings[role].surfaces += emails
        # Links in emails are followed as their reader would.
        linked = {link for email in emails for link in surfaces.links(email.text)}
        linked -= readings[role].urls
        extra = surfaces.crawl(world.client(role), role, start=sorted(linked))
        readings[role].surfaces += extra.surfaces
        readings[role].view_names |= extra.view_names
        if role in world.users:
            readings[role].surfaces += list(surfaces.inbox_surfaces(world.users[role]))

    storage = surfaces.Reading("storage")
    storage.surfaces += [surface for surface, _, _ in surfaces.session_surfaces()]
    redis_urls = {settings.CACHES["default"]["LOCATION"], settings.CELERY_BROKER_URL}
    storage.surfaces += list(surfaces.redis_surfaces(sorted(redis_urls)))
    storage.surfaces += [surfaces.Surface("log", "log record", line) for line in records.lines]
    from grievances.models import Attachment
    from notices.models import NoticeAttachment

    for row in [*Attachment.objects.all(), *NoticeAttachment.objects.all()]:
        with row.file.open("rb") as stored:
            text = stored.read().decode("utf-8", errors="replace")
        storage.surfaces.append(surfaces.Surface("file", row.file.name, text))
    readings["storage"] = storage
    return readings
