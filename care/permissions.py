"""Who may read and act on care/ objects; object checks built on core.roles."""

# --- hardship files (困难职工建档与帮扶) -----------------------------------------
# A hardship file, its support records and their amounts are the business of the
# member's branch's officers and chair only. Anyone else gets a 404 for a file (no
# hint that it exists); the liaison reads figures on the fairness view, never a file.

from django.core.exceptions import PermissionDenied
from django.http import Http404

from union_portal.core.roles import branches_where, require_action, roles_of

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
