"""The participation report: how many of the branch's members take part, measured
against the roster.

A branch's report counts its own members (by the member's branch on the roster),
in events of any branch: an event belongs to one branch (possibly open to all), so
a member of the foreign-languages branch at a computer-science event counts in the
foreign-languages report, and the host's report leaves them out.

Past events only (ended before now) make the rates; registrations for events still
to come are counted beside them. A rate is the share of the group's active members
who registered for (or attended) at least one past event in the period.
"""

from django.db.models import Count, Min, Q
from django.utils import timezone

from members.models import Member
from members.selectors import ROSTER_VERSION
from union_portal.core import cache_versions
from union_portal.core.small_groups import min_group_size, withhold_small_groups

from .models import Event, Registration
from .services import CACHE_VERSION

HOLDS_PLACE = Registration.HOLDS_PLACE
ATTENDED = Registration.Status.ATTENDED
CONFIRMED = Registration.Status.CONFIRMED

# Figures of a row computed from the people in the group.
PEOPLE_FIGURES = (
    "registered",
    "attended",
    "no_show",
    "members_registered",
    "members_attended",
    "registration_rate",
    "attendance_rate",
)


def _rate(part, whole):
    return round(100 * part / whole) if whole else None


def _registrations(*, branch_ids, date_from, date_to):
    registrations = Registration.objects.filter(
        member__branch_id__in=branch_ids, status__in=HOLDS_PLACE
    )
    if date_from:
        registrations = registrations.filter(event__starts_at__date__gte=date_from)
    if date_to:
        registrations = registrations.filter(event__starts_at__date__lte=date_to)
    return registrations


def _counts(now):
    past = Q(event__ends_at__lt=now)
    return {
        "registered": Count("id", filter=past),
        "attended": Count("id", filter=past & Q(status=ATTENDED)),
        # A confirmed place at an event that has ended without a check-in.
        "no_show": Count("id", filter=past & Q(status=CONFIRMED)),
        "members_registered": Count("member", distinct=True, filter=past),
        "members_attended": Count("member", distinct=True, filter=past & Q(status=ATTENDED)),
        "upcoming": Count("id", filter=~past),
    }


COUNTED = (
    "members", "registered", "attended", "no_show", "members_registered", "members_attended",
    "upcoming",
)  # fmt: skip


def _group_rows(cells, members, key_index):
    """Sum (campus, department) cells into rows of one of them. A member has one
    campus and one department, so distinct-member counts add up exactly. Keys
    are ((campus id, name), (department id, name))."""
    rows = {}
    for key, figures in cells.items():
        row = rows.setdefault(key[key_index], dict.fromkeys(COUNTED, 0))
        for name, value in figures.items():
            row[name] += value
    for key, n in members.items():
        rows.setdefault(key[key_index], dict.fromkeys(COUNTED, 0))["members"] += n
    result = []
    for (pk, name), row in rows.items():
        row["id"], row["name"] = pk, name
        row["registration_rate"] = _rate(row["members_registered"], row["members"])
        row["attendance_rate"] = _rate(row["members_attended"], row["members"])
        result.append(row)
    return result


def _withhold(rows):
    # A group of fewer than 5 members, or fewer than 5 of them taking part,
    # singles people out: its figures (and, for a lone small row, the next
    # smallest, whose total would tell) show "<5".
    rows = withhold_small_groups(rows, count="members", figures=(*PEOPLE_FIGURES, "upcoming"))
    rows = withhold_small_groups(rows, count="members_registered", figures=PEOPLE_FIGURES)
    return withhold_small_groups(rows, count="upcoming")


def participation(*, branch_ids, date_from=None, date_to=None, now=None):
    """Per campus, per department and per event (three queries). Campus rows come
    home campus first (the one most of the members work on), then the far ones."""
    now = now or timezone.now()
    registrations = _registrations(branch_ids=branch_ids, date_from=date_from, date_to=date_to)
    place = ("home_campus_id", "home_campus__name", "department_id", "department__name")

    def key(row, prefix=""):
        campus_id, campus, department_id, department = (row.pop(prefix + f) for f in place)
        return ((campus_id, campus), (department_id, department))

    cells = {
        key(row, "member__"): row
        for row in registrations.values(*(f"member__{f}" for f in place))
        .annotate(**_counts(now))
        .order_by()
    }
    members = {
        key(row): row["n"]
        for row in Member.objects.filter(branch_id__in=branch_ids, status=Member.Status.ACTIVE)
        .values(*place)
        .annotate(n=Count("id"))
        .order_by()
    }
    campus = sorted(_group_rows(cells, members, 0), key=lambda r: (-r["members"], r["name"]))
    for index, row in enumerate(campus):
        row["home"] = index == 0
    department = sorted(_group_rows(cells, members, 1), key=lambda r: r["name"])
    events = list(
        registrations.values(
            "event_id", "event__title", "event__starts_at", "event__branch__name",
            "event__branch_id",
        )
        .annotate(**_counts(now))
        .order_by("event__starts_at", "event_id")
    )  # fmt: skip
    own = [row for row in events if row["event__branch_id"] in branch_ids]
    # Our members at another branch's event: not a count anyone sees on that
    # event's page, so a handful of them is withheld like any small group.
    foreign = withhold_small_groups(
        [row for row in events if row["event__branch_id"] not in branch_ids],
        count="members_registered",
        figures=("registered", "attended", "no_show", "members_attended", "upcoming"),
    )
    for row in (*own, *foreign):
        row["name"] = row["event__title"]
        row["hosted_elsewhere"] = row["event__branch_id"] not in branch_ids
    return {
        "campus": _withhold(campus),
        "department": _withhold(department),
        "event": sorted((*own, *foreign), key=lambda r: (r["event__starts_at"], r["event_id"])),
    }


def _next_end(now):
    """When the next event ends (None: none is still to end)."""
    return Event.objects.filter(ends_at__gte=now).aggregate(at=Min("ends_at"))["at"]


def cached_participation(*, branch_ids, date_from=None, date_to=None, now=None):
    """participation(), computed once per change to events, registrations
    (services.CACHE_VERSION) or the roster (ROSTER_VERSION), per set of branches
    and filters. An event ending changes the figures too (its registrations move
    from "to come" to the rates), so the figures are kept only until the next
    event ends; the first request after that counts afresh."""
    now = now or timezone.now()
    key = (
        f"participation:{sorted(branch_ids)}:{date_from}:{date_to}"
        f":roster{cache_versions.current(ROSTER_VERSION)}:min{min_group_size()}"
    )
    next_end, data = cache_versions.cached(
        CACHE_VERSION,
        key,
        lambda: (
            _next_end(now),
            participation(branch_ids=branch_ids, date_from=date_from, date_to=date_to, now=now),
        ),
    )
    if next_end is not None and now > next_end:
        cache_versions.bump(CACHE_VERSION, at_once=True)  # an event has ended: stale for all
        data = participation(branch_ids=branch_ids, date_from=date_from, date_to=date_to, now=now)
    return data
