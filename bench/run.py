"""The portal's benchmark: builds a realistic data set in its own database, runs the
portal under gunicorn on loopback and measures it over HTTP.

    .venv/bin/python bench/run.py            # the full run (make bench)
    .venv/bin/python bench/run.py --smoke    # a tiny run that checks correctness only
    .venv/bin/python bench/run.py --only welfare   # one stage (repeatable), on the full data set

It prints its figures, writes them to bench/results.md and exits 1 when a target
below is missed. The targets live here, not in timed unit tests. PostgreSQL and
Redis must be running (scripts/services.sh start); the run uses its own databases
(union_portal_bench, union_portal_bench_ref) and Redis databases 3 and 4; BENCH_DB_NAME
and BENCH_REDIS_DBS ("3,4") move them, so two runs on one machine stay apart.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from math import ceil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path; the checkout goes there
# instead, so `bench` is a package and its modules never shadow the standard library.
sys.path[0] = str(ROOT)

# --- targets ------------------------------------------------------------------------
MAX_RATIO_TO_FLOOR = 2.0  # each page's median latency ≤ 2 × its role's floor median
MAX_P95_TO_FLOOR = 3.0  # … and its p95 ≤ 3 × the same floor median
MIN_SIGNUPS_PER_SECOND = 300  # 500 members signing up at once for 100 places …
MAX_SIGNUP_P95_SECONDS = 1.0  # … 95 % of them answered within a second
MAX_REMINDER_SECONDS = 15  # 10 000 reminders by one worker
DEADLINE_CASES = 2_000  # open cases whose resolution is due: each handler reminded …
MAX_DEADLINE_SECONDS = 10  # … by one worker within this
CLOSING_NOTICES = 1_000  # notices whose objection period closes: every officer told …
MAX_CLOSING_SECONDS = 10  # … by one worker within this
MAX_PAGE_WEIGHT = 150 * 1024  # bytes, first load, compressed
MAX_WORKER_MB = 150  # one gunicorn worker's resident memory after the page run
BALLOTS_PER_MINUTE = 2_000  # members answering one open poll through the vote service
MAX_BALLOT_SECONDS = 60  # … all of them within a minute: none lost, none doubled
WELFARE_MEMBERS = 1_000  # members choosing the same gift of a welfare handout at once …
WELFARE_STOCK = 300  # … of which there are 300: exactly 300 given, the others choose another
MAX_WELFARE_SECONDS = 60  # … all of them within a minute: none lost, none doubled
IMPORT_ROWS = 20_000  # an HR roster of this many rows, as XLSX …
MAX_IMPORT_SECONDS = 60  # … imported by the job (checked again, then written) within a minute
MAX_IMPORT_MB = 300  # … by a process whose memory peaks below this

DB_NAME = os.environ.get("BENCH_DB_NAME", "union_portal_bench")
REF_DB_NAME = f"{DB_NAME}_ref"  # demo-sized, for the query counts
REF_SCALE = 0.015  # 300 members, as `make demo`
REDIS_PORT = os.environ.get("PORTAL_REDIS_PORT", "56379")
BROKER_DB, CACHE_DB = (int(n) for n in os.environ.get("BENCH_REDIS_DBS", "3,4").split(","))
RETRY_SECONDS = 10  # the bench's NOTIFICATION_EMAIL_RETRY_AFTER (the portal's is 10 min)


class Report:
    def __init__(self, smoke: bool):
        self.smoke = smoke
        self.sections = []  # (title, header, rows, notes)
        self.checks = []  # (target, ok or None when not checked, detail)

    def table(self, title, header, rows, notes=()):
        self.sections.append((title, header, [[str(c) for c in r] for r in rows], list(notes)))
        print(_text_table(title, header, self.sections[-1][2], notes), flush=True)

    def check(self, target, ok, detail="", *, speed=False):
        if speed and self.smoke:
            ok = None  # the smoke run checks correctness, not speed
        self.checks.append((target, ok, detail))

    @property
    def failed(self):
        return [c for c in self.checks if c[1] is False]

    def summary_rows(self):
        verdict = {True: "met", False: "MISSED", None: "not checked (smoke)"}
        return [[target, verdict[ok], detail] for target, ok, detail in self.checks]

    def markdown(self, header_lines) -> str:
        out = ["# Benchmark results", "", *header_lines, ""]
        for title, header, rows, notes in [
            *self.sections,
            ("Targets", ["target", "result", "figures"], self.summary_rows(), []),
        ]:
            out += [f"## {title}", "", "| " + " | ".join(header) + " |"]
            out.append("|" + "|".join(" --- " for _ in header) + "|")
            out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
            out += [""] + [f"{n}  " for n in notes] + ([""] if notes else [])
        return "\n".join(out)


def _text_table(title, header, rows, notes=()):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = ["", f"== {title}", line.format(*header), line.format(*("-" * w for w in widths))]
    out += [line.format(*row) for row in rows] + [f"   {n}" for n in notes]
    return "\n".join(out)


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, ceil(0.95 * len(ordered)) - 1)]


def environment(tmp: Path, dbname: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"postgres://union_portal@127.0.0.1:"
        f"{os.environ.get('PORTAL_PG_PORT', '55432')}/{dbname}",
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/{BROKER_DB}",
        "CACHE_URL": f"redis://127.0.0.1:{REDIS_PORT}/{CACHE_DB}",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "PORTAL_MANIFEST_STATIC": "1",
        "BENCH_STATIC_ROOT": str(tmp / "static"),
        "BENCH_OUTBOX": str(tmp / "outbox.jsonl"),
        "BENCH_NOTIFICATION_RETRY_SECONDS": str(RETRY_SECONDS),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


# --- the stages -----------------------------------------------------------------------


def build(report, args, sizes, ref_sizes, tmp, env):
    from bench import dataset, db

    t0 = time.perf_counter()
    db.create(DB_NAME)
    manage(env, "migrate", "--noinput", "-v", "0")
    migrate_seconds = time.perf_counter() - t0
    # The reference database starts as a copy of the freshly migrated one.
    db.create(REF_DB_NAME, template=DB_NAME)
    t0 = time.perf_counter()
    manage(env, "collectstatic", "--noinput", "-v", "0")
    static_seconds = time.perf_counter() - t0

    builder = dataset.Builder(sizes)
    fixture = builder.build(DB_NAME)
    ref_builder = dataset.Builder(ref_sizes)
    ref_fixture = ref_builder.build(REF_DB_NAME)
    rows = [[table, f"{count:,}", f"{seconds:.2f} s"] for table, count, seconds in builder.timings]
    rows.append(["total (COPY, one table per transaction)", "", f"{builder.total_seconds:.1f} s"])
    report.table(
        f"Data set (scale {args.scale:g}), built with COPY",
        ["table", "rows", "time"],
        rows,
        [
            f"migrate: {migrate_seconds:.1f} s, collectstatic: {static_seconds:.1f} s; "
            f"demo-sized reference data set (scale {REF_SCALE}) for the query counts: "
            f"{ref_builder.total_seconds:.1f} s",
            "events_registration includes the 2 reminder batches "
            f"({2 * sizes.reminders:,} rows in 2 extra events).",
        ],
    )
    for name, fx in (("fixture", fixture), ("ref_fixture", ref_fixture)):
        (tmp / f"{name}.json").write_text(json.dumps(fx))
    return fixture, builder.total_seconds


def query_counts(tmp, fixture_name, dbname):
    env = environment(tmp, dbname)
    output = tmp / f"{fixture_name}-queries.json"
    subprocess.run(
        [sys.executable, "-m", "bench.querycount", str(tmp / f"{fixture_name}.json"), str(output)],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return json.loads(output.read_text())


def time_pages(report, args, port, fixture, counts, ref_counts, clients):
    from bench.pages import admin_pages, floor_name, floors, pages
    from bench.web import Client

    floor_list, page_list, admin_list = floors(), pages(fixture), admin_pages(fixture)
    everything = [*floor_list, *page_list]
    clients = {**clients, "anonymous": Client(port, keep_cookies=False)}
    rng = random.Random(1)
    samples = {name: [] for name, _, _ in [*everything, *admin_list]}
    failures = {}
    for round_ in range(args.warmup + args.rounds):
        order = [*everything, *admin_list]  # the admin's peers in the same rounds
        rng.shuffle(order)  # floors and pages side by side, in no fixed order
        for name, role, path in order:
            response = clients[role].get(path)
            if response.status != 200:
                failures[name] = response.status
            if round_ >= args.warmup:
                samples[name].append(response.seconds)
    floor_medians = {name: statistics.median(samples[name]) for name, _, _ in floor_list}
    rows = []
    for name, role, path in everything:
        median, slow = statistics.median(samples[name]), p95(samples[name])
        floor = floor_name(role)
        ratio, p95_ratio = median / floor_medians[floor], slow / floor_medians[floor]
        queries, ref_queries = counts[name]["queries"], ref_counts[name]["queries"]
        same = "" if queries == ref_queries else f" (demo-sized: {ref_queries})"
        is_floor = name == floor
        rows.append([name, role, path, f"{queries}{same}", ms(median), ms(slow),
                     "" if is_floor else f"{ratio:.2f}",
                     "" if is_floor else f"{p95_ratio:.2f}"])  # fmt: skip
        if name == "floor":
            report.check("floor: no SQL", queries == 0, f"{queries} queries")
            continue
        if not is_floor:
            report.check(
                f"{name}: median ≤ {MAX_RATIO_TO_FLOOR} × {floor}",
                ratio <= MAX_RATIO_TO_FLOOR,
                f"{ms(median)} = {ratio:.2f} × {ms(floor_medians[floor])}",
                speed=True,
            )
            report.check(
                f"{name}: p95 ≤ {MAX_P95_TO_FLOOR} × {floor}",
                p95_ratio <= MAX_P95_TO_FLOOR,
                f"{ms(slow)} = {p95_ratio:.2f} × {ms(floor_medians[floor])}",
                speed=True,
            )
        # At most as many: a page may skip a query for what its row lacks (a notice
        # without files), but none may grow with the data.
        report.check(
            f"{name}: no more queries at this scale than demo-sized",
            queries <= ref_queries and counts[name]["status"] == 200,
            f"{queries} vs {ref_queries}",
        )
    for name, status in failures.items():
        report.check(f"{name}: HTTP 200", False, f"HTTP {status}")
    from bench.pages import missing

    skipped = [
        f"Not timed: {name} ({path}): no view answers this URL on this checkout "
        "(404); it is built on another branch."
        for name, _, path in missing(fixture)
    ]
    report.table(
        f"Pages over HTTP ({args.rounds} requests each, gunicorn {args.workers} sync workers)",
        ["page", "as", "path", "queries", "median", "p95", "median ratio", "p95 ratio"],
        rows,
        ["ratios = median or p95 / the median of the floor of the same role (signed out: "
         "the anonymous floor); queries counted in-process at this scale "
         "(in brackets: the demo-sized data set, when different).", *skipped],
    )  # fmt: skip
    admin_peers(report, samples, counts, ref_counts, admin_list)
    return samples


def admin_peers(report, samples, counts, ref_counts, admin_list):
    """Each portal list against the Django admin's changelist of the same rows, timed
    in the same shuffled rounds; the admin pages are held to no floor, only compared."""
    from bench.pages import ADMIN_PEERS

    paths = {peer: path for peer, _, path in admin_list}
    rows = []
    for portal, peer, _ in ADMIN_PEERS:
        path = paths[peer]
        portal_median = statistics.median(samples[portal])
        status, queries = counts[peer]["status"], counts[peer]["queries"]
        ref_queries = ref_counts[peer]["queries"]
        report.check(f"{peer}: HTTP 200 for a superuser", status == 200, f"HTTP {status}")
        admin_median = statistics.median(samples[peer])
        ratio = portal_median / admin_median
        same = "" if queries == ref_queries else f" (demo-sized: {ref_queries})"
        rows.append([portal, peer, path, ms(portal_median), f"{ms(admin_median)}, "
                     f"{queries}{same} queries", f"{ratio:.2f}"])  # fmt: skip
        report.check(
            f"{portal} faster than the admin's {peer.removeprefix('admin: ')}",
            ratio < 1.0,
            f"{ms(portal_median)} vs {ms(admin_median)} = {ratio:.2f}",
            speed=True,
        )
    report.table(
        "Portal list vs the Django admin",
        ["portal page", "admin peer", "admin path", "portal median", "admin median", "ratio"],
        rows,
        ["ratio = portal median / admin median, both from the same shuffled rounds; "
         "the admin as the project ships it (members, cases) or as bench/admin.py "
         "configures it (registrations, fund lines: the portal ships no admin for "
         "them), signed in as a superuser."],
    )  # fmt: skip


def worker_memory(report, server, before):
    """What one gunicorn worker holds once every page has been asked many times
    (`before`: each worker's RSS before the page run)."""
    rss = server.worker_rss()
    largest = max(rss.values(), default=0) / 2**20
    replaced = set(before) - set(rss)
    report.table(
        "Gunicorn workers after the page run",
        ["worker pid", "RSS before the page run", "RSS after"],
        [[pid, f"{before[pid] / 2**20:.0f} MB" if pid in before else "(started during the run)",
          f"{size / 2**20:.0f} MB"] for pid, size in sorted(rss.items())],
        ["VmRSS of each child of the master, read before and right after the timed rounds.",
         *([f"Replaced during the run (a timeout or a crash, see gunicorn.log): "
            f"{', '.join(map(str, sorted(replaced)))}; their successors held less of the "
            "run."] if replaced else [])],
    )  # fmt: skip
    report.check(
        f"gunicorn worker RSS after the page run ≤ {MAX_WORKER_MB} MB",
        bool(rss) and largest <= MAX_WORKER_MB,
        f"largest of {len(rss)}: {largest:.0f} MB",
    )


def weigh_pages(report, port, member_session):
    from bench.web import page_weight

    rows, details = [], []
    for label, path, cookies in (
        ("home (signed out)", "/", None),
        ("home (member)", "/", {"sessionid": member_session}),
        ("event list (member)", "/events/", {"sessionid": member_session}),
    ):
        total, items = page_weight(port, path, cookies)
        rows.append([label, path, len(items), f"{total / 1024:.1f} KB"])
        details += [f"{label}: {url} {size / 1024:.1f} KB ({enc})" for url, size, enc in items]
        report.check(
            f"page weight {label} ≤ {MAX_PAGE_WEIGHT // 1024} KB",
            total <= MAX_PAGE_WEIGHT,
            f"{total / 1024:.1f} KB",
        )
    report.table(
        "Page weight: first load on a phone (empty cache, Accept-Encoding: gzip, deflate, br)",
        ["page", "path", "requests", "transferred"],
        rows,
        details,
    )


def _measured_rush(server, press) -> dict:
    """press() → (outcome, wall); with the CPU time each side spent per request: the
    gunicorn workers, PostgreSQL, and the client processes (this machine's 2 cores
    serve all three)."""
    import resource

    from bench.web import postgres_cpu_seconds

    def client_cpu():
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the joined client processes
        return usage.ru_utime + usage.ru_stime

    before = (server.cpu_seconds(), postgres_cpu_seconds(), client_cpu())
    outcome, wall = press()
    after = (server.cpu_seconds(), postgres_cpu_seconds(), client_cpu())
    n = len(outcome)
    cpu = [(b - a) / n for a, b in zip(before, after, strict=True)]
    return {
        "outcome": outcome,
        "wall": wall,
        "rate": n / wall,
        "latencies": [row[3] - row[2] for row in outcome.values()],
        "cpu": cpu,
        "ceiling": os.cpu_count() / sum(cpu) if sum(cpu) else float("inf"),
        "statuses": sorted({row[0] for row in outcome.values()}),
    }


def _rush_row(label, rush):
    server_cpu, pg_cpu, client_cpu = (ms(seconds) for seconds in rush["cpu"])
    return [
        label,
        f"{rush['rate']:.0f}/s",
        " / ".join(ms(f(rush["latencies"])) for f in (statistics.median, p95)),
        f"{server_cpu} / {pg_cpu} / {client_cpu}",
        f"{rush['ceiling']:.0f}/s",
        ", ".join(map(str, rush["statuses"])),
    ]


def sign_up_race(report, args, server, fixture):
    from bench import signups

    # Queries of one sign-up POST before issue 14 (events app at 140c0a7, counted by
    # `python -m bench.signups` as below): a place / the waiting list.
    queries_before = (11, 13)
    ids = fixture["ids"]
    port = server.port
    sessions = signups.create_sessions(DB_NAME, fixture["contenders"], fixture["password_hash"])
    # The same crowd, the same moment, at the emptiest pages: what this machine can
    # serve at all when 500 requests arrive together.
    empty = {
        "signed out": _measured_rush(
            server,
            lambda: signups.rush(port, "GET", "/floor/", dict.fromkeys(sessions), args.processes),
        ),
        "signed in": _measured_rush(
            server, lambda: signups.rush(port, "GET", "/floor/", sessions, args.processes)
        ),
    }
    race = _measured_rush(
        server,
        lambda: signups.race(
            port, ids["contention_event"], ids["contention_venue"], sessions, args.processes
        ),
    )
    outcome, wall = race["outcome"], race["wall"]
    result = signups.check(DB_NAME, ids["contention_event"], outcome, fixture["sizes"]["seats"])
    rate = result["requests"] / wall
    latencies = [row[3] - row[2] for row in outcome.values()]
    # In-process, after the race (and rolled back): what one sign-up costs.
    with tempfile.NamedTemporaryFile("w", suffix=".json") as fixture_file:
        json.dump(fixture, fixture_file)
        fixture_file.flush()
        counted = subprocess.run(
            [sys.executable, "-m", "bench.signups", fixture_file.name],
            cwd=ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
    queries = json.loads(counted.stdout.strip().splitlines()[-1])
    report.table(
        f"Sign-up under contention: {result['requests']} sign-ups for "
        f"{fixture['sizes']['seats']} places, {args.processes} client processes",
        ["figure", "value"],
        [
            ["wall time", f"{wall:.2f} s"],
            ["throughput", f"{rate:.0f} sign-ups/s"],
            ["latency median / p95 / max", " / ".join(
                ms(f(latencies)) for f in (statistics.median, p95, max))],
            ["queries per sign-up", f"{queries['confirmed']} (before: {queries_before[0]}); "
             f"on the waiting list {queries['waitlisted']} (before: {queries_before[1]})"],
            ["responses", ", ".join(f"{k}: {v}" for k, v in result["responses"].items())],
            ["registrations", result["rows"]],
            ["confirmed (expected)", f"{result['confirmed']} ({result['expected_confirmed']})"],
            ["waitlisted (expected)", f"{result['waitlisted']} ({result['expected_waitlisted']})"],
            ["members with two registrations", result["members_with_two_rows"]],
            ["every confirmed id < every waitlisted id", result["ids_in_order"]],
            ["created_at in id order", result["times_in_order"]],
            ["finished-before-sent pairs / out of order",
             f"{result['causal_pairs']} / {result['causal_violations']}"],
        ],  # fmt: skip
        ["Sessions are rows written as Django's login() writes them, in the database and "
         "the session cache (the 4 role accounts sign in through the form).",
         "Arrival order = the order the requests took the event's row lock = row ids.",
         "Queries per sign-up: the POST counted in-process with Django's test client "
         "(python -m bench.signups), one sign-up given a place and one put on the waiting list."],
    )  # fmt: skip
    correct = (
        result["rows"] == result["requests"]
        and result["confirmed"] == result["expected_confirmed"]
        and result["waitlisted"] == result["expected_waitlisted"]
        and result["members_with_two_rows"] == 0
        and result["ids_in_order"]
        and result["times_in_order"]
        and result["causal_violations"] == 0
        and result["bad_responses"] == 0
    )
    report.check(
        "sign-ups: exact places, waiting list in arrival order, no double booking",
        correct,
        f"{result['confirmed']} confirmed, {result['waitlisted']} waitlisted, "
        f"{result['members_with_two_rows']} double, {result['bad_responses']} bad responses",
    )
    report.table(
        f"The same rush of {len(sessions)} requests at once, {args.processes} client processes: "
        "the sign-up and the floor",
        ["requests", "throughput", "latency median / p95",
         "CPU a request: gunicorn / PostgreSQL / client", "CPU ceiling", "HTTP"],
        [
            _rush_row("GET /floor/ signed out (no query, no session)", empty["signed out"]),
            _rush_row("GET /floor/ signed in (session, user, roles, unread count)",
                      empty["signed in"]),
            _rush_row("POST sign-up", race),
        ],
        ["CPU a request: user + system time from /proc (gunicorn's master and workers, "
         "every PostgreSQL process on this machine) and getrusage (the client processes), "
         "divided by the requests. CPU ceiling = cores / CPU a request: the most requests a "
         "second this machine could serve if the client, the portal and the database used "
         "every core and nothing else ran.",
         "A p95 of 1 s for 500 requests sent at once needs about 475 served a second: the "
         "95th percentile waits for 475 of them."],
    )  # fmt: skip
    report.check(
        f"sign-ups: ≥ {MIN_SIGNUPS_PER_SECOND}/s", rate >= MIN_SIGNUPS_PER_SECOND,
        f"{rate:.0f}/s; {queries['confirmed']} queries a sign-up "
        f"(before: {queries_before[0]}); the empty page signed out: "
        f"{empty['signed out']['rate']:.0f}/s", speed=True,
    )  # fmt: skip
    report.check(
        f"sign-ups: p95 ≤ {MAX_SIGNUP_P95_SECONDS:g} s", p95(latencies) <= MAX_SIGNUP_P95_SECONDS,
        f"p95 {ms(p95(latencies))}", speed=True,
    )  # fmt: skip


def reminder_batches(report, args, tmp, env, fixture):
    from bench import db, reminders

    events, titles = fixture["ids"]["reminder_events"], fixture["reminder_titles"]
    log = tmp / "celery-worker.log"
    outbox = tmp / "outbox.jsonl"
    # Every fourth account reads English: each email must come in its reader's language.
    with db.connect(DB_NAME) as conn:
        conn.execute("UPDATE core_user SET language = 'en' WHERE id % 4 = 0")
    first = reminders.batch_one(DB_NAME, env, log, outbox, events[0], titles[0], timeout=600)
    second = reminders.batch_killed(
        DB_NAME, env, log, outbox, events[1], titles[1],
        kill_at=0.3, retry_seconds=RETRY_SECONDS, timeout=600,
    )  # fmt: skip
    day, cases, closing = reminders.batch_deadlines_and_closing(
        DB_NAME, env, log, outbox, timeout=300,
        cases=max(20, round(DEADLINE_CASES * args.scale)),
        notices=max(10, round(CLOSING_NOTICES * args.scale)),
    )  # fmt: skip
    with db.connect(DB_NAME) as conn:
        conn.execute("UPDATE core_user SET language = 'zh-hans' WHERE id % 4 = 0")
    killed = second["killed"]
    languages = reminders.outbox_languages(outbox, titles[0])

    def secs(value):
        return f"{value:.1f} s" if value is not None else "did not finish"

    rows = [
        ["reminders due", first["due"], second["due"]],
        ["inbox rows created within", secs(first["rows_created_in"]), ""],
        ["all emailed within", secs(first["seconds"]), secs(second["seconds"])],
        ["throughput", f"{first['due'] / first['seconds']:.0f} emails/s"
         if first["seconds"] else "", ""],
        ["worker SIGKILLed", "", f"after {killed['after_seconds']:.1f} s, "
         f"{killed['emails_before_kill']} emails out, {killed['rows']} inbox rows, "
         f"{killed['claimed_unsent']} claimed but unsent" if killed else "no (finished first)"],
        ["emails in the outbox", first["emails"], second["emails"]],
        ["… in English / Chinese", f"{languages['en']} / {languages['zh']}", ""],
        ["duplicates", first["duplicates"], second["duplicates"]],
        ["missing", first["missing"], second["missing"]],
    ]  # fmt: skip
    report.table(
        "Reminders through one Celery worker (prefork, 2 processes)",
        ["figure", "batch 1", "batch 2 (SIGKILL, restart)"],
        rows,
        [f"Batch 2: after the restart the run plays beat — events.send_reminders once, "
         f"core.send_pending_notification_emails every {RETRY_SECONDS} s — with "
         f"NOTIFICATION_EMAIL_RETRY_AFTER = {RETRY_SECONDS} s (the portal's is 10 minutes).",
         "Every fourth account reads English during this stage.",
         f"Worker log: {log}"],
    )  # fmt: skip
    rows = [
        ["due", f"{cases['cases']} cases, {cases['due']} reminders",
         f"{closing['notices']} notices, {closing['due']} warnings"],
        ["inbox rows", cases["rows"], closing["rows"]],
        ["inbox rows created within", secs(cases["rows_created_in"]),
         secs(closing["rows_created_in"])],
        ["all emailed within", secs(cases["seconds"]), secs(closing["seconds"])],
        ["throughput", *(f"{b['due'] / b['seconds']:.0f} emails/s" if b["seconds"] else ""
                         for b in (cases, closing))],
        ["emails in the outbox", cases["emails"], closing["emails"]],
        ["duplicates / missing / unexpected",
         *(f"{b['duplicates']} / {b['missing']} / {b['unexpected']}" for b in (cases, closing))],
        ["closed the day after", "", f"{closing['closed']} of {closing['notices']} final in "
         f"{secs(closing['closed_in'])}"],
    ]  # fmt: skip
    report.table(
        "Grievance deadline reminders and notice closing through one Celery worker",
        ["figure", "grievances.send_reminders", "notices.close_periods"],
        rows,
        [f"Clock at 10:00 on {day} (the first working day from today): each case's "
         "resolution is due that day, each notice's objection period closes that day; "
         "a handler is the case's owner or the branch chair, a notice's officers are its "
         "branch's officers and chair."],
    )  # fmt: skip
    report.check(
        f"reminders: {first['due']} sent by one worker ≤ {MAX_REMINDER_SECONDS} s",
        first["seconds"] is not None and first["seconds"] <= MAX_REMINDER_SECONDS,
        secs(first["seconds"]),
        speed=True,
    )
    for label, batch in (("batch 1", first), ("batch 2 after SIGKILL", second)):
        report.check(
            f"reminders {label}: 0 duplicates, 0 missing",
            batch["finished"] and batch["duplicates"] == 0 and batch["missing"] == 0,
            f"{batch['duplicates']} duplicates, {batch['missing']} missing",
        )
    report.check(
        "reminders: each email in its reader's language",
        languages["en"] > 0 and languages["zh"] > 0 and languages["other"] == 0,
        f"{languages['en']} English, {languages['zh']} Chinese, {languages['other']} other",
    )
    for label, batch, limit in (
        (f"deadline reminders: {cases['cases']} cases", cases, MAX_DEADLINE_SECONDS),
        (f"notice closing: {closing['notices']} notices", closing, MAX_CLOSING_SECONDS),
    ):
        report.check(
            f"{label} reminded by one worker ≤ {limit} s",
            batch["seconds"] is not None and batch["seconds"] <= limit,
            secs(batch["seconds"]),
            speed=True,
        )
        report.check(
            f"{label}: 0 duplicates, 0 missing",
            batch["finished"] and batch["duplicates"] == 0 and batch["missing"] == 0
            and batch["unexpected"] == 0,
            f"{batch['duplicates']} duplicates, {batch['missing']} missing, "
            f"{batch['unexpected']} unexpected",
        )  # fmt: skip
    report.check(
        "notice closing: every notice final the day after",
        closing["closed"] == closing["notices"],
        f"{closing['closed']} of {closing['notices']}",
    )


def ballots_per_minute(report, args, env, fixture):
    from bench import ballots

    count = args.ballots
    accounts = fixture["accounts"]
    voters = list(range(accounts - count + 1, accounts + 1))
    # Plain members only: the branch roles and the detail pages' members come first.
    assert voters[0] > 50, f"{count} voters need more accounts ({accounts})"
    poll_id = ballots.prepare(voters)
    outcome = ballots.race(env, poll_id, voters, args.ballot_processes, args.ballot_threads)
    result = ballots.check(poll_id, voters, outcome)
    wall, latencies = outcome["wall"], outcome["latencies"]
    report.table(
        f"Ballots per minute: {count} members answer one open secret poll through the vote "
        f"service, {args.ballot_processes} processes × {args.ballot_threads} threads",
        ["figure", "value"],
        [
            ["wall time", f"{wall:.1f} s"],
            ["throughput", f"{count / wall * 60:.0f} ballots/min"],
            ["latency median / p95 / max", " / ".join(
                ms(f(latencies)) for f in (statistics.median, p95, max))],
            ["accepted", result["accepted"]],
            ["voter rows / ballots / answers",
             f"{result['voter_rows']} / {result['ballots']} / {result['answers']}"],
            ["ballots naming a member", result["named_ballots"]],
            ["second presses / refused as already answered",
             f"{result['second_presses']} / {result['refused_as_second']}"],
            ["lost / doubled", f"{result['lost']} / {result['doubled']}"],
            ["other refusals / errors", f"{result['other_refusals']} / {result['error_count']}"],
        ],  # fmt: skip
        ["Each thread has its own database connection; one member in "
         f"{ballots.TWICE_EVERY} presses twice at the same moment.",
         *[f"error: {pk}: {error}" for pk, error in result["errors"]]],
    )  # fmt: skip
    exact = (
        result["voter_rows"] == count
        and result["ballots"] == count
        and result["accepted"] == count
        and result["lost"] == 0
        and result["doubled"] == 0
        and result["named_ballots"] == 0
        and result["refused_as_second"] == result["second_presses"]
        and result["other_refusals"] == 0
        and result["error_count"] == 0
    )
    report.check(
        f"ballots: {count} members → exactly {count} voter rows and {count} ballots, "
        "0 lost, 0 doubled",
        exact,
        f"{result['voter_rows']} voter rows, {result['ballots']} ballots, "
        f"{result['lost']} lost, {result['doubled']} doubled, {result['error_count']} errors",
    )
    report.check(
        f"ballots: {count} within {MAX_BALLOT_SECONDS} s",
        wall <= MAX_BALLOT_SECONDS,
        f"{wall:.1f} s ({count / wall * 60:.0f}/min)",
        speed=True,
    )


def welfare_choices(report, args, env, fixture):
    from bench import welfare_choices as welfare

    count = args.welfare
    stock = round(count * WELFARE_STOCK / WELFARE_MEMBERS)
    # The accounts just below the voters' (ballots_per_minute takes the last ones).
    last = fixture["accounts"] - args.ballots
    accounts = list(range(last - count + 1, last + 1))
    # Plain members only: the branch roles and the detail pages' members come first.
    assert accounts[0] > 50, f"{count} members need more accounts ({fixture['accounts']})"
    ids = welfare.prepare(accounts, stock)
    outcome = welfare.race(env, ids, args.ballot_processes, args.ballot_threads)
    result = welfare.check(ids, outcome)
    wall, latencies = outcome["wall"], outcome["latencies"]
    report.table(
        f"Welfare choices: {count} members choose the same gift (stock {stock}) of one handout "
        f"through the choice service, {args.ballot_processes} processes × "
        f"{args.ballot_threads} threads",
        ["figure", "value"],
        [
            ["wall time", f"{wall:.1f} s"],
            ["throughput", f"{count / wall:.0f} members/s ({result['presses']} presses, "
             f"{result['presses'] / wall:.0f} choices/s)"],
            ["latency median / p95 / max (one press)", " / ".join(
                ms(f(latencies)) for f in (statistics.median, p95, max))],
            ["choices / of the gift (stock) / of the card",
             f"{result['choices']} / {result['gift']} ({stock}) / {result['card']}"],
            ["told they have the gift / told it is gone / then chose the card",
             f"{result['told_gift']} / {result['told_gone']} / {result['told_card']}"],
            ["told one thing, holding another", result["misled"]],
            ["second presses / refused as already chosen",
             f"{result['second_presses']} / {result['already']}"],
            ["lost / doubled", f"{result['lost']} / {result['doubled']}"],
            ["other refusals / errors", f"{result['other_refusals']} / {result['error_count']}"],
        ],  # fmt: skip
        ["Each thread has its own database connection; one member in "
         f"{welfare.crowd.TWICE_EVERY} presses twice at the same moment; a member told "
         "the gift is gone chooses the card (no limit, the default) at once.",
         *[f"error: {pk}: {error}" for pk, error in result["errors"]]],
    )  # fmt: skip
    exact = (
        result["choices"] == count
        and result["gift"] == stock
        and result["card"] == count - stock
        and result["told_gift"] == stock
        and result["told_gone"] == count - stock
        and result["told_card"] == count - stock
        and result["misled"] == 0
        and result["defaulted"] == 0
        and result["lost"] == 0
        and result["doubled"] == 0
        and result["other_refusals"] == 0
        and result["error_count"] == 0
    )
    report.check(
        f"welfare: {count} members for a stock of {stock} → exactly {stock} of the gift, "
        f"{count - stock} told it is gone, 0 lost, 0 doubled",
        exact,
        f"{result['gift']} of the gift, {result['told_gone']} told gone, {result['card']} "
        f"of the card, {result['lost']} lost, {result['doubled']} doubled, "
        f"{result['misled']} misled, {result['error_count']} errors",
    )
    report.check(
        f"welfare: {count} choices within {MAX_WELFARE_SECONDS} s",
        wall <= MAX_WELFARE_SECONDS,
        f"{wall:.1f} s ({result['presses'] / wall:.0f} choices/s)",
        speed=True,
    )


def roster_import(report, args, env):
    rows = 200 if args.smoke else IMPORT_ROWS
    out = subprocess.run(
        [sys.executable, "-m", "bench.roster_import", json.dumps({"rows": rows})],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    result = json.loads(out.strip().splitlines()[-1])
    first, again = both = result["first"], result["again"]
    report.table(
        f"Roster import: {rows} rows of XLSX ({result['file_bytes'] // 1024} KiB), in one "
        "process as a worker runs it",
        ["figure", "first import (all new)", "same file again (all unchanged)"],
        [
            ["upload and check (the preview)", *(f"{r['check_seconds']:.1f} s" for r in both)],
            ["job: check again and write", *(f"{r['job_seconds']:.1f} s" for r in both)],
            ["counts", *(str(r["counts"]) for r in both)],
            ["peak memory of the process", *(f"{r['peak_mb']:.0f} MB" for r in both)],
            ["CPU seconds (process, cumulative)", *(f"{r['cpu_seconds']:.1f} s" for r in both)],
        ],  # fmt: skip
        [f"Django loaded: {result['baseline_mb']:.0f} MB. Ignored columns reported: "
         f"{'、'.join(first['ignored'])}."],
    )  # fmt: skip
    ok = first["status"] == again["status"] == "done" and first["counts"]["create"] == rows
    report.check(f"roster import: {rows} rows imported, then unchanged", ok, str(first["counts"]))
    report.check(
        f"roster import: {rows} rows checked for the preview within {MAX_IMPORT_SECONDS} s",
        max(r["check_seconds"] for r in both) <= MAX_IMPORT_SECONDS,
        " / ".join(f"{r['check_seconds']:.1f} s" for r in both) + " (new / unchanged)",
        speed=True,
    )
    report.check(
        f"roster import: {rows} rows by the job within {MAX_IMPORT_SECONDS} s",
        max(r["job_seconds"] for r in both) <= MAX_IMPORT_SECONDS,
        " / ".join(f"{r['job_seconds']:.1f} s" for r in both) + " (new / unchanged)",
        speed=True,
    )
    peak = max(first["peak_mb"], again["peak_mb"])
    report.check(
        f"roster import: peak memory ≤ {MAX_IMPORT_MB} MB", peak <= MAX_IMPORT_MB, f"{peak:.0f} MB"
    )


STAGES = ("pages", "signups", "reminders", "ballots", "welfare", "roster_import")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=None, help="data set size (1.0: full)")
    parser.add_argument("--smoke", action="store_true", help="tiny run, correctness only")
    parser.add_argument("--rounds", type=int, default=None, help="requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--processes", type=int, default=8, help="sign-up client processes")
    parser.add_argument("--ballots", type=int, default=None, help="members voting at once")
    parser.add_argument("--ballot-processes", type=int, default=4, help="vote worker processes")
    parser.add_argument("--ballot-threads", type=int, default=4, help="threads per vote worker")
    parser.add_argument("--welfare", type=int, default=None, help="members choosing at once")
    parser.add_argument(
        "--only", action="append", choices=STAGES,
        help="run this stage only (repeatable; the data set is built in any case)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the databases and temp files")
    parser.add_argument(
        "--output",
        help="markdown results (default bench/results.md, bench/results-smoke.md with --smoke)",
    )
    args = parser.parse_args(argv)
    if args.scale is None:
        args.scale = 0.01 if args.smoke else 1.0
    if args.rounds is None:
        args.rounds = 20 if args.smoke else 50
    if args.ballots is None:
        args.ballots = 100 if args.smoke else BALLOTS_PER_MINUTE
    if args.welfare is None:
        args.welfare = 50 if args.smoke else WELFARE_MEMBERS
    stages = set(args.only or STAGES)
    if args.output is None:
        args.output = str(ROOT / "bench" / ("results-smoke.md" if args.smoke else "results.md"))

    tmp = Path(tempfile.mkdtemp(prefix="union-portal-bench-"))
    (tmp / "static").mkdir()
    env = environment(tmp, DB_NAME)
    os.environ.update(env)
    import django

    django.setup()
    import redis

    from bench import dataset, db
    from bench.pages import check_case_detail_pair
    from bench.web import Gunicorn, sign_in

    if args.smoke:
        sizes = dataset.Sizes.at(args.scale, signups=50, seats=10, reminders=200)
    else:
        sizes = dataset.Sizes.at(args.scale, signups=500, seats=100, reminders=10_000)
    ref_sizes = dataset.Sizes.at(REF_SCALE, signups=0, seats=1, reminders=0)
    report = Report(args.smoke)
    started = time.perf_counter()
    server = None
    error = None
    try:
        # The run's own Redis databases: no task left over from an earlier run.
        for number in (BROKER_DB, CACHE_DB):
            redis.Redis(port=int(REDIS_PORT), db=number).flushdb()
        fixture, _ = build(report, args, sizes, ref_sizes, tmp, env)
        if stages & {"pages", "signups"}:
            server = Gunicorn(env, args.workers, tmp / "gunicorn.log").start()
        if "pages" in stages:
            counts = query_counts(tmp, "fixture", DB_NAME)
            ref_counts = query_counts(tmp, "ref_fixture", REF_DB_NAME)
            clients = {
                role: sign_in(server.port, fixture["emails"][role], fixture["password"])
                for role in fixture["users"]
            }
            workers = server.worker_rss()
            samples = time_pages(report, args, server.port, fixture, counts, ref_counts, clients)
            check_case_detail_pair(report, samples)
            worker_memory(report, server, workers)
            weigh_pages(report, server.port, clients["member"].cookies["sessionid"])
        if "signups" in stages:
            sign_up_race(report, args, server, fixture)
        if server:
            server.stop()
            server = None
        if "reminders" in stages:
            reminder_batches(report, args, tmp, env, fixture)
        # Last: they move their members into branches of their own.
        if "ballots" in stages:
            ballots_per_minute(report, args, env, fixture)
        if "welfare" in stages:
            welfare_choices(report, args, env, fixture)
        if "roster_import" in stages:
            roster_import(report, args, env)
    except Exception as exc:  # report what was measured, then fail
        traceback.print_exc()
        error = exc
        report.check("the benchmark ran to the end", False, repr(exc))
    finally:
        if server:
            server.stop()
        if not args.keep:
            for name in (DB_NAME, REF_DB_NAME):
                db.drop(name)
            shutil.rmtree(tmp / "static", ignore_errors=True)  # logs and outbox stay

    header = [
        f"`{' '.join(['bench/run.py', *sys.argv[1:]])}` on {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d %H:%M')}, {time.perf_counter() - started:.0f} s in all. "
        "One run: timings are noisy, read medians and ratios.",
    ]
    print(_text_table("Targets", ["target", "result", "figures"], report.summary_rows()))
    Path(args.output).write_text(report.markdown(header) + "\n", encoding="utf-8")
    print(f"\nResults written to {args.output}; temporary files in {tmp}")
    if report.failed or error:
        print(f"{len(report.failed)} target(s) missed.")
        return 1
    print("Every target met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
