"""Who may see and do what in care; object checks built on core.roles."""

# --- welfare handouts (福利发放) ----------------------------------------------

from django.http import Http404  # noqa: E402

from members.models import Member  # noqa: E402
from union_portal.core.roles import can, require_action  # noqa: E402

from .models import Handout, PickupPoint  # noqa: E402

welfare_manager_required = require_action("welfare.manage")


def get_handout_for_manager(user, pk) -> Handout:
    """A handout of a branch the user manages; 404 otherwise (no hint it exists)."""
    handout = Handout.objects.select_related("branch", "campus", "default_option").filter(pk=pk)
    handout = handout.first()
    if handout is None or not can(user, "welfare.manage", handout.branch_id):
        raise Http404
    return handout


def get_point_for_manager(user, pk) -> PickupPoint:
    point = PickupPoint.objects.select_related("handout__branch", "campus").filter(pk=pk).first()
    if point is None or not can(user, "welfare.manage", point.handout.branch_id):
        raise Http404
    return point


def welfare_member(user):
    """The user's roster entry, retired members included (a handout may be for them)."""
    if not user.is_authenticated:
        return None
    return Member.objects.filter(user=user).select_related("home_campus").first()


def get_handout_for_member(user, pk):
    """An open or closed handout the user's roster entry is eligible for (or has a
    choice in); 404 otherwise. Returns (handout, member)."""
    member = welfare_member(user)
    handout = (
        Handout.objects.exclude(status=Handout.Status.DRAFT)
        .select_related("default_option")
        .filter(pk=pk)
        .first()
    )
    if (
        member is None
        or handout is None
        or not (handout.is_eligible(member) or handout.choices.filter(member=member).exists())
    ):
        raise Http404
    return handout, member
