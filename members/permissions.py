"""Who may see and change the roster. Built on core.roles, the one rule table."""

from django.http import Http404

from union_portal.core.roles import branches_where, can, require_action

from .models import Member, RosterImport

roster_required = require_action("roster.view")


def get_member_for_viewer(user, pk) -> Member:
    """A roster entry the user may open: 404 for another branch's member (no leak)."""
    member = (
        Member.objects.select_related("branch", "department", "home_campus")  # user_id only
        .filter(pk=pk)
        .first()
    )
    if member is None or not can(user, "roster.view", member.branch_id):
        raise Http404
    return member


def get_member_for_editor(user, pk) -> Member:
    member = get_member_for_viewer(user, pk)
    if not can(user, "roster.edit", member.branch_id):
        raise Http404
    return member


def may_see_hardship(user, member: Member) -> bool:
    return can(user, "roster.view_hardship", member.branch_id)


def may_see_personal(user, member: Member) -> bool:
    """Sex and date of birth: the member's own branch officers and chair."""
    return can(user, "roster.view_personal", member.branch_id)


personal_required = require_action("roster.view_personal")


def personal_branch_ids(user) -> set:
    return branches_where(user, "roster.view_personal")


def roster_branch_ids(user) -> set:
    return branches_where(user, "roster.view")


def import_branch_ids(user) -> set:
    return branches_where(user, "roster.import")


def get_import_for_viewer(user, pk) -> RosterImport:
    """A roster import of a branch whose imports the user runs (officers and chair):
    404 for any other (no hint that it exists)."""
    roster_import = (
        RosterImport.objects.select_related("branch", "uploaded_by").filter(pk=pk).first()
    )
    if roster_import is None or not can(user, "roster.import", roster_import.branch_id):
        raise Http404
    return roster_import
