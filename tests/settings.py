"""The portal's settings with what tests need: their own Redis database (so a
running demo worker never takes a test's task), the in-memory outbox and
fast password hashing."""

import os

os.environ.setdefault("PORTAL_MANIFEST_STATIC", "0")

from union_portal.settings import *  # noqa: E402,F403
from union_portal.settings import REDIS_PORT  # noqa: E402

REDIS_URL = os.environ.get("TEST_REDIS_URL", f"redis://127.0.0.1:{REDIS_PORT}/15")
CELERY_BROKER_URL = REDIS_URL
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
DEBUG = False
# Static files come straight from the app folders (no collectstatic in tests).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Lets two test runs share one PostgreSQL server (e.g. a developer and a helper).
DATABASES["default"]["TEST"] = {  # noqa: F405
    "NAME": os.environ.get("TEST_DATABASE_NAME", "test_union_portal")
}
# Live-server and worker threads must not keep connections that block the
# test database's teardown.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
CACHES = {
    "default": {
        "BACKEND": "union_portal.core.security.ForgivingRedisCache",
        "LOCATION": os.environ.get("TEST_CACHE_URL", f"redis://127.0.0.1:{REDIS_PORT}/14"),
    }
}
PRIVATE_MEDIA_ROOT = BASE_DIR / ".services" / "test-private"  # noqa: F405
STORAGES["private"]["OPTIONS"]["location"] = PRIVATE_MEDIA_ROOT  # noqa: F405
# Tests change what /healthz checks between calls: every call runs its checks.
PORTAL_HEALTHZ_CACHE_SECONDS = 0
