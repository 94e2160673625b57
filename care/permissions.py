"""Who may read and act on care/ objects; object checks built on core.roles."""

# --- hardship files (困难职工建档与帮扶) -----------------------------------------
# A hardship file, its support records and their amounts are the business of the
# member's branch's officers and chair only. Anyone else gets a 404 for a file (no
# hint that it exists); the liaison reads figures on the fairness view, never a file.

from django.core.exceptions import PermissionDenied
from django.http import Http404

from members.models import Member
from union_portal.core.roles import branches_where, can, require_action, roles_of

from .models import Handout, PickupPoint

hardship_officer_required = require_action("care.hardship")


def hardship_branch_ids(user) -> set:
    return branches_where(user, "care.hardship")


def hardship_files_visible_to(user):
    from .models import HardshipFile

    return HardshipFile.objects.filter(branch_id__in=hardship_branch_ids(user))


def get_hardship_file_for_officer(user, pk):
    found = (
        hardship_files_visible_to(user)
        .select_related("member__department", "member__home_campus", "branch", "officer")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def hardship_fairness_branch_ids(user):
    """The chair sees their branches; the liaison every branch (None); others: 403."""
    roles = roles_of(user)
    if roles.liaison:
        return None
    ids = branches_where(user, "care.hardship_fairness")
    if not ids:
        raise PermissionDenied
    return ids


"""Who may see and do what in care; object checks built on core.roles."""

# --- welfare handouts (福利发放) ----------------------------------------------


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
