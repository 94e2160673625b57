"""What production operators see: one JSON line per request and per task on
stdout, a request id carried from nginx through the tasks a request queues, and
errors to Sentry when SENTRY_DSN is set.

Nothing private goes into a line: no query string (receipt codes, tokens), no
secret path segment (feed tokens, reset and confirmation keys), no name or
email (only the user's id)."""

import contextvars
import logging
import re
import time
import uuid

from celery import signals as celery_signals

request_log = logging.getLogger("union_portal.requests")
task_log = logging.getLogger("union_portal.tasks")

# The id of the request (or task) being handled in this thread / context.
current_request_id = contextvars.ContextVar("request_id", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from nginx: its $request_id is 32 hex digits; anything longer
# or with other characters (a forged header meant to break the log) is replaced.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# URL arguments that are secrets: a feed's token, a file's token, allauth's keys.
SECRET_URL_KWARGS = frozenset({"token", "key", "uidb36"})


def new_request_id() -> str:
    return uuid.uuid4().hex


def incoming_request_id(value) -> str:
    return value if value and _REQUEST_ID_RE.match(value) else new_request_id()


def loggable_path(request) -> str:
    """The path without its query string, and without secret URL arguments."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_URL_KWARGS and value:
                path = path.replace(str(value), f"<{name}>")
    return path


def _follows_an_anonymous_case(request, response):
    """The browser carries (or is given) an anonymous case's follow cookie."""
    from django.conf import settings

    names = settings.PORTAL_PRIVATE_COOKIES
    return any(name in request.COOKIES for name in names) or any(
        name in response.cookies for name in names
    )


class RequestLogMiddleware:
    """First in MIDDLEWARE: times the whole request and writes its one line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = current_request_id.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            user = getattr(request, "user", None)
            if _follows_an_anonymous_case(request, response):
                user = None  # the line must not tie an account to an anonymous case
            request_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": loggable_path(request),
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            current_request_id.reset(token)


# Celery: the request id travels in the task message's headers.
_task_started = {}


@celery_signals.before_task_publish.connect(weak=False)
def _stamp_request_id(headers=None, **kwargs):
    request_id = current_request_id.get()
    if headers is not None and request_id and "request_id" not in headers:
        headers["request_id"] = request_id


@celery_signals.task_prerun.connect(weak=False)
def _task_started_at(task_id=None, task=None, **kwargs):
    request_id = getattr(task.request, "request_id", None) or new_request_id()
    token = current_request_id.set(request_id)
    _task_started[task_id] = (time.monotonic(), token, request_id)


@celery_signals.task_postrun.connect(weak=False)
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    started, token, request_id = _task_started.pop(task_id, (None, None, None))
    if started is None:
        return
    task_log.info(
        "task",
        extra={
            "request_id": request_id,
            "task": task.name,
            "task_id": task_id,
            "state": state,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        },
    )
    try:
        current_request_id.reset(token)
    except ValueError:  # set in another context (eager tasks inside a request)
        pass


@celery_signals.setup_logging.connect(weak=False)
def _keep_django_logging(**kwargs):
    """The worker keeps the LOGGING of the settings (JSON lines on stdout)
    instead of installing Celery's own text format."""


class RequestIdFilter(logging.Filter):
    """Every other line (warnings, errors) carries the current request id too."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            # django.request logs after the middleware returned: the request has it.
            request = getattr(record, "request", None)
            record.request_id = current_request_id.get() or getattr(request, "request_id", None)
        return True


def logging_config(level="WARNING"):
    """LOGGING for the settings: JSON lines on stdout, requests and tasks at INFO."""
    json_handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
        "formatter": "json",
        "filters": ["request_id"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "union_portal.core.observability.RequestIdFilter"}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(levelname)s %(name)s %(message)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",
                "json_ensure_ascii": False,
            }
        },
        "handlers": {"json": json_handler},
        "root": {"handlers": ["json"], "level": level},
        "loggers": {
            # The request line says it all; Django's own "Not Found: /x" would be a second line.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "ERROR"},
            # A failed check is in /healthz's answer; every poll need not log a traceback.
            "health_check": {"level": "ERROR"},
            "union_portal.requests": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "union_portal.tasks": {"handlers": ["json"], "level": "INFO", "propagate": False},
        },
    }


# Sentry: only with a DSN, never with personal data.
_SCRUBBED_HEADERS = {"cookie", "authorization", "x-csrftoken", "x-forwarded-for", "referer"}


def _loggable_url(url: str) -> str:
    """The URL without its query string, and without secret URL arguments."""
    from urllib.parse import urlsplit

    from django.urls import Resolver404, resolve

    url = url.split("?", 1)[0]
    path = urlsplit(url).path
    try:
        kwargs = resolve(path).kwargs
    except (Resolver404, ValueError):
        return url
    for name, value in kwargs.items():
        if name in SECRET_URL_KWARGS and value:
            url = url.replace(str(value), f"<{name}>")
    return url


def scrub_event(event, hint=None):
    """before_send: no request body, cookies, query string, identifying headers,
    secret path part, frame variables or breadcrumbs."""
    request = event.get("request")
    if isinstance(request, dict):
        for field in ("data", "cookies", "query_string", "env"):
            request.pop(field, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                name: value for name, value in headers.items()
                if name.lower() not in _SCRUBBED_HEADERS
            }  # fmt: skip
        if isinstance(request.get("url"), str):
            request["url"] = _loggable_url(request["url"])
    # Frames' local variables (a case's filer, a form's data) and breadcrumbs
    # (earlier log messages, SQL) are never sent.
    for value in (event.get("exception") or {}).get("values") or []:
        for frame in (value.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    event.pop("breadcrumbs", None)
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    return event


def init_sentry(dsn, *, environment="production", release=None):
    """Starts Sentry when a DSN is given; returns whether it did."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        max_breadcrumbs=0,
        before_send=scrub_event,
        environment=environment,
        release=release,
        traces_sample_rate=0,
    )
    return True
