"""Reminders through the real pipeline: the beat task `events.send_reminders` runs on
one Celery worker, which creates the inbox rows (notify()) and then sends each
email with `core.send_notification_email`. Emails land in the append-only outbox
(bench/outbox.py), so duplicates and missing emails can be counted even after the
worker is killed."""

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from datetime import time as dtime
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
        self.log = self.log_path.open("ab")
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
            ],
            cwd=ROOT,
            # The portal logs JSON lines on stdout and leaves Celery's --logfile unused
            # (CELERY_WORKER_HIJACK_ROOT_LOGGER = False): INFO for the " ready." line.
            env={**self.env, "LOG_LEVEL": "INFO"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # Generous: on a loaded shared machine importing Django alone can take a minute.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Celery worker exited; see {self.log_path}")
            if self.log_path.exists():
                with open(self.log_path, "rb") as f:
                    f.seek(start)
                    if b" ready." in f.read():
                        return self
            time.sleep(0.1)
        self.kill()  # or it would go on taking the next run's tasks
        raise RuntimeError(f"the Celery worker was not ready within 180 s; see {self.log_path}")

    def kill(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # warm shutdown: finishes its task
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc:
            self.log.close()


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


# --- grievance deadline reminders and notice closing ---------------------------------
# Both tasks remind only on a working day (the grievances' also only in working
# hours): they run with the clock at 10:00 of the first working day from today on.

GRIEVANCE_KEY = "grievance-reminder:%:resolve:{day}:branch:%"
NOTICE_KEY = "notice-closing:%:{day}:%"
CASE_NUMBER = re.compile(r"#(\d+)\D")
NOTICE_NUMBER = re.compile(r"公示 (\d+)$")  # the bench's notice titles end with their id


def working_morning():
    from django.utils import timezone

    from union_portal.core.calendar import add_working_days, is_working_day

    day = timezone.localdate()
    while not is_working_day(day):
        day += timedelta(days=1)
    at = timezone.make_aware(datetime.combine(day, dtime(10)))
    return at, day, add_working_days(day, 1)


def prepare_deadlines(dbname, day, tomorrow, count) -> set[tuple[str, str]]:
    """`count` open branch-level cases whose resolution is due on `day`; every other
    open case's deadlines moved out of the reminder window. Returns the expected
    (handler's email, case id): the owner (an officer of the branch), or the branch's
    chair when the case has none."""
    later, earlier = tomorrow + timedelta(days=30), day - timedelta(days=10)
    with db.connect(dbname) as conn:
        for column in ("ack_due", "resolve_due"):
            conn.execute(
                f"UPDATE grievances_grievance SET {column} = %s "
                f"WHERE status IN ('new', 'in_progress') AND {column} BETWEEN %s AND %s",
                [later, day, tomorrow],
            )
        conn.execute(
            "UPDATE grievances_grievance g SET resolve_due = %s, ack_due = %s FROM ("
            "  SELECT id FROM grievances_grievance WHERE status IN ('new', 'in_progress') "
            "  AND level = 'branch' ORDER BY id LIMIT %s) chosen WHERE g.id = chosen.id",
            [day, earlier, count],
        )
        rows = conn.execute(
            "SELECT u.email, g.id::text FROM grievances_grievance g "
            "JOIN members_branchrole r ON r.branch_id = g.branch_id AND ("
            "  (g.assignee_id IS NULL AND r.role = 'chair') "
            "  OR (r.user_id = g.assignee_id AND r.role IN ('officer', 'chair'))) "
            "JOIN core_user u ON u.id = r.user_id AND u.is_active "
            "WHERE g.resolve_due = %s AND g.status IN ('new', 'in_progress') "
            "AND g.level = 'branch'",
            [day],
        ).fetchall()
    return set(rows)


def prepare_closing(dbname, day, tomorrow, count) -> tuple[list[int], set[tuple[str, str]]]:
    """`count` notices published, their objection period closing on `day` (taken from
    the final ones); every other published notice's period moved out of the window.
    Returns their ids and the expected (officer's email, notice id): every officer and
    chair of the notice's branch."""
    with db.connect(dbname) as conn:
        conn.execute(
            "UPDATE notices_notice SET objection_closes_on = %s "
            "WHERE status = 'published' AND objection_closes_on BETWEEN %s AND %s",
            [tomorrow + timedelta(days=30), day, tomorrow],
        )
        ids = [
            notice_id
            for (notice_id,) in conn.execute(
                "UPDATE notices_notice n SET status = 'published', objection_closes_on = %s, "
                "finalised_at = NULL FROM (SELECT id FROM notices_notice WHERE status = 'final' "
                "ORDER BY id DESC LIMIT %s) chosen WHERE n.id = chosen.id RETURNING n.id",
                [day, count],
            )
        ]
        rows = conn.execute(
            "SELECT u.email, n.id::text FROM notices_notice n "
            "JOIN members_branchrole r ON r.branch_id = n.branch_id "
            "  AND r.role IN ('officer', 'chair') "
            "JOIN core_user u ON u.id = r.user_id AND u.is_active WHERE n.id = ANY(%s)",
            [ids],
        ).fetchall()
    return ids, set(rows)


def keyed_state(dbname, pattern) -> dict:
    with db.connect(dbname) as conn:
        row = conn.execute(
            "SELECT count(*), count(emailed_at), "
            "count(*) FILTER (WHERE email_claimed_at IS NOT NULL AND emailed_at IS NULL), "
            "extract(epoch FROM max(created_at))::float8, "
            "extract(epoch FROM max(emailed_at))::float8 "
            "FROM core_notification WHERE key LIKE %s",
            [pattern],
        ).fetchone()
    return dict(zip(("rows", "emailed", "claimed_unsent", "last_row", "last_email"), row,
                    strict=True))  # fmt: skip


def count_outbox_pairs(path, marker: str, number, expected: set) -> dict:
    """Emails per (recipient, case or notice) among the outbox lines whose subject
    carries `marker` (the due date)."""
    sent = Counter()
    for message in outbox.read(path):
        found = number.search(message["subject"]) if marker in message["subject"] else None
        if found:
            sent.update((to, found.group(1)) for to in message["to"])
    return {
        "emails": sum(sent.values()),
        "duplicates": sum(n - 1 for n in sent.values() if n > 1),
        "missing": len(expected - set(sent)),
        "unexpected": len(set(sent) - expected),
    }


def run_keyed(app, task, now, dbname, pattern, expected, timeout) -> dict:
    """Sends the beat task with the clock at `now`; waits until every expected
    reminder is emailed. Times from the send to the last emailed_at."""
    started = time.time()
    app.send_task(task, kwargs={"now_iso": now.isoformat()})
    done = wait_until(lambda: keyed_state(dbname, pattern)["emailed"] >= len(expected),
                      timeout, every=0.5)  # fmt: skip
    time.sleep(1)  # a late duplicate would show now
    st = keyed_state(dbname, pattern)
    return {
        **st,
        "finished": done,
        "seconds": (st["last_email"] - started) if done and st["last_email"] else None,
        "rows_created_in": (st["last_row"] - started) if st["last_row"] else None,
    }


def batch_deadlines_and_closing(dbname, env, log_path, outbox_path, *, cases, notices, timeout):
    """One worker: the grievance deadline reminders of `cases` cases, then the
    closing warnings of `notices` notices, then (the day after) their closing."""
    from django.utils import timezone

    at, day, tomorrow = working_morning()
    expected_cases = prepare_deadlines(dbname, day, tomorrow, cases)
    notice_ids, expected_notices = prepare_closing(dbname, day, tomorrow, notices)
    app = celery_app()
    worker = Worker(env, log_path).start()
    try:
        grievances = run_keyed(app, "grievances.send_reminders", at, dbname,
                               GRIEVANCE_KEY.format(day=day), expected_cases, timeout)  # fmt: skip
        closing = run_keyed(app, "notices.close_periods", at, dbname,
                            NOTICE_KEY.format(day=day), expected_notices, timeout)  # fmt: skip

        def final():
            with db.connect(dbname) as conn:
                return conn.execute(
                    "SELECT count(*) FROM notices_notice WHERE id = ANY(%s) AND status = 'final'",
                    [notice_ids],
                ).fetchone()[0]

        started = time.time()
        after = timezone.make_aware(datetime.combine(day + timedelta(days=1), dtime(1)))
        app.send_task("notices.close_periods", kwargs={"now_iso": after.isoformat()})
        closed = wait_until(lambda: final() >= len(notice_ids), timeout, every=0.25)
        closing["closed"] = final()
        closing["closed_in"] = time.time() - started if closed else None
    finally:
        worker.stop()
    grievances.update(
        due=len(expected_cases), cases=len({case for _to, case in expected_cases}),
        **count_outbox_pairs(outbox_path, day.isoformat(), CASE_NUMBER, expected_cases),
    )  # fmt: skip
    closing.update(
        due=len(expected_notices), notices=len(notice_ids),
        **count_outbox_pairs(outbox_path, day.isoformat(), NOTICE_NUMBER, expected_notices),
    )  # fmt: skip
    return day, grievances, closing


def outbox_languages(path, title: str) -> Counter:
    """The event reminders of `title` by the language of their subject."""
    found = Counter(en=0, zh=0, other=0)
    for message in outbox.read(path):
        subject = message["subject"]
        if title in subject:
            found["en" if subject.startswith("Tomorrow:") else
                  "zh" if subject.startswith("明日活动") else "other"] += 1  # fmt: skip
    return found
