"""Who may see and run events; object checks built on core.roles."""

from django.http import Http404

from union_portal.core.roles import can, require_action, roles_of

from .models import Event
from .selectors import events_visible_to

events_manager_required = require_action("events.manage")
report_required = require_action("events.report")


def get_event_for_viewer(user, pk) -> Event:
    """An event the user may see: 404 otherwise, without saying it exists."""
    event = events_visible_to(user).select_related("branch").filter(pk=pk).first()
    if event is None:
        raise Http404
    return event


def may_sign_up(user, event) -> bool:
    """A member joins their branch's events and those open to all; the liaison
    sees every branch's events but joins only those."""
    member = roles_of(user).member
    return member is not None and (
        event.open_to_all_branches or event.branch_id == member.branch_id
    )


def get_event_for_editor(user, pk) -> Event:
    event = Event.objects.select_related("branch").filter(pk=pk).first()
    if event is None or not can(user, "events.manage", event.branch_id):
        raise Http404
    return event


def may_manage(user, event) -> bool:
    return can(user, "events.manage", event.branch_id)


def may_see_passenger_phones(user, event) -> bool:
    """Phone numbers on the passenger list: the branch's officers and chair only."""
    return can(user, "events.passenger_phones", event.branch_id)
