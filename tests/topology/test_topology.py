"""Two app servers behind nginx, two Celery workers, one beat (then two), one
PostgreSQL, one Redis: every figure is printed in the test output."""

import json
import re
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest

from bench import db
from tests.topology import load
from tests.topology.conftest import MEMBERS, UPSTREAMS, log_tail, wait_for

# django_db: pytest-django then sets up the migrated test database, which the
# topology's own database is copied from (tests/topology/conftest.py).
pytestmark = [pytest.mark.topology, pytest.mark.django_db]

RACE_MEMBERS = 500
FAILOVER_MEMBERS = 400
PLACES = 100  # of each event's one venue (tests/topology/seed.py)


@pytest.fixture
def say(capsys, topology):
    """Prints a stage's figures in the test output, passed or not."""

    def write(title, rows):
        with capsys.disabled():
            if topology.figures:  # the set-up's, before the first stage
                print(f"\n== topology: set-up ({MEMBERS} members)")
                for key, value in topology.figures.items():
                    print(f"   {key:<52} {value:.1f} s")
                topology.figures.clear()
            print(f"\n== topology: {title}")
            for key, value in rows.items():
                print(f"   {key:<52} {value}")

    return write


def registrations(topology, event_id):
    with db.connect(topology.dbname) as conn:
        return conn.execute(
            "SELECT m.user_id, r.status FROM events_registration r "
            "JOIN members_member m ON m.id = r.member_id WHERE r.event_id = %s",
            [event_id],
        ).fetchall()


def sessions_of(topology, start, stop):
    ids = topology.data["user_ids"][start:stop]
    return {pk: topology.data["sessions"][str(pk)] for pk in ids}


def fetch(url, context=None, headers=None):
    """GET without following redirects: (status, headers as a list of pairs, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=30) as r:
            return r.status, r.headers.items(), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.items(), exc.read()


def header_count(headers, name):
    return sum(1 for key, _ in headers if key.lower() == name.lower())


def header(headers, name):
    return next((value for key, value in headers if key.lower() == name.lower()), None)


def test_nginx_in_front(topology):
    https = f"https://127.0.0.1:{topology.https_port}"
    # Plain HTTP: a redirect to the same path over HTTPS.
    status, headers, _ = fetch(f"http://127.0.0.1:{topology.http_port}/events/?page=2")
    assert status == 301
    assert header(headers, "Location") == "https://127.0.0.1/events/?page=2"

    # A hashed static file comes from collectstatic's folder, not from Django:
    # cached for a year, gzip-compressed as whitenoise wrote it.
    manifest = json.loads((topology.static / "staticfiles.json").read_text())["paths"]
    css = next(hashed for name, hashed in manifest.items() if name.endswith(".css"))
    status, headers, body = fetch(
        f"{https}/static/{css}", topology.tls(), {"Accept-Encoding": "gzip"}
    )
    assert status == 200 and body
    assert header(headers, "Cache-Control") == "public, max-age=31536000, immutable"
    assert header(headers, "Content-Encoding") == "gzip"
    assert header_count(headers, "X-Content-Type-Options") == 1
    assert header(headers, "X-Served-By") is None  # never reached an app server
    # An unhashed name may change at the next deploy: an hour only.
    unhashed = next(name for name in manifest if name.endswith(".css"))
    status, headers, _ = fetch(f"{https}/static/{unhashed}", topology.tls())
    assert status == 200 and header(headers, "Cache-Control") == "public, max-age=3600"

    # A page from Django: through nginx over HTTPS (no redirect loop, so
    # X-Forwarded-Proto arrived), every security header once, not twice.
    status, headers, _ = fetch(
        f"{https}/accounts/login/", topology.tls(), {"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert header(headers, "Content-Encoding") is None  # pages never compressed (BREACH)
    assert header(headers, "X-Served-By") in ("app-a", "app-b")
    for name in (
        "Content-Security-Policy",
        "Strict-Transport-Security",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
    ):
        assert header_count(headers, name) == 1, name


def test_500_sign_ups_for_100_places_over_two_app_servers(topology, say):
    event_id, venue_id = topology.data["race"]
    sessions = sessions_of(topology, 0, RACE_MEMBERS)
    outcome, wall = load.run(
        topology.https_port, topology.cert, event_id, venue_id, sessions, processes=4, threads=None
    )
    rows = registrations(topology, event_id)
    statuses = Counter(row["status"] for row in outcome.values())
    served = Counter(row["served_by"] for row in outcome.values())
    per_member = Counter(user_id for user_id, _ in rows)
    confirmed = sum(1 for _, status in rows if status == "confirmed")
    waitlisted = sum(1 for _, status in rows if status == "waitlisted")
    latencies = sorted(row["finished"] - row["started"] for row in outcome.values())
    say(
        f"{RACE_MEMBERS} sign-ups at once for {PLACES} places, HTTPS through nginx",
        {
            "wall time": f"{wall:.2f} s",
            "throughput": f"{len(outcome) / wall:.0f} sign-ups/s",
            "latency median / max": f"{latencies[len(latencies) // 2]:.2f} s / "
            f"{latencies[-1]:.2f} s",
            "responses": dict(statuses),
            "served by": dict(served),
            "confirmed / waitlisted / members with two": f"{confirmed} / {waitlisted} / "
            f"{sum(1 for n in per_member.values() if n > 1)}",
        },
    )
    expected = f"/events/{event_id}/"
    assert all(
        row["status"] == 302 and row["location"].endswith(expected) for row in outcome.values()
    ), statuses
    assert confirmed == PLACES
    assert waitlisted == RACE_MEMBERS - PLACES
    assert set(per_member) == set(sessions) and max(per_member.values()) == 1
    assert served["app-a"] > 0 and served["app-b"] > 0, served


def test_app_server_killed_mid_run_loses_nothing(topology, say):
    event_id, venue_id = topology.data["failover"]
    sessions = sessions_of(topology, RACE_MEMBERS, RACE_MEMBERS + FAILOVER_MEMBERS)
    access_log = topology.nginx_logs / "union-portal.access.log"
    log_start = access_log.stat().st_size
    killed = {}

    def kill_app_b(done):
        if done >= FAILOVER_MEMBERS * 0.3:
            killed["at"] = time.monotonic()
            killed["answered"] = done
            topology.processes["app-b"].kill()  # SIGKILL, master and workers
            return True
        return False

    outcome, wall = load.run(
        topology.https_port,
        topology.cert,
        event_id,
        venue_id,
        sessions,
        processes=4,
        threads=5,
        during=kill_app_b,
    )
    rows = registrations(topology, event_id)
    statuses = Counter(row["status"] for row in outcome.values())
    served = Counter(row["served_by"] for row in outcome.values())
    after_kill = Counter(
        row["served_by"] for row in outcome.values() if row["started"] > killed["at"] + 0.5
    )
    per_member = Counter(user_id for user_id, _ in rows)
    confirmed = sum(1 for _, status in rows if status == "confirmed")
    with open(access_log, "rb") as f:
        f.seek(log_start)
        lines = [line for line in f.read().decode().splitlines() if "/register/" in line]
    upstreams = [UPSTREAMS.search(line) for line in lines]
    retried = [m.group(2) for m in upstreams if m and "," in m.group(1)]
    say(
        f"{FAILOVER_MEMBERS} sign-ups, 20 at a time; app-b SIGKILLed after "
        f"{killed.get('answered')} answers",
        {
            "wall time": f"{wall:.2f} s ({len(outcome) / wall:.0f} sign-ups/s)",
            "responses": dict(statuses),
            "served by (all / started after the kill)": f"{dict(served)} / {dict(after_kill)}",
            "sent on to app-a by nginx (upstream statuses)": dict(Counter(retried)),
            "registrations / confirmed / members with two": f"{len(rows)} / {confirmed} / "
            f"{sum(1 for n in per_member.values() if n > 1)}",
        },
    )
    assert killed, "app-b was never killed"
    expected = f"/events/{event_id}/"
    assert all(
        row["status"] == 302 and row["location"].endswith(expected) for row in outcome.values()
    ), (statuses, log_tail(topology.nginx_logs / "union-portal.error.log"))
    assert served["app-b"] > 0 and set(after_kill) == {"app-a"}
    assert retried, "no request was in flight on app-b or refused by it: the kill came too late"
    # Nothing lost, nothing doubled: every member has exactly one registration.
    assert set(per_member) == set(sessions) and max(per_member.values()) == 1
    assert confirmed == PLACES and len(rows) == FAILOVER_MEMBERS


def move_event(topology, event_id, hours):
    """The event now starts in `hours` hours (23: its reminders are due)."""
    with db.connect(topology.dbname) as conn:
        conn.execute(
            "UPDATE events_event SET starts_at = now() + make_interval(hours => %s), "
            "ends_at = now() + make_interval(hours => %s + 2), "
            "signup_closes_at = now() + make_interval(hours => %s - 1), "
            "cancel_deadline = now() + make_interval(hours => %s - 1) WHERE id = %s",
            [hours, hours, hours, hours, event_id],
        )


def recipients(topology, event_id) -> set[str]:
    with db.connect(topology.dbname) as conn:
        return {
            email
            for (email,) in conn.execute(
                "SELECT u.email FROM events_registration r "
                "JOIN members_member m ON m.id = r.member_id "
                "JOIN core_user u ON u.id = m.user_id "
                "WHERE r.event_id = %s AND r.status = 'confirmed'",
                [event_id],
            )
        }


def outbox(topology, title):
    """(emails per recipient, emails per worker) of the outbox lines about `title`."""
    per_recipient, per_worker = Counter(), Counter()
    if topology.outbox.exists():
        for line in topology.outbox.read_text().splitlines():
            message = json.loads(line)
            if title in message["subject"]:
                per_recipient.update(message["to"])
                per_worker[message["by"]] += len(message["to"])
    return per_recipient, per_worker


def sent(topology, title) -> int:
    return topology.outbox.read_text().count(title) if topology.outbox.exists() else 0


# tests/topology/app_settings.py: TOPOLOGY_BEAT_SECONDS. Longer than a reminder run
# over 2 000 registrations takes on a busy 2-core machine, or runs pile up.
BEAT_TICK = 30


def test_2000_reminders_with_two_workers_each_sent_once(topology, say):
    event_id, title = topology.data["reminders"], "topology-reminders"
    expected = recipients(topology, event_id)
    assert len(expected) == 2_000
    mark = len(topology.probe_lines())
    started = time.monotonic()
    move_event(topology, event_id, 23)
    tick = {}

    def all_sent():
        if (
            "at" not in tick
            and "beat-a published events.send_reminders" in topology.probe_lines()[mark:]
        ):
            tick["at"] = time.monotonic()
        return sent(topology, title) >= len(expected)

    wait_for(all_sent, 240, "2 000 reminders", every=0.25)
    finished = time.monotonic()
    # (A tick just before the move may have started the run: then it started at the move.)
    tick_at = min(tick.get("at", started), finished - 0.001)
    # The beat's next tick, and the runs still going: a late duplicate would show now.
    mark = len(topology.probe_lines())
    wait_for(lambda: len(topology.probe_lines()) > mark + 1, BEAT_TICK + 10, "the next tick")
    time.sleep(5)
    per_recipient, per_worker = outbox(topology, title)
    move_event(topology, event_id, 72)  # out of the window: the next stage's runs are short
    say(
        f"2 000 reminders due, two workers, one beat (ticking every {BEAT_TICK} s)",
        {
            "waiting for the beat's tick": f"{tick_at - started:.1f} s",
            "from the tick to the last email": f"{finished - tick_at:.1f} s "
            f"({len(expected) / (finished - tick_at):.0f} emails/s)",
            "emails / recipients / duplicates": f"{sum(per_recipient.values())} / "
            f"{len(per_recipient)} / {sum(n - 1 for n in per_recipient.values())}",
            "sent by": dict(per_worker),
        },
    )
    assert set(per_recipient) == expected
    assert max(per_recipient.values()) == 1
    assert per_worker["worker-a"] > 0 and per_worker["worker-b"] > 0, per_worker


def test_a_second_beat_sends_nothing_twice(topology, say):
    topology.start_beat("beat-b")
    topology.wait_ready("beat-b")
    event_id, title = topology.data["second_beat"], "topology-second-beat"
    expected = recipients(topology, event_id)
    mark = len(topology.probe_lines())
    started = time.monotonic()
    move_event(topology, event_id, 23)

    def published(beat):
        lines = topology.probe_lines()[mark:]
        return lines.count(f"{beat} published events.send_reminders")

    wait_for(lambda: sent(topology, title) >= len(expected), 180, "300 reminders", every=0.25)
    seconds = time.monotonic() - started
    # Both beats have sent the reminder task since: still nothing twice.
    wait_for(
        lambda: min(published("beat-a"), published("beat-b")) >= 1, BEAT_TICK + 10, "a tick each"
    )
    time.sleep(10)  # the last tick's task has run
    per_recipient, _ = outbox(topology, title)
    earlier, _ = outbox(topology, "topology-reminders")
    say(
        "a second beat started by mistake",
        {
            "reminder tasks sent since (beat-a / beat-b)": f"{published('beat-a')} / "
            f"{published('beat-b')}",
            "300 reminders out in": f"{seconds:.1f} s",
            "emails / duplicates (these 300; the 2 000 before)": f"{sum(per_recipient.values())}"
            f" / {sum(n - 1 for n in per_recipient.values())}; {sum(earlier.values())} / "
            f"{sum(n - 1 for n in earlier.values())}",
        },
    )
    assert set(per_recipient) == expected and max(per_recipient.values()) == 1
    assert len(earlier) == 2_000 and max(earlier.values()) == 1
    assert re.search(r"beat-b published", "\n".join(topology.probe_lines()[mark:]))
