"""Reads for the case pages, each at a fixed number of queries."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    BooleanField,
    Case,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone

from union_portal.core.forms import parse_id
from union_portal.core.roles import roles_of
from union_portal.core.rows import instance

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
    """Each case with the kind of the deadline that comes first (`deadline_kind`
    "ack" before acknowledgement, "resolve" after; none once resolved or closed:
    the deadline itself is the stored `Grievance.deadline`, worked out by the same
    rule) and whether it is overdue, computed in the same query."""
    today = today or timezone.localdate()
    return cases.annotate(
        deadline_kind=Case(
            When(_awaits_acknowledgement(), then=Value("ack")),
            When(status__in=Grievance.OPEN, then=Value("resolve")),
            default=Value(""),
        ),
        overdue=Case(
            When(_overdue_q(today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def mark_supervising(cases, user):
    """Sets `supervising` on each case of a page: True for one the clock passed up
    to `user`, i.e. it reached its present level because a deadline was missed
    below, and it is theirs now ("overdue and not resolved; now under your
    supervision"). One query for the page, and none when no case of the page is
    theirs: as a subquery of the queue, PostgreSQL chose to read every escalation
    of every branch to answer it for 25 rows."""
    cases = list(cases)
    theirs = [case.pk for case in cases if case.assignee_id == user.pk]
    by_clock = set()
    if theirs:
        by_clock = set(
            GrievanceEvent.objects.filter(
                grievance_id__in=theirs,
                kind=GrievanceEvent.Kind.ESCALATED,
                actor__isnull=True,
            )
            .order_by()
            .values_list("grievance_id", "level")
        )
    for case in cases:
        case.supervising = (case.pk, case.level) in by_clock
    return cases


# What a list row reads (list_rows, case_pages.case_rows): reading only these, 25 rows
# and their category and handler cost a third of reading every column.
LIST_ROW_FIELDS = (
    "subject", "kind", "confidentiality", "status", "level", "filed_at", "ack_due",
    "resolve_due", "deadline", "branch_id", "category_id", "assignee_id",
)  # fmt: skip
NAME_FIELDS = ("first_name", "last_name", "email")
STATUS_BADGES = {
    Status.CLOSED: "secondary",
    Status.RESOLVED: "success",
    Status.WAITING_FILER: "warning",
}


def list_rows(cases, today=None):
    """The cases of a list page with what their row shows worked out once for the
    page rather than per row in the template (where a link, a label and a date
    filter cost more than the row itself): `url`, the labels of their kind, status
    and level, `status_badge`, `filed_day`, `deadline_day`, `deadline_kind`,
    `overdue` and `handler_name`."""
    today = today or timezone.localdate()
    cases = list(cases)
    labels = {
        name: {value: str(label) for value, label in choices}
        for name, choices in (
            ("kind", Grievance.Kind.choices),
            ("status", Status.choices),
            ("level", Grievance.Level.choices),
        )
    }
    link = reverse("grievances:detail", args=[0])[: -len("0/")]
    for case in cases:
        case.url = f"{link}{case.pk}/"
        case.kind_label = labels["kind"].get(case.kind, case.kind)
        case.status_label = labels["status"].get(case.status, case.status)
        case.level_label = labels["level"].get(case.level, case.level)
        case.status_badge = STATUS_BADGES.get(case.status, "primary")
        case.filed_day = timezone.localdate(case.filed_at).isoformat()
        case.deadline_day = case.deadline.isoformat() if case.deadline else ""
        case.deadline_kind = deadline_kind(case)
        case.overdue = is_overdue(case, today)
        if "assignee" in case._state.fields_cache:  # read with the case (select_related)
            assignee = case.assignee
            case.handler_name = assignee and (assignee.get_full_name() or assignee.email)
    return cases


def handler_queue(*, user, filters, today=None):
    """Officer: cases assigned to them. Chair: all of the branch's cases.
    Liaison: cases at university level, of every branch. `list_rows` gives the
    page's rows their deadline kind and overdue flag, `mark_supervising` tells
    them the clock passed up to `user`."""
    today = today or timezone.localdate()
    roles = roles_of(user)
    status = filters.get("status")
    visible = Q(assignee=user) | Q(branch_id__in=roles.chair_of)
    if roles.liaison:
        visible |= Q(level=Grievance.Level.UNIVERSITY)
    elif (
        roles.chair_of
        and not _with_status(
            Grievance.objects.filter(assignee=user).exclude(branch_id__in=roles.chair_of), status
        ).exists()
    ):
        # A chair holding no case outside their branches sees their branches' cases:
        # one condition, which the index on open cases answers in the queue's order
        # (with "assignee or branch", every open case of the branch is read and sorted).
        visible = Q(branch_id__in=roles.chair_of)
    # The rows' deadline kind and overdue badge: worked out for the page's 25 rows by
    # list_rows (deadline_kind, is_overdue), not in SQL for every case counted.
    cases = (
        Grievance.objects.filter(visible)
        .select_related("category", "assignee")
        .only(*LIST_ROW_FIELDS, "category__name", *(f"assignee__{f}" for f in NAME_FIELDS))
    )
    if filters.get("q"):
        query = filters["q"].lstrip("#")
        number = parse_id(query)
        cases = cases.filter(
            Q(subject__icontains=query) | (Q(pk=number) if number is not None else Q())
        )
    cases = _with_status(cases, status)
    for name in ("kind", "level"):
        if filters.get(name):
            cases = cases.filter(**{name: filters[name]})
    if filters.get("overdue"):
        cases = cases.filter(_overdue_q(today))
    order = NEEDS_DOING_FIRST if status == ALL_STATUSES else NEEDS_DOING_FIRST_OPEN
    return report_filters(cases, filters).order_by(*order)


def _with_status(cases, status):
    """The queue's status filter: not closed unless asked for (ALL_STATUSES: any)."""
    if not status:
        return cases.exclude(status=Status.CLOSED)
    if status != ALL_STATUSES:
        return cases.filter(status=status)
    return cases


# A work list opens on what needs doing: the nearest (or missed) first deadline
# first, then the cases without one (a resolution proposed), closed ones last.
# Without closed cases (the queue's default), the order of the index on open
# cases (Grievance.Meta.indexes): the first page is read from it, not sorted.
NEEDS_DOING_FIRST_OPEN = (F("deadline").asc(nulls_last=True), "-filed_at", "-id")
NEEDS_DOING_FIRST = (
    NEEDS_DOING_FIRST_OPEN[0],
    Case(When(status=Status.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField()),
    *NEEDS_DOING_FIRST_OPEN[1:],
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


# What a history entry shows: its author's name, not their account.
EVENT_FIELDS = ("grievance_id", "kind", "actor_id", "by_filer", "text", "internal", "created_at")


def timeline(grievance, *, include_internal):
    """The case's history, each entry with its author and the ids of its attachments
    (`file_ids`, in the order they were sent), oldest first."""
    events = (
        grievance.events.select_related("actor")
        .only(*EVENT_FIELDS, *(f"actor__{name}" for name in NAME_FIELDS))
        .annotate(
            file_ids=ArraySubquery(
                Attachment.objects.filter(event=OuterRef("pk")).order_by("id").values("id")
            )
        )
    )
    if not include_internal:
        events = events.filter(internal=False)
    return events


@dataclass(frozen=True)
class HistoryPage:
    """One page of a case's history, newest first: page 1 is what the case page
    shows, older entries are on the following pages."""

    entries: list
    number: int
    has_older: bool

    @property
    def has_newer(self) -> bool:
        return self.number > 1


def history_page(grievance, *, include_internal, number=1) -> HistoryPage:
    """`GRIEVANCE_HISTORY_PER_PAGE` entries of the case's history, the latest first,
    with the same visibility as the whole timeline (`timeline`), each with its
    attachments as `files`. One query (the entries with their authors) whatever the
    history's length, and one more for the attachments when the page has any: one
    more entry is read to know whether older ones exist, nothing is counted."""
    per_page = settings.GRIEVANCE_HISTORY_PER_PAGE
    start = (number - 1) * per_page
    read = _history_rows(grievance.pk, include_internal, limit=per_page + 1, offset=start)
    entries = read[:per_page]
    file_ids = [pk for event in entries for pk in event.file_ids]
    files = Attachment.objects.filter(pk__in=file_ids).in_bulk() if file_ids else {}
    # Worked out once for the page rather than per entry in the template, where
    # get_kind_display and the date filter cost more than the rest of the entry.
    kinds = {value: str(label) for value, label in GrievanceEvent.Kind.choices}
    for event in entries:
        event.kind_label = kinds.get(event.kind, event.kind)
        moment = timezone.localtime(event.created_at)
        event.day, event.minute = moment.strftime("%Y-%m-%d"), moment.strftime("%Y-%m-%d %H:%M")
        event.files = [files[pk] for pk in event.file_ids]
    return HistoryPage(entries, number, has_older=len(read) > per_page)


# `timeline`'s entries newest first, written out: the ORM took three times as long
# to build this query (its only(), join and array subquery) as the database to run it.
HISTORY_SQL = (
    "SELECT e.id, e.grievance_id, e.kind, e.actor_id, e.by_filer, e.text, e.internal,"
    " e.created_at, u.first_name, u.last_name, u.email,"
    " ARRAY(SELECT a.id FROM {attachments} a WHERE a.event_id = e.id ORDER BY a.id)"
    " FROM {events} e LEFT OUTER JOIN {users} u ON u.id = e.actor_id"
    " WHERE e.grievance_id = %s{internal}"
    " ORDER BY e.created_at DESC, e.id DESC LIMIT %s OFFSET %s"
)


def _history_rows(grievance_id, include_internal, *, limit, offset):
    """GrievanceEvent instances as `timeline` gives them (EVENT_FIELDS, the actor's
    NAME_FIELDS, `file_ids`), internal notes only with `include_internal`."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    User = get_user_model()
    sql = HISTORY_SQL.format(
        attachments=Attachment._meta.db_table, events=GrievanceEvent._meta.db_table,
        users=User._meta.db_table, internal="" if include_internal else " AND NOT e.internal",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, [grievance_id, limit, offset])
        rows = cursor.fetchall()
    events = []
    for row in rows:
        event = instance(GrievanceEvent, dict(zip(("id", *EVENT_FIELDS), row[:8], strict=True)))
        actor_id = row[3]
        event._state.fields_cache["actor"] = (
            instance(User, dict(zip(("id", *NAME_FIELDS), (actor_id, *row[8:11]), strict=True)))
            if actor_id
            else None
        )
        event.file_ids = row[11]
        events.append(event)
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


def deadline_kind(grievance) -> str:
    """Which deadline `Grievance.deadline` is: "ack" until the branch acknowledges
    the case, "resolve" while it is open after that, "" once a resolution is
    proposed or it is closed. `with_deadline` says the same in SQL (and the
    stored deadline follows the same rule): change them together."""
    if grievance.status == Status.NEW and grievance.level == Grievance.Level.BRANCH:
        return "ack"
    return "resolve" if grievance.status in Grievance.OPEN else ""


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
