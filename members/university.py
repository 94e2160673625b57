"""The university union's view across branches (the liaison's home and dashboard).

Head counts and figures only, never a name: no table here holds a person. A
participation rate over fewer than PORTAL_MIN_GROUP_SIZE members shows "<5".
Six queries whatever the number of branches, and one or two for the proposals
whose answer is overdue after escalation (their list, the working-day calendar);
then cached (core.cache_versions) until any counted model is written (`connect`,
every save or delete, the admin's included) or five minutes pass: the same table
for every liaison, on their home page and on the fairness dashboard.
"""

from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from events.models import Registration
from grievances.models import Grievance
from grievances.selectors import with_deadline
from notices.models import FundLine, Notice
from union_portal.core import cache_versions
from union_portal.core.small_groups import is_small, min_group_size, withheld_label

from .models import Branch, Member


def _rate(part, whole):
    # Withheld as the branch's own participation report withholds it: a small
    # campus, or a small number of its members taking part (3 of 6 → "<5").
    if is_small(whole) or is_small(part):
        return withheld_label()
    return round(100 * part / whole) if whole else None


VERSION = "university"
# What the table counts: a save or delete of any of these makes it stale. Writes
# without a signal come with one that has: a roster import creates members in bulk
# and then saves its job's row, an escalation updates its case and records a step.
WATCHED = (
    "members.Member",
    "members.Branch",
    "members.Campus",
    "members.RosterImport",
    "events.Event",
    "events.Registration",
    "grievances.Grievance",
    "grievances.GrievanceEvent",
    "notices.Notice",
    "notices.NoticeVersion",
    "notices.FundLine",
    "participation.Proposal",
    "participation.ProposalEvent",
    "participation.HandlingOffice",
)


def _bump(sender, **kwargs):
    # At once too: a page read later in the same transaction shows the change.
    cache_versions.bump(VERSION, at_once=True)


def connect():
    from django.apps import apps

    for label in WATCHED:
        model = apps.get_model(label)
        post_save.connect(_bump, sender=model, dispatch_uid=f"university:save:{label}")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"university:delete:{label}")


def university_overview(*, today=None, now=None) -> dict:
    """Per branch, this calendar year: active members (head count), per campus the
    share of its active members who attended at least one event that has ended,
    open and overdue cases (now), notices published, money spent (fund lines of
    the current version of published fund notices, withdrawn ones left out).
    Cached per day until the data changes (`connect`) or five minutes pass."""
    if now is not None:  # a moment of its own: computed for it, not cached
        return _university_overview(today=today or timezone.localdate(), now=now)
    today = today or timezone.localdate()
    key = f"overview:{today}:min{min_group_size()}"
    return cache_versions.cached(
        VERSION, key, lambda: _university_overview(today=today, now=timezone.now())
    )


def _university_overview(*, today, now) -> dict:
    year = today.year
    branches = list(Branch.objects.order_by("name").values("id", "name", "short_name"))
    active = Member.Status.ACTIVE
    head_rows = list(
        Member.objects.filter(status=active)
        .values("branch_id", "home_campus_id", "home_campus__name")
        .annotate(n=Count("id"))
        .order_by()
    )
    head = {(row["branch_id"], row["home_campus_id"]): row["n"] for row in head_rows}
    # The campuses someone works on (a campus without members has no rate to show).
    campuses = sorted(
        ({"id": r["home_campus_id"], "name": r["home_campus__name"]} for r in head_rows),
        key=lambda c: c["name"],
    )
    campuses = list({c["id"]: c for c in campuses}.values())
    took_part = {
        (row["member__branch_id"], row["member__home_campus_id"]): row["n"]
        for row in Registration.objects.filter(
            status=Registration.Status.ATTENDED,
            member__status=active,
            event__ends_at__lt=now,
            event__starts_at__year=year,
        )
        .values("member__branch_id", "member__home_campus_id")
        .annotate(n=Count("member", distinct=True))
        .order_by()
    }
    cases = {
        row["branch_id"]: row
        for row in with_deadline(Grievance.objects.all(), today)
        .values("branch_id")
        .annotate(
            open=Count("id", filter=Q(status__in=Grievance.OPEN)),
            overdue=Count("id", filter=Q(overdue=True)),
        )
        .order_by()
    }
    notices = dict(
        Notice.objects.filter(Notice.readable_q(), published_at__year=year)
        .values("branch_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("branch_id", "n")
    )
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    spent_in = Notice.objects.filter(
        kind=Notice.Kind.FUND,
        status__in=[Notice.Status.PUBLISHED, Notice.Status.FINAL],
        published_at__year=year,
    ).values("current")
    spent = dict(
        FundLine.objects.filter(version__in=spent_in)
        .values("version__notice__branch_id")
        .annotate(total=Coalesce(Sum("amount"), zero))
        .order_by()
        .values_list("version__notice__branch_id", "total")
    )
    # Proposals whose answer is overdue after the escalation to the chair: titles
    # and offices only (no proposer, no co-signer).
    from participation.selectors import overdue_answers

    # Plain values (the template reads the same names): light to cache.
    overdue_proposals = [
        {
            "pk": p.pk,
            "branch_id": p.branch_id,
            "branch": {"name": p.branch.name},
            "title": p.title,
            "office": {"name": p.office.name if p.office else ""},
            "working_days_late": p.working_days_late,
        }
        for p in overdue_answers(today)
    ]
    late_answers = {}
    for proposal in overdue_proposals:
        late_answers[proposal["branch_id"]] = late_answers.get(proposal["branch_id"], 0) + 1
    rows = []
    for branch in branches:
        pk = branch["id"]
        rows.append(
            {
                "branch": branch["name"],
                "short_name": branch["short_name"] or branch["name"],
                "members": sum(head.get((pk, c["id"]), 0) for c in campuses),
                "rates": [
                    _rate(took_part.get((pk, c["id"]), 0), head.get((pk, c["id"]), 0))
                    for c in campuses
                ],
                "open_cases": cases.get(pk, {}).get("open", 0),
                "overdue_cases": cases.get(pk, {}).get("overdue", 0),
                "notices": notices.get(pk, 0),
                "spent": spent.get(pk, Decimal("0.00")),
                "overdue_answers": late_answers.get(pk, 0),
            }
        )
    return {
        "year": year,
        "campuses": [c["name"] for c in campuses],
        "rows": rows,
        "overdue_proposals": overdue_proposals,
    }
