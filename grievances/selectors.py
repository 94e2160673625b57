"""Reads for the case pages, each at a fixed number of queries."""

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
)
from django.utils import timezone

from union_portal.core.forms import parse_id
from union_portal.core.roles import roles_of

from .models import Attachment, Category, Grievance, GrievanceEvent, Route

Status = Grievance.Status
# The queue's status filter for every case, closed ones included (the yearly
# report's figures open the queue with it: they count closed cases too).
ALL_STATUSES = "all"


def cases_of_filer(*, user, receipt_hashes):
    """The user's own cases, and the anonymous ones this browser follows."""
    visible = Q(receipt_hash__in=list(receipt_hashes))
    if user.is_authenticated:
        visible |= Q(filer=user)
    return Grievance.objects.filter(visible).select_related("category").order_by("-filed_at")


def _awaits_acknowledgement():
    """The acknowledgement deadline binds the branch's officer only: once the case
    has gone up, the level's resolution deadline is the one that counts."""
    return Q(status=Status.NEW, level=Grievance.Level.BRANCH)


def _overdue_q(today):
    """`is_overdue` in SQL: the queue's badge and its "overdue only" filter."""
    return Q(_awaits_acknowledgement(), ack_due__lt=today) | Q(
        status__in=[Status.NEW, Status.IN_PROGRESS], resolve_due__lt=today
    )


def with_deadline(cases, today=None):
    """Each case with the deadline that comes first (`deadline`, `deadline_kind`
    "ack" before acknowledgement, "resolve" after; none once resolved or closed)
    and whether it is overdue, computed in the same query."""
    today = today or timezone.localdate()
    return cases.annotate(
        deadline_kind=Case(
            When(_awaits_acknowledgement(), then=Value("ack")),
            When(status__in=Grievance.OPEN, then=Value("resolve")),
            default=Value(""),
        ),
        deadline=Case(
            When(_awaits_acknowledgement(), then=F("ack_due")),
            When(status__in=Grievance.OPEN, then=F("resolve_due")),
            default=None,
        ),
        overdue=Case(
            When(_overdue_q(today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def supervising(user):
    """True for a case the clock passed up to `user`: it reached its present level
    because a deadline was missed below, and it is theirs now ("overdue and not
    resolved; now under your supervision")."""
    by_clock = GrievanceEvent.objects.filter(
        grievance=OuterRef("pk"),
        kind=GrievanceEvent.Kind.ESCALATED,
        actor__isnull=True,
        level=OuterRef("level"),
    )
    return Case(
        When(Q(Exists(by_clock), assignee=user), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def handler_queue(*, user, filters, today=None):
    """Officer: cases assigned to them. Chair: all of the branch's cases.
    Liaison: cases at university level, of every branch. Each row carries its
    first deadline and overdue flag (`with_deadline`)."""
    today = today or timezone.localdate()
    roles = roles_of(user)
    visible = Q(assignee=user) | Q(branch_id__in=roles.chair_of)
    if roles.liaison:
        visible |= Q(level=Grievance.Level.UNIVERSITY)
    cases = Grievance.objects.filter(visible).select_related("category", "assignee", "branch")
    cases = with_deadline(cases, today).annotate(supervising=supervising(user))
    if filters.get("q"):
        query = filters["q"].lstrip("#")
        number = parse_id(query)
        cases = cases.filter(
            Q(subject__icontains=query) | (Q(pk=number) if number is not None else Q())
        )
    status = filters.get("status")
    if not status:
        cases = cases.exclude(status=Status.CLOSED)
    elif status != ALL_STATUSES:
        cases = cases.filter(status=status)
    for name in ("kind", "level"):
        if filters.get(name):
            cases = cases.filter(**{name: filters[name]})
    if filters.get("overdue"):
        cases = cases.filter(overdue=True)
    return report_filters(cases, filters).order_by(*NEEDS_DOING_FIRST)


# A work list opens on what needs doing: the nearest (or missed) first deadline
# first, then the cases without one (a resolution proposed), closed ones last.
NEEDS_DOING_FIRST = (
    F("deadline").asc(nulls_last=True),
    Case(When(status=Status.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField()),
    "-filed_at",
    "-id",
)


def open_cases_of_filer(user, today=None):
    """The user's own cases not closed yet, with their first deadline: those that
    wait for the filer first (an answer asked for, a resolution to accept or
    appeal), then the newest. Never an anonymous case: it has no filer."""
    waits_for_filer = Case(
        When(status=Status.WAITING_FILER, then=Value(0)),
        When(status=Status.RESOLVED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    cases = Grievance.objects.filter(filer=user).exclude(status=Status.CLOSED)
    return (
        with_deadline(cases.select_related("category"), today)
        .annotate(waits_for_filer=waits_for_filer)
        .order_by("waits_for_filer", "-filed_at", "-id")
    )


def cases_due(*, user, today, until):
    """The cases waiting on `user` whose first deadline is `until` or earlier,
    missed ones included, the earliest first: an officer's own; a chair's whole
    branch's at branch and chair level (escalated to them included). A case
    waiting for its filer has its clock stopped and is not due."""
    roles = roles_of(user)
    mine = Q(assignee=user, branch_id__in=roles.managed_branch_ids) | Q(
        branch_id__in=roles.chair_of
    )
    cases = Grievance.objects.filter(
        mine,
        status__in=[Status.NEW, Status.IN_PROGRESS],
        level__in=[Grievance.Level.BRANCH, Grievance.Level.CHAIR],
    ).select_related("category")
    return with_deadline(cases, today).filter(deadline__lte=until).order_by("deadline", "id")


def forwarded_cases(*, user, today=None):
    """The liaison's: open cases at university level that are theirs or nobody's
    yet, the earliest deadline first."""
    if not roles_of(user).liaison:
        return Grievance.objects.none()
    cases = Grievance.objects.filter(
        Q(assignee=user) | Q(assignee__isnull=True),
        level=Grievance.Level.UNIVERSITY,
        status__in=Grievance.OPEN,
    ).select_related("category", "branch")
    return with_deadline(cases, today).order_by(F("deadline").asc(nulls_last=True), "id")


# The yearly report's filters: the same conditions count its figures.
DEADLINE_MET = {
    "ack": Q(acknowledged_at__isnull=False, acknowledged_at__date__lte=F("ack_due")),
    "resolve": Q(resolved_at__isnull=False, resolved_at__date__lte=F("resolve_due")),
}


def report_filters(cases, filters):
    if filters.get("year"):
        cases = cases.filter(filed_at__year=filters["year"])
    if filters.get("met"):
        cases = cases.filter(DEADLINE_MET[filters["met"]])
    if filters.get("escalated"):
        cases = cases.filter(escalations__gt=0)
    if filters.get("appealed"):
        cases = cases.filter(appealed=True)
    return cases


def timeline(grievance, *, include_internal):
    events = grievance.events.select_related("actor").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )
    if not include_internal:
        events = events.filter(internal=False)
    return events


def answered_suggestions():
    """Suggestions whose filer agreed to publish the answer, with that answer."""
    return (
        Grievance.objects.filter(
            kind=Grievance.Kind.SUGGESTION,
            publish_answer=True,
            status__in=[Status.RESOLVED, Status.CLOSED],
        )
        .select_related("category", "branch")
        .order_by("-resolved_at", "-id")
    )


def is_overdue(grievance, today=None):
    """The acknowledgement deadline binds the branch's officer only; once the case
    has gone up, the level's resolution deadline is the one that counts.
    `_overdue_q` says the same in SQL: change both together."""
    today = today or timezone.localdate()
    at_branch = grievance.level == Grievance.Level.BRANCH
    if at_branch and grievance.status == Status.NEW and today > grievance.ack_due:
        return True
    return grievance.status in (Status.NEW, Status.IN_PROGRESS) and today > grievance.resolve_due


def routing_table(branch):
    """The branch's categories, each with its default assignee and its routes per
    campus (three queries)."""
    return (
        Category.objects.filter(branch=branch)
        .select_related("default_assignee")
        .prefetch_related(
            Prefetch(
                "routes",
                queryset=Route.objects.select_related("campus", "officer").order_by("campus__name"),
            )
        )
        .order_by("name")
    )
