"""Sign-up under contention: many signed-in members press "sign up" for the same
event at once, over real HTTP from several processes, and the database is checked
afterwards."""

import asyncio
import multiprocessing
import secrets
import time
from datetime import UTC, datetime, timedelta

from . import db


def create_sessions(dbname: str, user_ids: list[int], password_hash: str) -> dict[int, str]:
    """Signed-in sessions for many members at once. Signing 500 members in through
    the form would spend minutes in PBKDF2; these rows hold exactly what Django's
    login() stores, so the server sees ordinary signed-in requests. login() saves
    a session in the session cache as well (cached_db), and so do these: a member
    signs up from the event's page, which has read the session already."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.cache import caches
    from django.utils.crypto import get_random_string

    # The hash Django checks on every request depends only on the stored password hash,
    # which every benchmark account shares.
    auth_hash = get_user_model()(password=password_hash).get_session_auth_hash()
    store = SessionStore()
    expires = datetime.now(UTC) + timedelta(days=1)
    keys, cached = {}, {}
    with db.connect(dbname) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY django_session (session_key, session_data, expire_date) FROM STDIN"
        ) as cp:
            for user_id in user_ids:
                key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
                session = {
                    SESSION_KEY: str(user_id),
                    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: auth_hash,
                }
                cp.write_row((key, store.encode(session), expires))
                keys[user_id] = key
                cached[KEY_PREFIX + key] = session
    caches[settings.SESSION_CACHE_ALIAS].set_many(cached, timeout=24 * 3600)
    return keys


def _request(port, method, path, body, session_key) -> bytes:
    """The bytes of one request: a sign-up POST (with the member's session and a CSRF
    token) or, for the floor, a GET with or without a session."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    if session_key:
        csrf = secrets.token_hex(16)  # 32 characters: Django accepts an unmasked secret
        lines += [f"Cookie: sessionid={session_key}; csrftoken={csrf}", f"X-CSRFToken: {csrf}"]
    payload = (body or "").encode()
    if body is not None:
        lines += [
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(payload)}",
        ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _press(port, request, key, out):
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        answer = await reader.read()  # to the end: the server closes the connection
        writer.close()
        head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        found = [line for line in head if line.lower().startswith("location:")]
        location = found[0].split(":", 1)[1].strip() if found else ""
    except (OSError, ValueError, IndexError) as exc:
        status, location = 0, repr(exc)
    out[key] = (status, location, started, time.perf_counter())


def _client_process(port, method, path, body, jobs, ready, go, results):
    """One process: its requests written out beforehand, all sent at the same start
    signal from one event loop (threads cost the shared cores more than the server's
    own work, and 500 phones would not use the server's cores at all)."""
    requests = [(key, _request(port, method, path, body, session)) for key, session in jobs]
    out = {}

    async def all_at_once():
        await asyncio.gather(*(_press(port, request, key, out) for key, request in requests))

    ready.wait()
    go.wait()
    asyncio.run(all_at_once())
    results.put(out)


def rush(port: int, method: str, path: str, sessions: dict, processes: int, body=None):
    """Fires one request per entry of `sessions` ({key: session key or None}) at once
    from `processes` processes; returns per key (status, location, started, finished)
    and the wall time."""
    ctx = multiprocessing.get_context("fork")
    ready, go, results = ctx.Barrier(processes + 1), ctx.Event(), ctx.Queue()
    jobs = list(sessions.items())
    chunks = [jobs[k::processes] for k in range(processes)]
    procs = [
        ctx.Process(
            target=_client_process, args=(port, method, path, body, chunk, ready, go, results)
        )
        for chunk in chunks
    ]
    for proc in procs:
        proc.start()
    ready.wait()  # every process has its requests ready
    started = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
    go.set()
    outcome = {}
    for _ in procs:
        outcome.update(results.get(timeout=600))
    for proc in procs:
        proc.join()
    wall = max(row[3] for row in outcome.values()) - started
    return outcome, wall


def race(port: int, event_id: int, venue_id: int, sessions: dict[int, str], processes: int):
    """Every member of `sessions` signs up for the event at once."""
    path = f"/events/{event_id}/register/"
    return rush(port, "POST", path, sessions, processes, body=f"where={venue_id}")


def check(dbname: str, event_id: int, outcome: dict, seats: int) -> dict:
    """What the database says after the race, against the rules."""
    with db.connect(dbname) as conn:
        rows = conn.execute(
            "SELECT r.id, m.user_id, r.status, r.created_at FROM events_registration r "
            "JOIN members_member m ON m.id = r.member_id WHERE r.event_id = %s ORDER BY r.id",
            [event_id],
        ).fetchall()
    n = len(outcome)
    confirmed = [r for r in rows if r[2] == "confirmed"]
    waitlisted = [r for r in rows if r[2] == "waitlisted"]
    per_user = {}
    for row in rows:
        per_user[row[1]] = per_user.get(row[1], 0) + 1
    # Arrival order: places and waiting-list positions follow the order in which the
    # requests took the event lock (row ids), creation times agree with the ids, and a
    # sign-up whose response came back before another was sent has the lower id.
    ids_in_order = not confirmed or not waitlisted or confirmed[-1][0] < waitlisted[0][0]
    times_in_order = all(a[3] <= b[3] for a, b in zip(rows, rows[1:], strict=False))
    id_of = {r[1]: r[0] for r in rows}
    timed = sorted(
        (outcome[u][2], outcome[u][3], id_of[u]) for u in outcome if u in id_of
    )  # (started, finished, id)
    causal_pairs = causal_violations = 0
    for started_b, _, id_b in timed:
        for _, finished_a, id_a in timed:
            if finished_a < started_b:
                causal_pairs += 1
                causal_violations += id_a > id_b
    statuses = {}
    for status, location, *_ in outcome.values():
        key = f"{status} → {location.split('?')[0]}" if status == 302 else str(status)
        statuses[key] = statuses.get(key, 0) + 1
    expected_location = f"/events/{event_id}/"
    bad_responses = sum(
        1 for s, loc, *_ in outcome.values() if s != 302 or not loc.endswith(expected_location)
    )
    return {
        "requests": n,
        "rows": len(rows),
        "confirmed": len(confirmed),
        "waitlisted": len(waitlisted),
        "expected_confirmed": min(seats, n),
        "expected_waitlisted": max(n - seats, 0),
        "members_with_two_rows": sum(1 for c in per_user.values() if c > 1),
        "ids_in_order": ids_in_order,
        "times_in_order": times_in_order,
        "causal_pairs": causal_pairs,
        "causal_violations": causal_violations,
        "bad_responses": bad_responses,
        "responses": statuses,
    }


def _is_savepoint(sql: str) -> bool:
    # The count runs inside a transaction that is rolled back at the end, so the
    # service's own transaction becomes a savepoint; a real request has none.
    return sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))


def count_queries(fixture: dict) -> dict:
    """The SQL one sign-up POST costs, in-process (Django's test client), against
    the database DATABASE_URL names, after the race: one sign-up that goes on the
    waiting list and one that gets a place (the venue is given ten more places
    for it). The sessions are made as for the race's members. Everything in the
    database is rolled back."""
    from django.db import connection, transaction
    from django.db.models import F
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from events.models import Venue
    from members.models import Member

    ids = fixture["ids"]
    event_id, venue_id = ids["contention_event"], ids["contention_venue"]
    user_ids = list(
        Member.objects.filter(status=Member.Status.ACTIVE, user__isnull=False)
        .exclude(user_id__in=fixture["contenders"])
        .exclude(registrations__event_id=event_id)
        .order_by("user_id")
        .values_list("user_id", flat=True)[:3]
    )
    keys = create_sessions(connection.settings_dict["NAME"], user_ids, fixture["password_hash"])
    path = f"/events/{event_id}/register/"

    client = Client()  # one client: Django sets its middleware up on the first request

    def sign_up(user_id):
        client.cookies.clear()
        client.cookies["sessionid"] = keys[user_id]
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.post(path, {"where": venue_id})
            seconds = time.perf_counter() - started
        if response.status_code != 302 or not response["Location"].endswith(f"/events/{event_id}/"):
            raise RuntimeError(f"counted sign-up: HTTP {response.status_code}")
        sql = [q["sql"] for q in queries.captured_queries if not _is_savepoint(q["sql"])]
        return {"queries": len(sql), "sql": sql, "seconds": seconds}

    with transaction.atomic():
        sign_up(user_ids[0])  # the first request fills per-process caches
        waitlisted = sign_up(user_ids[1])
        Venue.objects.filter(pk=venue_id).update(capacity=F("capacity") + 10)
        confirmed = sign_up(user_ids[2])
        transaction.set_rollback(True)
    return {"confirmed": confirmed, "waitlisted": waitlisted}


if __name__ == "__main__":
    # python -m bench.signups fixture.json [--sql]: the queries of one sign-up, as JSON.
    import json
    import sys

    import django

    django.setup()
    with open(sys.argv[1]) as f:
        counted = count_queries(json.load(f))
    if "--sql" in sys.argv:
        for name, row in counted.items():
            print(f"== {name}: {row['queries']} queries, {row['seconds'] * 1000:.1f} ms")
            for n, sql in enumerate(row["sql"], 1):
                print(f"{n:3}. {sql[:300]}")
    else:
        json.dump({name: row["queries"] for name, row in counted.items()}, sys.stdout)
