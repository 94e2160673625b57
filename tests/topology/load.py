"""Signed-in members pressing "sign up" over HTTPS through nginx, from several
client processes (threads in each), as phones would: each request its own TLS
connection, session and CSRF cookies, the form's one field (the venue)."""

import http.client
import multiprocessing
import secrets
import ssl
import threading
import time


def tls_context(cafile) -> ssl.SSLContext:
    """Verifies nginx's certificate against the test's self-signed one."""
    return ssl.create_default_context(cafile=str(cafile))


def sign_up(port, context, event_id, venue_id, session_key) -> dict:
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts an unmasked secret
    origin = f"https://127.0.0.1:{port}"
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=120)
    started = time.monotonic()
    try:
        conn.request(
            "POST",
            f"/events/{event_id}/register/",
            body=f"where={venue_id}",
            headers={
                "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Referer": f"{origin}/events/{event_id}/",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = conn.getresponse()
        response.read()
        row = {
            "status": response.status,
            "location": response.headers.get("Location", ""),
            "served_by": response.headers.get("X-Served-By", ""),
        }
    except OSError as exc:
        row = {"status": 0, "location": repr(exc), "served_by": ""}
    finally:
        conn.close()
    return {**row, "started": started, "finished": time.monotonic()}


def _client(port, cafile, event_id, venue_id, jobs, threads, ready, go, done, results):
    """One client process: `threads` threads share its jobs, each sending one
    sign-up after the other; all start at `go`."""
    context = tls_context(cafile)
    lanes = [jobs[k::threads] for k in range(threads)]
    out, release = {}, threading.Event()

    def lane(mine):
        release.wait()
        for user_id, session_key in mine:
            out[user_id] = sign_up(port, context, event_id, venue_id, session_key)
            with done.get_lock():
                done.value += 1

    workers = [threading.Thread(target=lane, args=(mine,)) for mine in lanes if mine]
    for thread in workers:
        thread.start()
    ready.wait()
    go.wait()
    release.set()
    for thread in workers:
        thread.join()
    results.put(out)


def run(port, cafile, event_id, venue_id, sessions, *, processes, threads, during=None):
    """Sends one sign-up per (user id, session key) of `sessions`: `processes`
    client processes of `threads` threads each (threads=None: one thread per
    sign-up, every request sent at the same moment). `during(done)` is called in
    this process every 20 ms with the count of answered requests until it
    returns True (the failover stage kills an app server from it). Returns the
    outcome per user id and the wall time."""
    ctx = multiprocessing.get_context("fork")
    ready, go, results = ctx.Barrier(processes + 1), ctx.Event(), ctx.Queue()
    done = ctx.Value("i", 0)
    jobs = list(sessions.items())
    chunks = [jobs[k::processes] for k in range(processes)]
    procs = [
        ctx.Process(
            target=_client,
            args=(
                port,
                cafile,
                event_id,
                venue_id,
                chunk,
                threads or len(chunk),
                ready,
                go,
                done,
                results,
            ),
        )  # fmt: skip
        for chunk in chunks
    ]
    for proc in procs:
        proc.start()
    ready.wait(timeout=120)
    started = time.monotonic()  # CLOCK_MONOTONIC: comparable across processes
    go.set()
    while during is not None and done.value < len(jobs):
        if during(done.value):
            break
        time.sleep(0.02)
    outcome = {}
    for _ in procs:
        outcome.update(results.get(timeout=300))
    for proc in procs:
        proc.join(timeout=60)
    return outcome, max(row["finished"] for row in outcome.values()) - started
