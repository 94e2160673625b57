"""Reads for the fairness dashboard: aggregates only, never a filer's name, and
no figure about fewer than PORTAL_MIN_GROUP_SIZE cases (core.small_groups).

Every figure is computed by PostgreSQL, one query per table whatever the number
of cases: four timing tables (per officer, category, campus, hardship), open cases
by age, and escalations per officer.
"""

from datetime import timedelta

from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from union_portal.core.cache_versions import cached
from union_portal.core.small_groups import min_group_size, withhold_small_groups

from .models import Grievance, GrievanceEvent

GROUPINGS = {
    "officer": _("Per officer"),
    "category": _("Per category"),
    "campus": _("Per campus"),
    "hardship": _("Members in hardship and everyone else"),
}
UNASSIGNED = _("unassigned")
UNKNOWN_CAMPUS = _("unknown (anonymous)")
HARDSHIP = _("members in hardship")
EVERYONE_ELSE = _("everyone else")
# (key, label, youngest age in days, oldest age in days or None)
AGE_BUCKETS = [
    ("days_0_3", _("0–3 days"), 0, 3),
    ("days_4_7", _("4–7 days"), 4, 7),
    ("days_8_15", _("8–15 days"), 8, 15),
    ("days_over_15", _("over 15 days"), 16, None),
]
TIMING_FIELDS = ("ack_median", "ack_p90", "resolve_median", "resolve_p90")


class Percentile(Aggregate):
    """PostgreSQL's continuous percentile (interpolated), e.g. Percentile(hours, 0.9)."""

    function = "percentile_cont"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction, **extra):
        fraction = float(fraction)  # written into the SQL: a number, nothing else
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile's fraction is between 0 and 1.")
        super().__init__(expression, fraction=fraction, **extra)


class Epoch(Func):
    """The seconds in an interval."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def hours_between(start: str, end: str):
    duration = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    return Epoch(duration) / Value(3600.0)


def timings() -> dict:
    """Cases, and median and 90th percentile of the hours to acknowledgement and to
    resolution; a case not yet acknowledged (resolved) is left out of that figure."""
    acknowledged = Q(acknowledged_at__isnull=False)
    resolved = Q(resolved_at__isnull=False)
    to_ack = hours_between("filed_at", "acknowledged_at")
    to_resolve = hours_between("filed_at", "resolved_at")
    return {
        "n": Count("id"),
        "n_ack": Count("id", filter=acknowledged),
        "n_resolved": Count("id", filter=resolved),
        "ack_median": Percentile(to_ack, 0.5, filter=acknowledged),
        "ack_p90": Percentile(to_ack, 0.9, filter=acknowledged),
        "resolve_median": Percentile(to_resolve, 0.5, filter=resolved),
        "resolve_p90": Percentile(to_resolve, 0.9, filter=resolved),
    }


def cases_in_scope(*, branch_ids=None, date_from=None, date_to=None):
    """The cases of `branch_ids` (None: every branch) filed within the period (local dates)."""
    cases = Grievance.objects.all()
    if branch_ids is not None:
        cases = cases.filter(branch_id__in=branch_ids)
    if date_from:
        cases = cases.filter(filed_at__date__gte=date_from)
    if date_to:
        cases = cases.filter(filed_at__date__lte=date_to)
    return cases.order_by()


def _row(values: dict, name) -> dict:
    row = {"name": name, **{key: values[key] for key in ("n", "n_ack", "n_resolved")}}
    for key in TIMING_FIELDS:
        row[key] = None if values[key] is None else round(values[key], 1)
    return row


def _empty_row(name) -> dict:
    return _row({"n": 0, "n_ack": 0, "n_resolved": 0} | dict.fromkeys(TIMING_FIELDS), name)


def _person(values: dict, prefix: str):
    if values[prefix] is None:
        return None
    full_name = f"{values[prefix + '__first_name']} {values[prefix + '__last_name']}".strip()
    return full_name or values[prefix + "__email"]


def _person_fields(prefix: str) -> list:
    return [prefix, f"{prefix}__first_name", f"{prefix}__last_name", f"{prefix}__email"]


def _by_name(rows, catch_all=None) -> list:
    """Rows sorted by name; the row without one (unassigned, unknown) last, as `catch_all`."""
    named = sorted((r for r in rows if r["name"] is not None), key=lambda r: str(r["name"]))
    return named + [{**r, "name": catch_all} for r in rows if r["name"] is None]


def timings_per_officer(cases) -> list:
    rows = cases.values(*_person_fields("assignee")).annotate(**timings())
    return _by_name([_row(r, _person(r, "assignee")) for r in rows], catch_all=UNASSIGNED)


def timings_per_category(cases) -> list:
    rows = list(
        cases.values("category", "category__name", "category__branch__name").annotate(**timings())
    )
    # Categories are per branch: across branches, say whose category it is.
    several_branches = len({r["category__branch__name"] for r in rows}) > 1
    return _by_name(
        _row(
            r,
            f"{r['category__name']} · {r['category__branch__name']}"
            if several_branches
            else r["category__name"],
        )
        for r in rows
    )


def timings_per_campus(cases) -> list:
    # An anonymous case has no filer_member, hence no campus.
    rows = cases.values("filer_member__home_campus__name").annotate(**timings())
    return _by_name(
        [_row(r, r["filer_member__home_campus__name"]) for r in rows], catch_all=UNKNOWN_CAMPUS
    )


def timings_hardship(cases) -> list:
    """Two rows, always: filers in hardship, then everyone else (anonymous cases too)."""
    hardship = Case(
        When(filer_member__has_hardship=True, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    found = {r["hardship"]: r for r in cases.values(hardship=hardship).annotate(**timings())}
    return [
        _row(found[flag], label) if flag in found else _empty_row(label)
        for flag, label in ((True, HARDSHIP), (False, EVERYONE_ELSE))
    ]


def open_by_age(cases, today=None) -> list:
    """Open cases (submitted, in progress, waiting for the filer) by days since filing."""
    today = today or timezone.localdate()
    counts = {}
    for key, _label, youngest, oldest in AGE_BUCKETS:
        within = Q(filed_at__date__lte=today - timedelta(days=youngest))
        if oldest is not None:
            within &= Q(filed_at__date__gte=today - timedelta(days=oldest))
        counts[key] = Count("id", filter=within)
    found = cases.filter(status__in=Grievance.OPEN).aggregate(**counts)
    return [{"key": key, "name": label, "n": found[key]} for key, label, *_ in AGE_BUCKETS]


def escalations_per_officer(cases) -> list:
    """Escalations of the cases, counted against whoever held the case at the time."""
    rows = (
        GrievanceEvent.objects.filter(
            kind=GrievanceEvent.Kind.ESCALATED, grievance__in=cases.values("pk")
        )
        .values(*_person_fields("assignee"))
        .annotate(n=Count("id"))
        .order_by()
    )
    return _by_name(
        [{"name": _person(r, "assignee"), "n": r["n"]} for r in rows], catch_all=UNASSIGNED
    )


def fairness(*, branch_ids=None, date_from=None, date_to=None) -> dict:
    """Everything the dashboard shows: six queries, then cached until the next
    change to any case (every history row bumps the version) or five minutes.
    Small groups are withheld before anything is cached or shown."""
    key = (
        f"{sorted(branch_ids) if branch_ids is not None else 'all'}:{date_from}:{date_to}"
        f":min{min_group_size()}"
    )
    return cached(
        "grievances",
        key,
        lambda: withhold_small(
            _fairness(branch_ids=branch_ids, date_from=date_from, date_to=date_to)
        ),
    )


def _withhold_timings(rows) -> list:
    rows = withhold_small_groups(rows, count="n", figures=("n_ack", "n_resolved", *TIMING_FIELDS))
    rows = withhold_small_groups(rows, count="n_ack", figures=("ack_median", "ack_p90"))
    return withhold_small_groups(
        rows, count="n_resolved", figures=("resolve_median", "resolve_p90")
    )


def withhold_small(data: dict) -> dict:
    """The dashboard's figures with every group under the threshold withheld: the
    four timing tables (cases, and the times of the acknowledged and resolved among
    them), open cases per age and escalations per officer."""
    return {
        **{key: _withhold_timings(data[key]) for key in GROUPINGS},
        "open_by_age": withhold_small_groups(data["open_by_age"]),
        "escalations": withhold_small_groups(data["escalations"]),
    }


def _fairness(*, branch_ids=None, date_from=None, date_to=None) -> dict:
    cases = cases_in_scope(branch_ids=branch_ids, date_from=date_from, date_to=date_to)
    return {
        "officer": timings_per_officer(cases),
        "category": timings_per_category(cases),
        "campus": timings_per_campus(cases),
        "hardship": timings_hardship(cases),
        "open_by_age": open_by_age(cases),
        "escalations": escalations_per_officer(cases),
    }
