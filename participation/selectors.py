"""Reads for the proposal pages: each list costs a fixed number of queries."""

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from union_portal.core.roles import branches_where

from .models import CoSignature, HandlingOffice, Proposal, ProposalEvent, Representative, Term
from .permissions import proposals_visible_to

ACTIVE_CONFIRMED = Q(cosignatures__withdrawn_at__isnull=True) & Q(
    cosignatures__confirmed_at__isnull=False
)


def proposal_list(*, user, status="", office_id=None, query="", year=None):
    proposals = (
        proposals_visible_to(user)
        .select_related("branch", "proposer", "office", "term")
        .annotate(cosigner_count=Count("cosignatures", filter=ACTIVE_CONFIRMED))
    )
    if status:
        proposals = proposals.filter(status=status)
    if office_id:
        proposals = proposals.filter(office_id=office_id)
    if query:
        proposals = proposals.filter(Q(title__icontains=query) | Q(body__icontains=query))
    if year:
        proposals = proposals.filter(created_at__year=year)
    return proposals


def proposal_detail(proposal):
    events = ProposalEvent.objects.select_related("actor__member").order_by("created_at", "id")
    cosignatures = CoSignature.objects.filter(withdrawn_at__isnull=True).select_related("member")
    return Proposal.objects.prefetch_related(
        Prefetch("events", queryset=events), Prefetch("cosignatures", queryset=cosignatures)
    ).get(pk=proposal.pk)


def offices_of(branch_ids):
    return HandlingOffice.objects.filter(branch_id__in=branch_ids).prefetch_related(
        "contacts__member"
    )


def representatives_visible_to(user, today=None):
    """The representatives of the current terms of the user's branches."""
    today = today or timezone.localdate()
    return (
        Representative.objects.filter(
            term__branch_id__in=branches_where(user, "participation.view"),
            term__start__lte=today,
            term__end__gte=today,
        )
        .select_related("member__department", "term__branch")
        .annotate(proposal_count=Count("member__proposals", filter=~Q(
            member__proposals__status=Proposal.Status.DRAFT)))
    )  # fmt: skip


def terms_of(branch_ids):
    return (
        Term.objects.filter(branch_id__in=branch_ids)
        .select_related("branch")
        .annotate(representative_count=Count("representatives"))
    )
