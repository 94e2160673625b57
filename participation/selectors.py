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


# --- polls ---------------------------------------------------------------------


def poll_list(*, user, now):
    """The polls the user sees, newest first, each with `answered` (by the user's
    roster entry) and its number of questions: one query per page."""
    from django.db.models import Exists, OuterRef, Value

    from union_portal.core.roles import roles_of

    from .models import PollVoter
    from .permissions import polls_visible_to

    member = roles_of(user).member
    answered = (
        Exists(PollVoter.objects.filter(poll=OuterRef("pk"), member=member))
        if member is not None
        else Value(False)
    )
    return (
        polls_visible_to(user, now)
        .select_related("branch", "campus")
        .annotate(answered=answered)
        .order_by("-opens_at", "-id")
    )


def poll_with_questions(poll):
    from .models import Poll, PollQuestion

    questions = PollQuestion.objects.prefetch_related("options")
    return (
        Poll.objects.select_related("branch", "campus")
        .prefetch_related(Prefetch("questions", queryset=questions))
        .get(pk=poll.pk)
    )


def poll_turnout(poll, today):
    """(eligible, answered) for the voters page: who answered counts only if they
    are still eligible, so the share never passes 100 %."""
    from .services import poll_eligible_members

    eligible = poll_eligible_members(poll, today)
    return eligible.count(), eligible.filter(poll_votes__poll=poll).count()


def poll_waiting(poll, today):
    """Eligible members who have not answered, by department and name (never in
    any order that follows when others answered)."""
    from .services import poll_waiting_members

    return (
        poll_waiting_members(poll, today)
        .select_related("department", "home_campus")
        .order_by("department__name", "name", "pk")
    )
