"""/healthz: is every part the portal needs working? For nginx, a load balancer
or a monitor. Built on django-health-check's probes; the answer names each
check and says ok or failed, nothing else (no host, port, password, version or
error text: the page is public)."""

import asyncio
import dataclasses
import datetime
import time

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient


@dataclasses.dataclass
class WorkingDayCalendar(HealthCheck):
    """This year's official holiday schedule is entered, and next year's once the
    State Council has published it (from PORTAL_CALENDAR_NEXT_YEAR_FROM, 1 December):
    without it every deadline of the new year counts Monday to Friday."""

    def run(self):
        from union_portal.core.models import CalendarYear

        today = timezone.localdate()
        month, day = settings.PORTAL_CALENDAR_NEXT_YEAR_FROM
        needed = {today.year}
        if today >= datetime.date(today.year, month, day):
            needed.add(today.year + 1)
        present = set(CalendarYear.objects.filter(year__in=needed).values_list("year", flat=True))
        if needed - present:
            raise ServiceUnavailable("calendar year missing")


def _broker_client():
    from union_portal.celery import app

    return RedisClient.from_url(app.conf.broker_url, socket_connect_timeout=1, socket_timeout=1)


def portal_checks():
    """(name, check) pairs: the names are what /healthz shows."""
    from union_portal.celery import app

    return [
        ("database", Database()),
        ("cache", Cache()),
        ("broker", Redis(client_factory=_broker_client)),
        ("celery_worker", Ping(app=app, timeout=datetime.timedelta(seconds=2), limit=1)),
        ("calendar", WorkingDayCalendar()),
    ]


# This process's last answer: (when it was finished, its checks). The page is
# public and a failing broker or worker makes one round of checks take seconds
# in a sync app server: a round is run at most once per
# PORTAL_HEALTHZ_CACHE_SECONDS per process, whoever polls.
_last_round = (None, None)


class HealthzView(HealthCheckView):
    """200 {"status": "ok", ...} when every check passes, else 503 naming the
    failed checks. JSON only, never cached by browsers or proxies."""

    async def _checks(self):
        global _last_round
        finished, checks = _last_round
        keep = settings.PORTAL_HEALTHZ_CACHE_SECONDS
        if checks is not None and keep > 0 and time.monotonic() - finished < keep:
            return checks
        named = portal_checks()
        with self.get_executor() as executor:
            results = await asyncio.gather(*(check.get_result(executor) for _, check in named))
        checks = {
            name: "failed" if result.error else "ok"
            for (name, _), result in zip(named, results, strict=True)
        }
        _last_round = (time.monotonic(), checks)
        return checks

    async def get(self, request, *args, **kwargs):
        checks = await self._checks()
        healthy = all(state == "ok" for state in checks.values())
        response = JsonResponse(
            {"status": "ok" if healthy else "unavailable", "checks": checks},
            status=200 if healthy else 503,
        )
        # The request's own line says 503; Django's "Service Unavailable" error line
        # on every poll of a monitor would only bury real errors.
        response._has_been_logged = True
        return response


healthz = HealthzView.as_view()
