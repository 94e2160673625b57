"""Cached aggregates: recomputed after a write, and shown in the reader's language."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from union_portal.core import cache_versions


def _labels(calls):
    calls.append(1)
    return {"sections": [{"title": _("Total"), "figures": ({"label": _("Total"), "value": 3},)}]}


def test_a_cached_report_reads_in_each_language_it_is_asked_in(db):
    calls = []
    with translation.override("zh-hans"):
        chinese = cache_versions.cached("test-report", "k", lambda: _labels(calls))
        again = cache_versions.cached("test-report", "k", lambda: _labels(calls))
    with translation.override("en"):
        english = cache_versions.cached("test-report", "k", lambda: _labels(calls))
    assert chinese["sections"][0]["title"] == "合计"
    assert chinese["sections"][0]["figures"][0]["label"] == "合计"
    assert again == chinese and len(calls) == 2  # the second Chinese read was the cache's
    assert english["sections"][0]["title"] == "Total"
    # Stored as text: nothing lazy is pickled (unpickling lazy strings was the slow part).
    assert type(english["sections"][0]["figures"][0]["label"]) is str


def test_a_write_makes_the_next_read_compute_again(db, django_capture_on_commit_callbacks):
    calls = []
    cache_versions.cached("test-report", "k", lambda: _labels(calls))
    with django_capture_on_commit_callbacks(execute=True):
        cache_versions.bump("test-report")
    cache_versions.cached("test-report", "k", lambda: _labels(calls))
    assert len(calls) == 2


def test_a_lost_version_never_brings_back_what_a_process_kept(
    db, django_capture_on_commit_callbacks
):
    """Redis restarted empty: the notices' version starts again, at a number never
    used before, so a web process does not show what it kept in memory under it."""
    from django.core.cache import cache

    calls = []
    cache_versions.local_cached("test-local", "k", lambda: calls.append(1) or len(calls))
    with django_capture_on_commit_callbacks(execute=True):
        cache_versions.bump("test-local")
    kept = cache_versions.local_cached("test-local", "k", lambda: calls.append(1) or len(calls))
    assert kept == 2
    cache.delete("data-version:test-local")  # lost
    again = cache_versions.local_cached("test-local", "k", lambda: calls.append(1) or len(calls))
    assert again == 3 and len(calls) == 3
    cache.delete("data-version:test-local")
    with django_capture_on_commit_callbacks(execute=True):
        cache_versions.bump("test-local")  # a bump of a lost version starts it afresh too
    assert cache_versions.local_cached("test-local", "k", lambda: calls.append(1) or 9) == 9
