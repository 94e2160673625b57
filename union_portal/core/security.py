"""Headers and a cache that keep the portal safe and standing."""

import logging
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Everything comes from the portal itself: no inline script or style, no CDN.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@lru_cache(maxsize=4)
def content_security_policy(cas_server_url) -> str:
    """The policy; with the campus sign-on (CAS) configured, the sign-out form
    may end at the CAS server's logout (a redirect after a form is form-action's)."""
    if not cas_server_url:
        return CONTENT_SECURITY_POLICY
    parts = urlsplit(cas_server_url)
    return CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}"
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy",
            content_security_policy(getattr(settings, "CAS_SERVER_URL", None)),
        )
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=()")
        return response


class ForgivingRedisCache(RedisCache):
    """The cache (rate-limit counters, sessions' copies, cached figures and pieces of
    pages): when Redis is down, pages must still serve, so a failed read is a miss
    and a failed write is skipped."""

    def _forgive(self, name, default, *args, **kwargs):
        try:
            return getattr(super(), name)(*args, **kwargs)
        except RedisError as exc:
            logger.warning("cache %s skipped: %s", name, exc)
            return default

    def get(self, key, default=None, version=None):
        return self._forgive("get", default, key, default, version)

    def set(self, key, value, timeout=None, version=None):
        return self._forgive("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=None, version=None):
        return self._forgive("add", True, key, value, timeout, version)

    def get_or_set(self, key, default, timeout=None, version=None):
        value = default() if callable(default) else default
        return self._forgive("get_or_set", value, key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._forgive("incr", delta, key, delta, version)

    def delete(self, key, version=None):
        return self._forgive("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._forgive("get_many", {}, keys, version)

    def set_many(self, data, timeout=None, version=None):
        return self._forgive("set_many", [], data, timeout, version)

    def has_key(self, key, version=None):
        return self._forgive("has_key", False, key, version)

    def touch(self, key, timeout=None, version=None):
        return self._forgive("touch", False, key, timeout, version)

    def delete_many(self, keys, version=None):
        return self._forgive("delete_many", None, keys, version)

    def clear(self):
        return self._forgive("clear", None)
