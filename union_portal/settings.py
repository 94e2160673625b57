"""One settings module, driven by environment variables (defaults suit `make demo`)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from union_portal.core.observability import init_sentry, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PG_PORT = os.environ.get("PORTAL_PG_PORT", "55432")
REDIS_PORT = os.environ.get("PORTAL_REDIS_PORT", "56379")

# The project's own PostgreSQL, Redis, logs and generated secrets (ignored by git).
SERVICES_DIR = Path(os.environ.get("PORTAL_SERVICES_DIR", BASE_DIR / ".services"))


def _secret_key() -> str:
    """DJANGO_SECRET_KEY, or else a random key made on the first run and kept in
    SERVICES_DIR/secret_key (mode 0600) for every later run and process. Never a
    key written in the repository, which anyone could use to forge signatures."""
    key = os.environ.get("DJANGO_SECRET_KEY", "").strip()
    if key:
        return key
    path = SERVICES_DIR / "secret_key"
    if not path.exists():
        SERVICES_DIR.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: a process starting at the same
        # moment reads either no file or the whole key, never half of it.
        draft = path.with_name(f"secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as draft_file:
            draft_file.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    if len(key) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable key: delete it to make a new one.")
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "health_check",
    "django_cas_ng",
    "crispy_forms",
    "crispy_bootstrap5",
    "union_portal.core",
    "members",
    "events",
    "grievances",
    "notices",
    "awards",
    "participation",
    "care",
    "annual_report",
]

MIDDLEWARE = [
    # First: its one JSON line per request times everything below it.
    "union_portal.core.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "union_portal.core.middleware.PortalLocaleMiddleware",
    "union_portal.core.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "union_portal.core.security.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "union_portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "union_portal.core.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "union_portal.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"postgres://union_portal@127.0.0.1:{PG_PORT}/union_portal"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    # Campus sign-on (统一身份认证): a CAS ticket, checked against the roster.
    "members.cas.RosterCASBackend",
]

# Internationalisation: Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# locale/ is ours (rebuilt by `make messages`); locale_overrides/ rewords the
# libraries' own strings. Both come before any library's catalogue.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_overrides"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".services" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("PORTAL_MANIFEST_STATIC", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("PORTAL_MEDIA_ROOT", BASE_DIR / ".services" / "media"))
# Uploaded case files: outside the web root, served only by views that check access.
PRIVATE_MEDIA_ROOT = Path(
    os.environ.get("PORTAL_PRIVATE_MEDIA_ROOT", BASE_DIR / ".services" / "private")
)
STORAGES["private"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    # Never readable by other users (nginx passes through .services/ to the static
    # files), whatever the umask of the process that writes first.
    "OPTIONS": {
        "location": PRIVATE_MEDIA_ROOT,
        "file_permissions_mode": 0o640,
        "directory_permissions_mode": 0o750,
    },
}

# Sign-in: email only, verified, sign-up limited to the roster (members.adapters).
SITE_NAME = _("Union Portal")
LOGIN_REDIRECT_URL = "core:home"
LOGIN_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "members.adapters.RosterAccountAdapter"
ACCOUNT_FORMS = {"signup": "members.accounts.RosterSignupForm"}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# The address is told of every password change or reset and address change, so
# an owner learns at once when someone else got into the account.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[工会] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = os.environ.get("PORTAL_HTTP_PROTOCOL", "http")
# The number of proxies of our own (nginx…) in front of the app servers. 0: the
# visitor is REMOTE_ADDR and X-Forwarded-For is ignored, as anyone can send it;
# n: the address the n-th proxy from the right of X-Forwarded-For saw. Used by
# every rate limit (union_portal.core.ratelimit.client_ip, allauth's too).
PORTAL_TRUSTED_PROXY_COUNT = int(os.environ.get("PORTAL_TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = PORTAL_TRUSTED_PROXY_COUNT
# Throttling of guessing and flooding (counters in the Redis cache).
# Failed sign-ins count per address and per (account, address): a stranger's
# wrong passwords never lock the member out at their own address
# (members.adapters keys the "key" limit on both).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/h/ip,5/h/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}

# Email: SMTP as soon as a host is configured; otherwise one file per message in
# the ignored .services/mail folder. Never the console: a worker's log would then
# carry every recipient beside the case they are told of.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = os.environ.get(
        "EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
    )
    EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / ".services" / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "union-portal@localhost")

CACHES = {
    "default": {
        "BACKEND": "union_portal.core.security.ForgivingRedisCache",
        "LOCATION": os.environ.get("CACHE_URL", f"redis://127.0.0.1:{REDIS_PORT}/1"),
        # Fail fast when Redis is down: the cache only holds rate-limit counters.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

# Sessions read from the cache, written through to the database: one query less
# on every signed-in page, and nothing lost when Redis is down.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Messages live in a signed cookie only: the default falls back to the session when
# the cookie overflows, and a step on an anonymous case must never write there.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery on Redis.
REDIS_URL = os.environ.get("REDIS_URL", f"redis://127.0.0.1:{REDIS_PORT}/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "send-pending-notification-emails": {
        "task": "core.send_pending_notification_emails",
        "schedule": crontab(minute="*/5"),
    },
    "event-reminders": {"task": "events.send_reminders", "schedule": crontab(minute="*/10")},
    "grievance-escalations": {
        "task": "grievances.escalate_overdue",
        "schedule": crontab(minute=5),
    },
    "grievance-reminders": {"task": "grievances.send_reminders", "schedule": crontab(minute=15)},
    "notice-periods": {"task": "notices.close_periods", "schedule": crontab(minute=20)},
    "proposal-escalations": {
        "task": "participation.escalate_overdue",
        "schedule": crontab(minute=25),
    },
    "proposal-reminders": {"task": "participation.send_reminders", "schedule": crontab(minute=35)},
    "event-missed-waitlist": {
        "task": "events.notify_missed_waitlist",
        "schedule": crontab(minute="*/10"),
    },
    "clear-expired-sessions": {
        "task": "core.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=40),
    },
}
# From 1 December the administrators are emailed once a week (the task runs daily,
# keyed per ISO week) until next year's holiday schedule is entered.
CELERY_BEAT_SCHEDULE["calendar-schedule-reminder"] = {
    "task": "core.calendar_schedule_remind",
    "schedule": crontab(hour=9, minute=50),
}
# Polls: members are told once when a poll they may answer opens.
CELERY_BEAT_SCHEDULE["poll-openings"] = {
    "task": "participation.announce_poll_openings",
    "schedule": crontab(minute="*/5"),
}
# A notification whose email is still unsent after this long is picked up again.
NOTIFICATION_EMAIL_RETRY_AFTER = timedelta(
    seconds=int(os.environ.get("NOTIFICATION_EMAIL_RETRY_AFTER_SECONDS", "600"))
)
# Reminder batches send their emails this many to a task, through one SMTP
# connection; the batch's rows are locked while it is handed to the server.
NOTIFICATION_EMAIL_BATCH = int(os.environ.get("NOTIFICATION_EMAIL_BATCH", "200"))
# A failed send (SMTP down) is retried after up to this many seconds, doubling
# (with jitter) for each of its 5 retries; the sweep above catches the rest.
NOTIFICATION_EMAIL_RETRY_BACKOFF_SECONDS = int(
    os.environ.get("NOTIFICATION_EMAIL_RETRY_BACKOFF_SECONDS", "30")
)

# /healthz runs its checks at most once per this many seconds per app server
# process (the page is public; a round takes seconds while the broker is down).
PORTAL_HEALTHZ_CACHE_SECONDS = int(os.environ.get("PORTAL_HEALTHZ_CACHE_SECONDS", "10"))
# /healthz wants next year's holiday schedule entered from this (month, day) on.
PORTAL_CALENDAR_NEXT_YEAR_FROM = (12, 1)

# Grievance clocks, in working days of the official calendar.
GRIEVANCE_ACK_WORKING_DAYS = int(os.environ.get("GRIEVANCE_ACK_WORKING_DAYS", "3"))
GRIEVANCE_RESOLVE_WORKING_DAYS = int(os.environ.get("GRIEVANCE_RESOLVE_WORKING_DAYS", "15"))
# Time the chair or the university union has after an escalation or appeal.
GRIEVANCE_ESCALATION_WORKING_DAYS = 5
GRIEVANCE_REOPEN_WORKING_DAYS = 10
# The working day's hours (local time): the dashboard counts waiting time in these
# hours of the calendar's working days.
WORKING_HOURS = (9, 18)
# Reminders go out between these local hours on working days, never at night.
GRIEVANCE_REMINDER_HOURS = WORKING_HOURS
GRIEVANCE_ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
GRIEVANCE_ATTACHMENT_MAX_FILES = 3
# The case page shows this many history entries, the latest first; older ones
# are on pages of their own.
GRIEVANCE_HISTORY_PER_PAGE = 20
# An anonymous case is followed from the browser that filed it or entered its
# receipt code: a cookie of its own (HttpOnly, SameSite=Lax, Secure in production,
# gone when the browser closes) holds a hash of the code per case, never the
# session of an account.
GRIEVANCE_FOLLOW_COOKIE = "grievance_follow"
GRIEVANCE_FOLLOW_MAX_CASES = 10
# Cookies that make every response to their browser private, no-store.
PORTAL_PRIVATE_COOKIES = [GRIEVANCE_FOLLOW_COOKIE]
# Receipt-code look-ups allowed per visitor (IP address) in ten minutes.
GRIEVANCE_RECEIPT_LOOKUPS_PER_10_MIN = 10

# Notices: the objection period after publishing, in working days.
NOTICE_OBJECTION_WORKING_DAYS = 5
NOTICE_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
NOTICE_ATTACHMENT_MAX_FILES = 5

# Shuttle seats: members who come from another campus than their venue's have
# first claim on a trip's seats until this many hours before it leaves; after
# that anyone registered may take a free seat.
PORTAL_SHUTTLE_PRIORITY_HOURS = int(os.environ.get("PORTAL_SHUTTLE_PRIORITY_HOURS", "48"))

# Every figure about people (counts, medians, percentiles) is withheld for groups
# smaller than this, on every page, chart and export (union_portal.core.small_groups).
PORTAL_MIN_GROUP_SIZE = 5

ROSTER_PAGE_SIZE = 25
ROSTER_IMPORT_MAX_BYTES = 5 * 1024 * 1024
# An upload never imported is deleted, with its kept file, after a day.
CELERY_BEAT_SCHEDULE["roster-import-cleanup"] = {
    "task": "members.forget_abandoned_roster_imports",
    "schedule": crontab(minute=50),
}
# Statutory retirement age by sex, for the officers' "retiring within 12 months" list.
RETIREMENT_AGE_MEN = int(os.environ.get("RETIREMENT_AGE_MEN", "60"))
RETIREMENT_AGE_WOMEN = int(os.environ.get("RETIREMENT_AGE_WOMEN", "55"))

# Production: PORTAL_PRODUCTION=1 behind HTTPS (`manage.py check --deploy` is clean).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Several app servers behind nginx: each one's name (e.g. "app-1"), sent back as
# X-Served-By (first in MIDDLEWARE, so every response has it). Unset: no header.
PORTAL_INSTANCE = os.environ.get("PORTAL_INSTANCE", "").strip()
if PORTAL_INSTANCE:
    MIDDLEWARE.insert(0, "union_portal.core.middleware.ServedByMiddleware")
PORTAL_PRODUCTION = env_bool("PORTAL_PRODUCTION")
if PORTAL_PRODUCTION:
    # A production server never shows tracebacks, and every app server signs
    # with the same key (a key made on one machine would log users out on another).
    if DEBUG:
        raise ImproperlyConfigured("PORTAL_PRODUCTION=1 needs DJANGO_DEBUG off.")
    if not os.environ.get("DJANGO_SECRET_KEY", "").strip():
        raise ImproperlyConfigured("PORTAL_PRODUCTION=1 needs DJANGO_SECRET_KEY set.")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # A monitor may ask an app server directly (http://127.0.0.1:8001/healthz).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# One JSON line per request and per Celery task on stdout (journald keeps them),
# warnings and errors too; see union_portal.core.observability.
LOGGING = logging_config(os.environ.get("LOG_LEVEL", "WARNING"))
# At DEBUG python-cas logs the CAS server's whole answer (attributes) and urllib3
# the validation URL (the ticket): never, whatever LOG_LEVEL says.
LOGGING.setdefault("loggers", {}).update(
    {"cas": {"level": "WARNING"}, "urllib3": {"level": "WARNING"}}
)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Errors to Sentry only when a DSN is set; never personal data.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
init_sentry(SENTRY_DSN, environment=os.environ.get("SENTRY_ENVIRONMENT", "production"))
PORTAL_BASE_URL = os.environ.get(
    "PORTAL_BASE_URL", "http://127.0.0.1:" + os.environ.get("PORTAL_HTTP_PORT", "8000")
)

# Campus sign-on (统一身份认证) through the university's CAS server, with
# django-cas-ng; off while PORTAL_CAS_SERVER_URL is empty. The CAS user name is
# the 工号: see members/cas.py and the README's "Campus sign-on (CAS)".
# The CAS server's base URL, e.g. https://cas.example.edu.cn/cas/ (its /login,
# /logout and /p3/serviceValidate are relative to it: hence the final slash).
CAS_SERVER_URL = os.environ.get("PORTAL_CAS_SERVER_URL", "").strip().rstrip("/") + "/"
CAS_SERVER_URL = CAS_SERVER_URL if CAS_SERVER_URL != "/" else None
CAS_VERSION = os.environ.get("PORTAL_CAS_VERSION", "3")
PORTAL_CAS_NAME_ATTRIBUTE = os.environ.get("PORTAL_CAS_NAME_ATTRIBUTE", "name")
PORTAL_CAS_EMAIL_ATTRIBUTE = os.environ.get("PORTAL_CAS_EMAIL_ATTRIBUTE", "email")
# Email and password sign-in stays unless switched off (only with CAS configured).
PORTAL_PASSWORD_SIGN_IN = env_bool("PORTAL_PASSWORD_SIGN_IN", True)
# Single sign-out: the portal's sign-out also signs out of the CAS server.
CAS_LOGOUT_COMPLETELY = env_bool("PORTAL_CAS_SINGLE_SIGN_OUT", True)
# The service URL sent to the CAS server is built on PORTAL_BASE_URL, never on
# the Host header of the request.
CAS_ROOT_PROXIED_AS = PORTAL_BASE_URL
CAS_REDIRECT_URL = "/"


def CAS_SESSION_FACTORY():  # noqa: N802 (a setting)
    """Requests to the CAS server time out (members.cas.TimeoutSession)."""
    from members.cas import TimeoutSession

    return TimeoutSession()


# After signing out: the home page. Unset, django-cas-ng would take `?next=` of
# the sign-out unchecked (another site, or the CAS logout's `service`).
CAS_LOGOUT_NEXT_PAGE = "/"
CAS_IGNORE_REFERER = True
CAS_CREATE_USER = False
# django-cas-ng's welcome messages name the user name; the portal says nothing.
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None

# 困难职工帮扶: an open hardship file with no visit, call or condolence for this many
# days reminds its responsible officer (on a working day, in working hours), and the
# branch's chair this many working days after that; a file past its review date
# reminds the officer once.
PORTAL_HARDSHIP_CONTACT_DAYS = int(os.environ.get("PORTAL_HARDSHIP_CONTACT_DAYS", "60"))
PORTAL_HARDSHIP_CHAIR_WORKING_DAYS = 10
# The fairness view counts a member in hardship as contacted within this many days.
PORTAL_HARDSHIP_CONTACTED_WITHIN_DAYS = 90
CELERY_BEAT_SCHEDULE["hardship-reminders"] = {
    "task": "care.hardship_send_reminders",
    "schedule": crontab(minute=45),
}
# 福利发放: after a handout's choice deadline the default goes to those who did
# not choose (once per handout).
CELERY_BEAT_SCHEDULE["welfare-defaults"] = {
    "task": "care.welfare_apply_defaults",
    "schedule": crontab(minute="*/10"),
}
