"""/healthz: 200 when the database, the cache, the broker, a Celery worker and
the working-day calendar are all there; 503 naming what failed otherwise, and
never a host, port, password, version or error text."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from tests.hardening.test_faults import OwnRedis, point_celery_at
from union_portal.celery import app
from union_portal.core.models import CalendarYear

CHECKS = {"database", "cache", "broker", "celery_worker", "calendar"}
PRIVATE = ("127.0.0.1", "localhost", "redis://", "postgres", "5543", "5637", "Traceback",
           "password", "union_portal@", "Error", "version")  # fmt: skip


@pytest.fixture
def calendar_years(transactional_db, settings):
    """This year's and next year's schedules, next year's required from 1 January."""
    settings.PORTAL_CALENDAR_NEXT_YEAR_FROM = (1, 1)
    year = timezone.localdate().year
    for y in (year, year + 1):
        CalendarYear.objects.get_or_create(year=y, defaults={"source": "test"})
    return year


def _read(client):
    # The view is async and the test client runs it through async_to_sync, which
    # refuses a thread whose event loop is running: the browser tests' Playwright
    # leaves one in this thread. An app server's thread has none: ask from a fresh one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        response = pool.submit(client.get, "/healthz").result()
    body = response.content.decode()
    for word in PRIVATE:
        assert word not in body, word
    return response.status_code, json.loads(body)


def test_all_checks_pass_with_a_worker_running(client, calendar_years, celery_worker):
    status, body = _read(client)
    assert status == 200
    assert body == {"status": "ok", "checks": dict.fromkeys(CHECKS, "ok")}


def test_a_missing_calendar_year_is_503_naming_the_calendar(client, calendar_years, celery_worker):
    CalendarYear.objects.filter(year=calendar_years + 1).delete()
    status, body = _read(client)
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"] == {**dict.fromkeys(CHECKS, "ok"), "calendar": "failed"}


def test_next_years_calendar_is_only_wanted_from_december(client, calendar_years, settings):
    CalendarYear.objects.filter(year=calendar_years + 1).delete()
    settings.PORTAL_CALENDAR_NEXT_YEAR_FROM = (12, 31)
    if timezone.localdate() >= timezone.localdate().replace(month=12, day=31):
        pytest.skip("on 31 December next year's calendar is due")
    _, body = _read(client)
    assert body["checks"]["calendar"] == "ok"


def test_redis_stopped_is_503_naming_cache_broker_and_worker(client, calendar_years, settings):
    redis = OwnRedis()
    redis.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "union_portal.core.security.ForgivingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis.port}/1",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    original = app.conf.broker_url
    point_celery_at(redis.url)
    try:
        redis.stop()
        status, body = _read(client)
    finally:
        point_celery_at(original)
    assert status == 503
    assert body["checks"] == {
        "database": "ok", "cache": "failed", "broker": "failed", "celery_worker": "failed",
        "calendar": "ok",
    }  # fmt: skip


def test_polling_healthz_with_no_worker_does_not_hold_an_app_server_on_every_call(
    client, calendar_years, settings
):
    """/healthz is public: with no Celery worker answering, each call would wait
    for the ping's timeout (2 s) in a sync gunicorn worker, so a few strangers
    polling it in a loop would take every app server. The answer is kept for
    PORTAL_HEALTHZ_CACHE_SECONDS (off for the other tests, whose state changes)."""
    import time

    settings.PORTAL_HEALTHZ_CACHE_SECONDS = 5
    original = app.conf.broker_url
    point_celery_at("redis://127.0.0.1:9/0")  # nobody there: the worker's ping fails
    try:
        first, body = _read(client)
        started = time.monotonic()
        for _ in range(5):
            again, _body = _read(client)
            assert (again, _body) == (first, body)
        assert time.monotonic() - started < 1.0
    finally:
        point_celery_at(original)
    assert first == 503 and body["checks"]["celery_worker"] == "failed"
