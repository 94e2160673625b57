"""Rate-limit counters and the visitor's address, for every limit of our own.

A counter lives in Redis: `add` creates it with its window as expiry (SET NX EX)
and `incr` counts (INCR keeps the expiry). Both are single Redis commands, so
thirty requests in parallel get thirty different counts and exactly `limit` of
them pass. The default cache forgives a Redis outage (a failed write is
skipped), which would let every request through: here the outage is raised as
`CounterUnavailable`, and the caller decides whether to refuse (fail closed).
"""

import ipaddress

from django.conf import settings
from django.core.cache import caches
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError

from .security import ForgivingRedisCache


class CounterUnavailable(Exception):
    """Redis could not keep the counter; the attempt was not counted."""


def client_ip(request) -> str:
    """The visitor's address. REMOTE_ADDR unless PORTAL_TRUSTED_PROXY_COUNT
    proxies of our own stand in front: then the address the outermost of them
    saw, counted from the right of X-Forwarded-For (the left part is whatever
    the visitor sent, so it is never believed)."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.PORTAL_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        # Not through all our proxies (or a misconfigured count): the peer it is.
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote


def _strict(backend):
    """The cache's own methods without the forgiveness: a counter must know
    when Redis is down."""
    if isinstance(backend, ForgivingRedisCache):
        return super(ForgivingRedisCache, backend)
    return backend


def counter_key(scope: str, ident: str) -> str:
    # The address or email is not written into Redis in clear.
    digest = salted_hmac("union_portal.ratelimit", f"{scope}:{ident}").hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


def hit(scope: str, ident: str, *, limit: int, window: int) -> bool:
    """Counts one attempt of `ident` (an address, an account) in `scope`; True
    while at most `limit` attempts were made in the `window` seconds since the
    first. Raises CounterUnavailable when Redis cannot count."""
    key = counter_key(scope, ident)
    strict = _strict(caches["default"])
    try:
        for _attempt in range(3):
            strict.add(key, 0, timeout=window)
            try:
                count = strict.incr(key)
            except ValueError:
                continue  # the window ended between add and incr: start a new one
            return count <= limit
    except RedisError as exc:
        raise CounterUnavailable(str(exc)) from exc
    raise CounterUnavailable("the counter kept expiring")
