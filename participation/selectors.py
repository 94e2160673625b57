"""Reads for the proposal pages: each list costs a fixed number of queries."""

from django.db.models import Count, F, Prefetch, Q
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
        # Meta.ordering does not apply to a grouped query: the pages need one.
        .order_by("-created_at", "-id")
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


def proposal_summary(*, branch_ids, year):
    """The year's figures for the staff congress (教代会): proposals filed (left the
    draft), accepted (立案), answered on time, the satisfaction split, and the same
    per handling office. Four queries, whatever the number of proposals."""
    from django.db.models import F

    filed = Proposal.objects.filter(branch_id__in=branch_ids, submitted_at__year=year)
    rated = Q(rating__gt="")
    on_time = Q(answered_at__isnull=False, answered_at__date__lte=F("answer_due"))
    accepted = Q(status__in=[Proposal.Status.ACCEPTED, Proposal.Status.ASSIGNED,
                             Proposal.Status.ANSWERED, Proposal.Status.CLOSED])  # fmt: skip
    totals = filed.aggregate(
        filed=Count("pk"),
        accepted=Count("pk", filter=accepted),
        suggestion=Count("pk", filter=Q(status=Proposal.Status.SUGGESTION)),
        not_accepted=Count("pk", filter=Q(status=Proposal.Status.NOT_ACCEPTED)),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        on_time=Count("pk", filter=on_time),
        rated=Count("pk", filter=rated),
        **{r: Count("pk", filter=Q(rating=r)) for r in Proposal.Rating.values},
    )
    offices = (
        filed.filter(office__isnull=False)
        .values("office__name")
        .annotate(
            assigned=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            on_time=Count("pk", filter=on_time),
            **{r: Count("pk", filter=Q(rating=r)) for r in Proposal.Rating.values},
        )
        .order_by("office__name")
    )
    return totals, list(offices)


# --- the public pages ---------------------------------------------------------------


def _confirmed_cosigners():
    # Confirmed and not withdrawn: an invitation still waiting is nobody's business.
    return Prefetch(
        "cosignatures",
        queryset=CoSignature.objects.filter(withdrawn_at__isnull=True, confirmed_at__isnull=False)
        .select_related("member")
        .order_by("confirmed_at", "id"),
        to_attr="public_cosigners",
    )


def public_proposal_list(*, query="", branch_id=None):
    """Accepted proposals of the branches that publish them, newest first; three
    queries per page whatever the number (the page, its count, the co-signers)."""
    from .permissions import public_proposals

    proposals = public_proposals().select_related("branch", "term", "proposer", "office")
    if branch_id:
        proposals = proposals.filter(branch_id=branch_id)
    if query:
        proposals = proposals.filter(Q(title__icontains=query) | Q(body__icontains=query))
    return proposals.order_by("-submitted_at", "-id").prefetch_related(_confirmed_cosigners())


def public_branches():
    from members.models import Branch

    return Branch.objects.filter(participation_setting__public_proposals=True).order_by("name")


def public_proposal_detail(proposal):
    return (
        Proposal.objects.select_related("branch", "term", "proposer", "office")
        .prefetch_related(_confirmed_cosigners())
        .get(pk=proposal.pk)
    )


def overdue_answers(today=None):
    """The university liaison's list: answers past their deadline after the
    escalation to the branch's chair (proposal_escalate_overdue), each with its
    working days overdue. Two queries, whatever the number."""
    from union_portal.core.calendar import working_days_late

    today = today or timezone.localdate()
    rows = list(
        Proposal.objects.filter(
            status=Proposal.Status.ASSIGNED,
            answer_due__lt=today,
            escalated_due=F("answer_due"),
        )
        .select_related("branch", "office")
        .only("title", "answer_due", "branch__name", "office__name")
        .order_by("branch__name", "answer_due", "id")
    )
    for proposal, late in zip(rows, working_days_late([p.answer_due for p in rows], today),
                              strict=True):  # fmt: skip
        proposal.working_days_late = late
    return rows
