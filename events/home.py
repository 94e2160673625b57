"""The member's next events on the home page (union_portal.core.home)."""

from django.db.models import Min, Window
from django.urls import reverse
from django.utils.translation import gettext as _

from members.selectors import ROSTER_VERSION
from union_portal.core.home import MINE, Block, block, first_rows

from . import selectors
from .services import CACHE_VERSION


@block(10, versions=(CACHE_VERSION, ROSTER_VERSION))
def next_events(home):
    member = home.roles.member
    if member is None:
        return None
    registrations = selectors.next_registrations(member, now=home.now).annotate(
        first_end=Window(Min("event__ends_at"))  # then one of them leaves the block
    )
    rows, total = first_rows(registrations)
    return Block(
        key="next-events",
        title=_("Your next events"),
        template="events/_home_next_events.html",
        rows=rows,
        total=total,
        url=reverse("events:mine"),
        link_label=_("My events"),
        empty=_("You are not signed up for any event to come."),
        section=MINE,
        links=[(_("Find an event"), reverse("events:list"))],
        valid_until=rows[0].first_end if rows else None,
    )
