"""Cached aggregates are keyed by a version number that every write bumps, so a
page never shows figures older than the last change (and at most TTL old)."""

import threading
import time

from django.core.cache import cache
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import get_language


def _unused_version() -> int:
    """Where a version starts, or starts again when its key is lost (Redis restarted
    empty, or down): the clock in microseconds, never a number used before, so a
    process never takes what it kept in memory (local_cached) under an old number
    for the data as it is now. Bumps count up from there."""
    return time.time_ns() // 1000


def current(name: str) -> int:
    return cache.get_or_set(f"data-version:{name}", _unused_version, timeout=None)


def current_many(names) -> dict:
    """{name: current(name)} for several names in one round trip (a page reading
    several cached pieces)."""
    keys = {f"data-version:{name}": name for name in names}
    found = cache.get_many(list(keys)) if keys else {}
    return {name: found.get(key) or current(name) for key, name in keys.items()}


def bump(name: str, *, at_once: bool = False) -> None:
    """A new version once the transaction commits. `at_once`: also now, so that
    reads later in the same transaction (a test's, a service's) see the change;
    the bump on commit then drops whatever others cached in between."""

    def run():
        try:
            cache.incr(f"data-version:{name}")
        except ValueError:  # not set yet (or lost): a number never used before
            cache.set(f"data-version:{name}", _unused_version(), timeout=None)

    if at_once:
        run()
    transaction.on_commit(run, robust=True)


def cached(name: str, key: str, compute, timeout=300, *, version: int | None = None):
    """compute() once per data version, key and language; recomputed after any bump.

    Lazy translations in the value are stored as the text of the active language:
    unpickling a lazy string rebuilds its proxy class, and the university report's
    3 000 labels took two thirds of its time to read back that way.
    `version`: current(name) as the caller read it already (one read for a page's
    several pieces)."""
    full_key = versioned_key(name, key, version)
    value = cache.get(full_key)
    if value is None:
        value = as_text(compute())
        cache.set(full_key, value, timeout)
    return value


def versioned_key(name: str, key: str, version: int | None = None) -> str:
    """The cache key cached() stores `key` of `name` under (at `version`, read with
    current_many(); else the current one), in the active language."""
    return f"{name}:{current(name) if version is None else version}:{get_language()}:{key}"


def as_text(value):
    """`value` with every lazy string inside its dicts, lists and tuples made text."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {as_text(k): as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(as_text(v) for v in value)
    return value


def fragment_key(request, *parts) -> str:
    """The key of a cached piece of a page (`{% cache %}`) that depends on nothing
    but the language, the query string and `parts`: the versions of the data it
    shows and whose view it is (branch ids). One key, so no view forgets one."""
    return ":".join([get_language() or "", request.GET.urlencode(), *map(str, parts)])


_local: dict = {}
_local_lock = threading.Lock()
LOCAL_MAX_ENTRIES = 512


def local_cached(name: str, key: str, compute, timeout=300, *, version: int | None = None):
    """cached(), but kept in this process's memory, not in Redis: for what no
    promise lets us store there (a members-only notice's rows). Only the version
    number is read from Redis, so a bump (in any process) is seen at once; at
    most LOCAL_MAX_ENTRIES values are kept (the oldest dropped first). The value
    is shared by the process's threads: callers never change it."""
    full_key = versioned_key(name, key, version)
    now = time.monotonic()
    found = _local.get(full_key)
    if found is not None and found[0] > now:
        return found[1]
    value = compute()
    with _local_lock:
        _local.pop(full_key, None)
        while len(_local) >= LOCAL_MAX_ENTRIES:
            _local.pop(next(iter(_local)))
        _local[full_key] = (now + timeout, value)
    return value


def clear_local() -> None:
    """Forgets what local_cached() kept (the tests clear Redis between tests)."""
    with _local_lock:
        _local.clear()
