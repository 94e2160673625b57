"""Cached aggregates are keyed by a version number that every write bumps, so a
page never shows figures older than the last change (and at most TTL old)."""

from django.core.cache import cache
from django.db import transaction


def current(name: str) -> int:
    return cache.get_or_set(f"data-version:{name}", 1, timeout=None) or 1


def bump(name: str) -> None:
    def run():
        try:
            cache.incr(f"data-version:{name}")
        except ValueError:  # not set yet (or evicted): any new value will do
            cache.set(f"data-version:{name}", 2, timeout=None)

    transaction.on_commit(run, robust=True)


def cached(name: str, key: str, compute, timeout=300):
    """compute() once per data version and key; recomputed after any bump."""
    full_key = f"{name}:{current(name)}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, timeout)
    return value
