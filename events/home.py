"""The member's next events on the home page (union_portal.core.home)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from union_portal.core.home import MINE, Block, block, first_rows

from . import selectors


@block(10)
def next_events(home):
    member = home.roles.member
    if member is None:
        return None
    rows, total = first_rows(selectors.next_registrations(member, now=home.now))
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
    )
