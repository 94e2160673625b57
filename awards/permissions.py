"""Who may read and run award rounds; object checks built on core.roles.

A round is the branch's own business: its members read it and nominate, its
officers and chair write the criteria, read the nominations and pick the
shortlist. Anyone else gets a 404 for a round, as for any object of a branch
they cannot see.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from union_portal.core.roles import branches_where, can, require_action

from .models import AwardRound

awards_reader_required = require_action("awards.view")
awards_manager_required = require_action("awards.manage")


def rounds_visible_to(user):
    """Published rounds of the user's branches, and drafts of the branches they manage."""
    from django.db.models import Q

    readable = branches_where(user, "awards.view")
    managed = branches_where(user, "awards.manage")
    return AwardRound.objects.filter(
        Q(branch_id__in=readable, status=AwardRound.Status.OPEN) | Q(branch_id__in=managed)
    )


def get_round_for_viewer(user, pk) -> AwardRound:
    award_round = rounds_visible_to(user).select_related("branch", "notice").filter(pk=pk).first()
    if award_round is None:
        raise Http404
    return award_round


def get_round_for_manager(user, pk) -> AwardRound:
    award_round = get_round_for_viewer(user, pk)
    if not may_manage(user, award_round):
        raise PermissionDenied
    return award_round


def may_manage(user, award_round) -> bool:
    return can(user, "awards.manage", award_round.branch_id)


def may_nominate(user, award_round) -> bool:
    return can(user, "awards.nominate", award_round.branch_id)
