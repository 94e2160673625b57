"""Reads for the fairness dashboard: aggregates only, never a filer's name, and
no figure about fewer than PORTAL_MIN_GROUP_SIZE cases (core.small_groups).

Waits are working hours on the working-day calendar (core.calendar.WorkingClock:
a case filed on Friday evening and answered on Monday morning waited an hour or
two, not a weekend). The cases are read once (one query, plus the calendar and the
officers' names) and the four timing tables (per officer, category, campus,
hardship) computed from them; open cases by age and escalations per officer are
a query each. A group whose median wait is over 1.5 times the others' is flagged.
"""

from bisect import bisect_right
from datetime import timedelta

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from union_portal.core.cache_versions import cached
from union_portal.core.calendar import WorkingClock
from union_portal.core.small_groups import is_shown, min_group_size, withhold_small_groups

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
# A group waiting longer than this many times the others' median is flagged.
WAIT_FLAG_RATIO = 1.5
WAIT_FLAGS = {
    "ack": _("Waits %(ratio)s× longer than the others for acknowledgement"),
    "resolve": _("Waits %(ratio)s× longer than the others for resolution"),
}


def flag_text(flag) -> str:
    return str(WAIT_FLAGS[flag["measure"]]) % {"ratio": flag["ratio"]}


def percentile(values, fraction):
    """PostgreSQL's percentile_cont: interpolated between the two nearest values
    of the sorted list (None for no values)."""
    if not values:
        return None
    position = fraction * (len(values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)


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


def _branch_officer():
    """The officer a case is measured against: its assignee while at the branch's
    level; once it has gone up (where the chair or a liaison owns it), the assignee
    the history recorded last at the branch's level, i.e. who let it go up."""
    last_at_branch = (
        GrievanceEvent.objects.filter(grievance=OuterRef("pk"), level=Grievance.Level.BRANCH)
        .order_by("-created_at", "-id")
        .values("assignee_id")[:1]
    )
    return Case(
        When(level=Grievance.Level.BRANCH, then=F("assignee_id")),
        default=Subquery(last_at_branch),
        output_field=BigIntegerField(),
    )


def measured_cases(cases) -> list[dict]:
    """One row per case (one query, plus one for the calendar): its groups and its
    waits in working hours, to acknowledgement and to resolution (None if not yet)."""
    hardship = Case(
        When(filer_member__has_hardship=True, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    rows = list(
        cases.annotate(officer=_branch_officer(), hardship=hardship).values(
            "officer",
            "category",
            "category__name",
            "category__branch__name",
            "filer_member__home_campus__name",
            "hardship",
            "filed_at",
            "acknowledged_at",
            "resolved_at",
        )
    )
    moments = [
        timezone.localdate(row[key])
        for row in rows
        for key in ("filed_at", "acknowledged_at", "resolved_at")
        if row[key] is not None
    ]
    if moments:
        clock = WorkingClock(min(moments), max(moments))
        for row in rows:
            for key, end in (("ack", "acknowledged_at"), ("resolve", "resolved_at")):
                row[key] = (
                    None if row[end] is None else clock.hours_between(row["filed_at"], row[end])
                )
    return rows


MEASURES = (("ack", "n_ack"), ("resolve", "n_resolved"))


def _kth_excluding(values, excluded, k):
    """The k-th smallest (from 0) of sorted `values` once the sorted `excluded` (a
    part of them) are taken out, without building the rest: a binary search on
    how many of the rest are at most each value."""
    low, high = 0, len(values) - 1
    while low < high:
        middle = (low + high) // 2
        value = values[middle]
        if bisect_right(values, value) - bisect_right(excluded, value) > k:
            high = middle
        else:
            low = middle + 1
    return values[low]


def _median_excluding(values, excluded):
    """percentile(…, 0.5) of `values` without `excluded` (None if nothing is left)."""
    n = len(values) - len(excluded)
    if n <= 0:
        return None
    position = 0.5 * (n - 1)
    lower = int(position)
    low = _kth_excluding(values, excluded, lower)
    if position == lower:
        return low
    return low + (_kth_excluding(values, excluded, lower + 1) - low) * (position - lower)


def _timing_row(name, group: list, everyone: dict) -> dict:
    """Cases, and median and 90th percentile of the working hours to acknowledgement
    and to resolution (a case not yet acknowledged or resolved is left out of that
    figure), and how the medians compare with all the other cases' (`_others`).
    `everyone`: measure -> the sorted waits of all the cases of the table."""
    row = {"name": name, "n": len(group), "_others": {}}
    for measure, count in MEASURES:
        values = sorted(c[measure] for c in group if c[measure] is not None)
        row[count] = len(values)
        median, p90 = percentile(values, 0.5), percentile(values, 0.9)
        row[f"{measure}_median"] = None if median is None else round(median, 1)
        row[f"{measure}_p90"] = None if p90 is None else round(p90, 1)
        rest_median = _median_excluding(everyone[measure], values)
        ratio = median / rest_median if median is not None and rest_median else None
        row["_others"][measure] = (len(everyone[measure]) - len(values), ratio)
    return row


def _everyone(cases) -> dict:
    return {
        measure: sorted(c[measure] for c in cases if c[measure] is not None)
        for measure, _count in MEASURES
    }


def _grouped(cases, key, names, catch_all=None) -> list:
    """Timing rows per value of `key` (names: value -> label), sorted by name, the
    row of the value None (unassigned, unknown) last as `catch_all`."""
    groups = {}
    for c in cases:
        groups.setdefault(c[key], []).append(c)
    everyone = _everyone(cases)
    rows = [
        _timing_row(names(value), group, everyone)
        for value, group in groups.items()
        if value is not None
    ]
    rows.sort(key=lambda r: str(r["name"]))
    if None in groups:
        rows.append(_timing_row(catch_all, groups[None], everyone))
    return rows


def timings_per_officer(cases) -> list:
    from django.contrib.auth import get_user_model

    ids = {c["officer"] for c in cases if c["officer"] is not None}
    users = get_user_model().objects.filter(pk__in=ids) if ids else []
    names = {u.pk: u.get_full_name() or u.email for u in users}
    return _grouped(cases, "officer", names.get, catch_all=UNASSIGNED)


def timings_per_category(cases) -> list:
    # Categories are per branch: across branches, say whose category it is.
    several_branches = len({c["category__branch__name"] for c in cases}) > 1
    names = {
        c["category"]: f"{c['category__name']} · {c['category__branch__name']}"
        if several_branches
        else c["category__name"]
        for c in cases
    }
    return _grouped(cases, "category", names.get)


def timings_per_campus(cases) -> list:
    # An anonymous case has no filer_member, hence no campus.
    return _grouped(
        cases, "filer_member__home_campus__name", lambda name: name, catch_all=UNKNOWN_CAMPUS
    )


def timings_hardship(cases) -> list:
    """Two rows, always: filers in hardship, then everyone else (anonymous cases too)."""
    everyone = _everyone(cases)
    return [
        _timing_row(label, [c for c in cases if c["hardship"] is flag], everyone)
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
    """Missed deadlines: the clock's escalations of the cases (not a chair's
    forward), counted against whoever held the case at the time, which the history
    row keeps although the case then belongs to the chair or a liaison."""
    rows = (
        GrievanceEvent.objects.filter(
            kind=GrievanceEvent.Kind.ESCALATED,
            actor__isnull=True,
            grievance__in=cases.values("pk"),
        )
        .values(*_person_fields("assignee"))
        .annotate(n=Count("id"))
        .order_by()
    )
    return _by_name(
        [{"name": _person(r, "assignee"), "n": r["n"]} for r in rows], catch_all=UNASSIGNED
    )


def fairness_key(*, branch_ids=None, date_from=None, date_to=None) -> str:
    """What the figures depend on, besides the data (the cache's version) and the
    language: the branches, the period and the small-group threshold."""
    return (
        f"{sorted(branch_ids) if branch_ids is not None else 'all'}:{date_from}:{date_to}"
        f":min{min_group_size()}"
    )


def fairness(*, branch_ids=None, date_from=None, date_to=None) -> dict:
    """Everything the dashboard shows: six queries, then cached until the next
    change to any case (every history row bumps the version) or five minutes.
    Small groups are withheld before anything is cached or shown."""
    key = fairness_key(branch_ids=branch_ids, date_from=date_from, date_to=date_to)
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


def _flag_long_waits(rows) -> list:
    """Marks a group whose median wait is more than WAIT_FLAG_RATIO times the
    median of all the other cases (`flags`: measure and ratio). A withheld figure is
    never flagged, nor one compared with fewer other cases than the threshold."""
    flagged = []
    for row in rows:
        row = dict(row)
        others = row.pop("_others", {})
        row["flags"] = []
        for measure, (n_others, ratio) in others.items():
            if (
                is_shown(row[f"{measure}_median"])
                and n_others >= min_group_size()
                and ratio is not None
                and ratio > WAIT_FLAG_RATIO
            ):
                row["flags"].append({"measure": measure, "ratio": round(ratio, 1)})
        flagged.append(row)
    return flagged


def withhold_small(data: dict) -> dict:
    """The dashboard's figures with every group under the threshold withheld: the
    four timing tables (cases, and the times of the acknowledged and resolved among
    them), open cases per age and escalations per officer."""
    return {
        **{key: _flag_long_waits(_withhold_timings(data[key])) for key in GROUPINGS},
        "open_by_age": withhold_small_groups(data["open_by_age"]),
        "escalations": withhold_small_groups(data["escalations"]),
    }


def _fairness(*, branch_ids=None, date_from=None, date_to=None) -> dict:
    cases = cases_in_scope(branch_ids=branch_ids, date_from=date_from, date_to=date_to)
    measured = measured_cases(cases)
    return {
        "officer": timings_per_officer(measured),
        "category": timings_per_category(measured),
        "campus": timings_per_campus(measured),
        "hardship": timings_hardship(measured),
        "open_by_age": open_by_age(cases),
        "escalations": escalations_per_officer(cases),
    }
