"""Reminders through the real pipeline: the beat task `events.send_reminders` runs on
one Celery worker, which creates the inbox rows (notify()) and then sends each
email with `core.send_notification_email`. Emails land in the append-only outbox
(bench/outbox.py), so duplicates and missing emails can be counted even after the
worker is killed."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from . import db, outbox

ROOT = Path(__file__).resolve().parent.parent


class Worker:
    """One Celery worker (prefork, two processes as `make demo` runs it), in its own
    process group so SIGKILL takes the whole worker down like a crash would."""

    def __init__(self, env: dict, log_path: Path, concurrency: int = 2):
        self.env, self.log_path, self.concurrency = env, log_path, concurrency
        self.proc = None

    def start(self):
        celery = Path(sys.executable).parent / "celery"
        start = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.proc = subprocess.Popen(
            [
                str(celery),
                "-A",
                "union_portal",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                str(self.concurrency),
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"bench-{os.getpid()}@%h",
                "--logfile",
                str(self.log_path),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Celery worker exited; see {self.log_path}")
            if self.log_path.exists():
                with open(self.log_path, "rb") as f:
                    f.seek(start)
                    if b" ready." in f.read():
                        return self
            time.sleep(0.1)
        raise RuntimeError(f"the Celery worker was not ready within 60 s; see {self.log_path}")

    def kill(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # warm shutdown: finishes its task
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def celery_app():
    from union_portal.celery import app

    return app


def state(dbname: str, event_id: int) -> dict:
    """Per confirmed registration of the event: is there a reminder row, is it emailed,
    is it claimed but not emailed (a worker died holding it)?"""
    with db.connect(dbname) as conn:
        row = conn.execute(
            """
            SELECT count(r.id), count(n.id), count(n.emailed_at),
                   count(n.id) FILTER (WHERE n.email_claimed_at IS NOT NULL
                                         AND n.emailed_at IS NULL),
                   extract(epoch FROM min(n.created_at))::float8,
                   extract(epoch FROM max(n.created_at))::float8,
                   extract(epoch FROM max(n.emailed_at))::float8
            FROM events_registration r
            JOIN members_member m ON m.id = r.member_id
            LEFT JOIN core_notification n
                   ON n.user_id = m.user_id AND n.key = 'event-reminder:' || r.id
            WHERE r.event_id = %s AND r.status = 'confirmed'
            """,
            [event_id],
        ).fetchone()
    keys = ("due", "rows", "emailed", "claimed_unsent", "first_row", "last_row", "last_email")
    return dict(zip(keys, row, strict=True))


def recipients(dbname: str, event_id: int) -> set[str]:
    with db.connect(dbname) as conn:
        rows = conn.execute(
            "SELECT u.email FROM events_registration r JOIN members_member m ON m.id = r.member_id "
            "JOIN core_user u ON u.id = m.user_id WHERE r.event_id = %s AND r.status = 'confirmed'",
            [event_id],
        ).fetchall()
    return {email for (email,) in rows}


def count_outbox(path, title: str, expected: set[str]) -> dict:
    sent = Counter(
        to for message in outbox.read(path) if title in message["subject"] for to in message["to"]
    )
    return {
        "emails": sum(sent.values()),
        "duplicates": sum(n - 1 for n in sent.values() if n > 1),
        "missing": len(expected - set(sent)),
        "unexpected": len(set(sent) - expected),
    }


def wait_until(predicate, timeout: float, every: float = 0.25, tick=None, tick_every=None):
    deadline = time.monotonic() + timeout
    last_tick = time.monotonic()
    while time.monotonic() < deadline:
        if predicate():
            return True
        if tick and time.monotonic() - last_tick >= tick_every:
            tick()
            last_tick = time.monotonic()
        time.sleep(every)
    return predicate()


def batch_one(dbname, env, log_path, outbox_path, event_id, title, timeout) -> dict:
    """Times one worker from the beat task to the last email."""
    expected = recipients(dbname, event_id)
    worker = Worker(env, log_path).start()
    try:
        started = time.time()
        celery_app().send_task("events.send_reminders")
        # Polled once a second: the time comes from the last emailed_at, not from the poll,
        # and the check's join should not take CPU from the worker being timed.
        done = wait_until(
            lambda: state(dbname, event_id)["emailed"] >= len(expected), timeout, every=1
        )
    finally:
        worker.stop()
    st = state(dbname, event_id)
    seconds = (st["last_email"] - started) if done and st["last_email"] else None
    return {
        "due": st["due"],
        "emailed": st["emailed"],
        "seconds": seconds,
        "rows_created_in": (st["last_row"] - started) if st["last_row"] else None,
        "finished": done,
        **count_outbox(outbox_path, title, expected),
    }


def batch_killed(
    dbname, env, log_path, outbox_path, event_id, title, *, kill_at, retry_seconds, timeout
) -> dict:
    """Moves the second batch's event to 12 hours from now, lets the worker start on
    it, SIGKILLs the whole worker once `kill_at` of the emails are out, restarts it
    and plays Celery beat (the reminder task once, the unsent-email sweep every
    retry window) until every reminder is emailed or `timeout` passes."""
    with db.connect(dbname) as conn:
        conn.execute(
            "UPDATE events_event SET starts_at = now() + interval '12 hours', "
            "ends_at = now() + interval '14 hours', "
            "signup_closes_at = now() + interval '11 hours', "
            "cancel_deadline = now() + interval '11 hours' WHERE id = %s",
            [event_id],
        )
    expected = recipients(dbname, event_id)
    app = celery_app()
    worker = Worker(env, log_path).start()
    killed = None
    try:
        started = time.time()
        app.send_task("events.send_reminders")

        def sent_enough():
            # Cheap enough to ask every 20 ms: count the title's bytes, parse nothing.
            return outbox.count(outbox_path, title) >= kill_at * len(expected)

        if wait_until(sent_enough, timeout, every=0.02):
            before = count_outbox(outbox_path, title, expected)["emails"]
            worker.kill()
            killed = {
                "after_seconds": time.time() - started,
                "emails_before_kill": before,
                **state(dbname, event_id),
            }
        else:
            worker.stop()
        worker = Worker(env, log_path).start()
        # What beat would do after a crash: the reminder task runs again at its next
        # tick (notify() is idempotent) and the sweep re-queues unsent emails.
        app.send_task("events.send_reminders")
        app.send_task("core.send_pending_notification_emails")
        done = wait_until(
            lambda: state(dbname, event_id)["emailed"] >= len(expected),
            timeout,
            every=0.5,
            tick=lambda: app.send_task("core.send_pending_notification_emails"),
            tick_every=retry_seconds,
        )
        # Let anything still queued run out, so a late duplicate would be seen too.
        time.sleep(2)
    finally:
        worker.stop()
    st = state(dbname, event_id)
    return {
        "due": st["due"],
        "emailed": st["emailed"],
        "seconds": (st["last_email"] - started) if done and st["last_email"] else None,
        "finished": done,
        "killed": killed,
        **count_outbox(outbox_path, title, expected),
    }
