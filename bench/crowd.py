"""A crowd pressing one button at once, through a service, for the benchmark's races
(ballots per minute, welfare choices).

`race` starts worker processes (`python -m bench.<stage> '<json job>'`); each worker
loads what it needs, calls `serve`, which starts its threads (each with its own
database connection), says "ready" on stdout, waits for "go" on stdin, lets every
thread act at once and prints the outcome as JSON; `race` lets all the workers go
together and merges their outcomes. Some members press twice: see `with_second_presses`.
"""

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TWICE_EVERY = 20  # one member in 20 presses twice, two requests at the same moment


def spread(items: list, parts: int) -> list[list]:
    """Deals the items out to `parts` workers or threads, round robin."""
    return [items[p::parts] for p in range(parts)]


def presses_twice(pk: int) -> bool:
    return pk % TWICE_EVERY == 0


def with_second_presses(items: list, pk_of) -> list:
    """The attempts: one per item, two side by side for a member who presses twice,
    so that `spread` gives the two presses to two threads at the same moment."""
    attempts = []
    for item in items:
        attempts += [item] * (2 if presses_twice(pk_of(item)) else 1)
    return attempts


def serve(attempts: list, threads: int, act, keys) -> None:
    """In a worker process: `act(attempt, outcome)` for each attempt, spread over
    threads, all starting at "go"; `outcome` holds a list per key (appending is
    thread-safe). Messages are read in English, as the services' tests read them."""
    from django.db import connection
    from django.utils import translation

    connection.close()  # each thread opens its own
    outcome = {key: [] for key in keys}
    go = threading.Event()

    def run(mine):
        go.wait()
        translation.activate("en")
        try:
            for attempt in mine:
                act(attempt, outcome)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(m,)) for m in spread(attempts, threads)]
    for thread in workers:
        thread.start()
    print("ready", flush=True)
    sys.stdin.readline()
    outcome["started"] = time.time()
    go.set()
    for thread in workers:
        thread.join()
    outcome["finished"] = time.time()
    print(json.dumps(outcome), flush=True)


def race(env: dict, module: str, jobs: list[dict]) -> dict:
    """Starts one worker per job, lets them all go at once, returns their outcomes
    merged (lists joined) with the wall time from the first start to the last finish."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", module, json.dumps(job)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for job in jobs
    ]
    for process in workers:
        line = process.stdout.readline().strip()
        assert line == "ready", f"a {module} worker did not start: {line!r}"
    for process in workers:
        process.stdin.write("go\n")
        process.stdin.flush()
    merged = {"started": [], "finished": []}
    for process in workers:
        out, _ = process.communicate(timeout=600)
        result = json.loads(out.strip().splitlines()[-1])
        for key, value in result.items():
            if key in ("started", "finished"):
                merged[key].append(value)
            else:
                merged.setdefault(key, []).extend(value)
    merged["wall"] = max(merged["finished"]) - min(merged["started"])
    return merged
