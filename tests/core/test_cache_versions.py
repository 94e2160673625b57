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
