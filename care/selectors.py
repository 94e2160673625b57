"""Reads for the care/ pages: each list costs a fixed number of queries."""

# --- hardship files (困难职工建档与帮扶) -----------------------------------------

from datetime import timedelta

from django.conf import settings
from django.db.models import F, Prefetch
from django.db.models.functions import Coalesce
from django.utils import timezone

from members.models import BranchRole


def hardship_contact_overdue_before(today=None):
    """A file whose contact clock started on or before this date is overdue for contact."""
    today = today or timezone.localdate()
    return today - timedelta(days=settings.PORTAL_HARDSHIP_CONTACT_DAYS)


def hardship_file_list(*, user, status="open", officer_id=None, campus_id=None, overdue=False,
                       today=None):  # fmt: skip
    from .models import HardshipFile
    from .permissions import hardship_branch_ids

    files = (
        HardshipFile.objects.filter(branch_id__in=hardship_branch_ids(user))
        .select_related("member__department", "member__home_campus", "officer", "branch")
        .annotate(clock_from=Coalesce(F("last_contact_on"), F("opened_on")))
    )
    if status == "open" or overdue:
        files = files.filter(closed_on__isnull=True)
    elif status == "closed":
        files = files.filter(closed_on__isnull=False)
    if officer_id:
        files = files.filter(officer_id=officer_id)
    if campus_id:
        files = files.filter(member__home_campus_id=campus_id)
    if overdue:
        files = files.filter(clock_from__lte=hardship_contact_overdue_before(today))
    return files.order_by("clock_from", "id")


def hardship_file_detail(file):
    from .models import HardshipFile, SupportRecord

    records = SupportRecord.objects.select_related(
        "given_by", "recorded_by", "fund_line__version__notice"
    ).order_by("-date", "-id")
    return (
        HardshipFile.objects.select_related(
            "member__department", "member__home_campus", "branch", "officer", "closed_by"
        )
        .prefetch_related(Prefetch("records", queryset=records))
        .get(pk=file.pk)
    )


def branch_officers(branch_ids):
    """Accounts holding office (officer or chair) in the branches: who may be
    responsible for a file or give support."""
    from django.contrib.auth import get_user_model

    holders = BranchRole.objects.filter(
        branch_id__in=branch_ids, role__in=[BranchRole.Role.OFFICER, BranchRole.Role.CHAIR]
    ).values("user_id")
    return get_user_model().objects.filter(pk__in=holders).order_by("first_name", "last_name", "pk")


def fund_lines_for_support(branch_id):
    """Lines of the branch's published fund notices as they stand now (the current
    version of a notice in or past its objection period): what money given may
    be linked to."""
    from notices.models import FundLine, Notice

    return (
        FundLine.objects.filter(
            version__notice__branch_id=branch_id,
            version__notice__kind=Notice.Kind.FUND,
            version__notice__status__in=[Notice.Status.PUBLISHED, Notice.Status.FINAL],
            version__notice__current=F("version"),
        )
        .select_related("version")
        .order_by("-date", "-id")
    )
