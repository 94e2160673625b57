"""The home page: what matters now to whoever opens it (most open it from a
link in a group chat, on a phone).

Core knows no app: each app says what it adds in its own `home.py` (found at
start-up as admin.py files are, with `autodiscover_modules`), as functions
registered with `@block(order)`. Each takes the request's `Home` and returns a
`Block`, or None when the block is not for this user. A block reads its rows
through the app's selectors with one query (`first_rows`), so the page costs
the same whatever the size of the data. A block registered with `versions`
(cache_versions names bumped by the services that change what it shows) is
rendered once per change to them, per user, day and language, and kept until
the time its provider sets as `valid_until` (e.g. when a listed event ends).
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.db.models import Count, Window
from django.template.loader import render_to_string
from django.utils import timezone

from . import cache_versions
from .calendar import add_working_days
from .roles import Roles, roles_of

# Rows a block shows; the rest are behind its link to the full list.
HOME_ROWS = 5

WORK = "work"  # what waits on an officer, a chair or the liaison
MINE = "mine"  # what matters to the member themselves

_providers: list = []


def block(order: int, *, versions=(), reads=()):
    """Registers a home block provider; blocks are shown in this order. With
    `versions`, the block's HTML is cached until one of them is bumped. `reads`:
    cache_versions names whose current numbers the provider reads from
    `home.versions` (read with the others in one round trip), for what it keeps
    itself (e.g. in the process, with cache_versions.local_cached)."""

    def register(provider):
        provider.reads = tuple(reads)
        _providers.append((order, provider, tuple(versions)))
        return provider

    return register


@dataclass
class Block:
    key: str  # the block's data-testid is "home-<key>"
    title: str
    template: str  # the app's partial, which renders `block.rows`
    rows: list
    total: int
    url: str  # the full list
    link_label: str
    empty: str  # what the block says when nothing is there
    section: str = MINE
    links: list = field(default_factory=list)  # further (label, url) pairs
    html: str = ""  # the block rendered, when it is cached
    valid_until: object = None  # a cached block is rendered afresh from then on

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


@dataclass
class Home:
    user: object
    roles: Roles
    now: object
    versions: dict = field(default_factory=dict)  # cache_versions numbers read for the page

    @cached_property
    def today(self):
        return timezone.localdate(self.now)

    @cached_property
    def next_working_day(self):
        """Near a deadline: within 1 working day of the official calendar."""
        return add_working_days(self.today, 1)


def first_rows(queryset, n=HOME_ROWS):
    """The first `n` rows of `queryset` and how many there are in all, in one
    query (a window count is taken before the limit)."""
    rows = list(queryset.annotate(home_total=Window(Count("pk")))[:n])
    return rows, (rows[0].home_total if rows else 0)


def _discover():
    if not getattr(_discover, "done", False):
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("home")
        _discover.done = True


def home_blocks(user, now=None) -> dict:
    """{"work": [...], "mine": [...]}: the blocks for this user, in order."""
    _discover()
    sections = {WORK: [], MINE: []}
    if not getattr(user, "is_authenticated", False):
        return sections
    home = Home(user=user, roles=roles_of(user), now=now or timezone.now())
    providers = sorted(_providers, key=lambda entry: entry[0])
    # The cached blocks read in two round trips: their versions, then their HTML.
    versions = cache_versions.current_many(
        {name for _o, provider, names in providers for name in names + provider.reads}
    )
    home.versions = versions
    keys = {
        provider: cache_versions.versioned_key(
            names[0], _block_key(home, provider, names, versions), versions[names[0]]
        )
        for _order, provider, names in providers
        if names
    }
    stored = cache.get_many(list(keys.values())) if keys else {}
    for _order, provider, names in providers:
        if names:
            found = _cached_block(home, provider, names, stored.get(keys[provider]))
        else:
            found = provider(home)
        if found is not None:
            sections[found.section].append(found)
    return sections


def _block_key(home, provider, versions, current) -> str:
    """The provider's block's key under its first version (cache_versions.cached()),
    with the other versions in it; `current` holds them."""
    return ":".join(
        [f"home:{provider.__module__}.{provider.__name__}:{home.user.pk}:{home.today}"]
        + [f"{name}{current[name]}" for name in versions[1:]]
    )


def _cached_block(home, provider, versions, found):
    """The provider's block rendered (`html`), once per change to `versions`;
    `found` is what the cache held at the page's versions (None: not there)."""

    def render():
        found = provider(home)
        if found is not None:
            found.html = render_to_string("core/_home_block.html", {"block": found})
            found.rows = []  # in the HTML
        return found

    def key():  # at the versions now
        return _block_key(home, provider, versions, cache_versions.current_many(versions[1:]))

    if found is None:
        found = cache_versions.cached(versions[0], key(), render)
    if found is not None and found.valid_until is not None and home.now >= found.valid_until:
        cache_versions.bump(versions[0], at_once=True)  # its rows have changed since
        found = cache_versions.cached(versions[0], key(), render)
    return found
