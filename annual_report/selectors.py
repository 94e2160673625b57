"""The yearly report (工会年度工作报告): a list of SECTIONS, each a small function
that takes the report's scope and returns its figures, every figure with the
link to the list it counts (with the same filters), so a member can check it.

Nothing here is typed in: each figure is computed from the other apps' data,
through their own report code where it exists (events.report, the grievance
dashboard's scope, participation.selectors.proposal_summary,
notices.selectors.money_summary). Figures about people (cases per campus,
participation per campus) are withheld under PORTAL_MIN_GROUP_SIZE; an anonymous
case counts in the totals only.

The whole report is cached (core.cache_versions) under a key that carries the
year, the branches and the reader's audience, until any counted model is written
(annual_report.signals) or five minutes pass.

Adding a section: write `def my_section(scope) -> dict` returning
`section(key, title, figures=[figure(...)], rows=[row(...)])` and append it to
SECTIONS; the page, the print view and the university page show it as they are.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, Min, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from care.models import Handout, HardshipFile, Pickup, SupportRecord
from care.selectors import handouts_of_year, open_during
from events.models import Event, Venue
from events.report import participation
from grievances.dashboard import cases_in_scope
from grievances.models import Grievance, GrievanceEvent
from grievances.selectors import ALL_STATUSES, DEADLINE_MET
from notices.models import Notice, Objection
from notices.selectors import money_summary
from participation.models import Proposal
from participation.selectors import proposal_summary
from union_portal.core.cache_versions import cached
from union_portal.core.small_groups import (
    is_shown,
    is_small,
    min_group_size,
    withheld_label,
    withhold_small_groups,
)

from .permissions import PUBLIC, UNIVERSITY
from .signals import VERSION


@dataclass(frozen=True)
class Scope:
    branch_ids: tuple  # the branches counted (one, or every one for the university total)
    year: int
    audience: str  # permissions.PUBLIC / INSIDE / UNIVERSITY

    @property
    def date_from(self):
        return date(self.year, 1, 1)

    @property
    def date_to(self):
        return date(self.year, 12, 31)

    @property
    def branch(self):
        """The one branch, as a list filter (None on the university total)."""
        return self.branch_ids[0] if len(self.branch_ids) == 1 else None


def link(name, **query) -> str:
    query = {k: v for k, v in query.items() if v not in (None, "", False)}
    return reverse(name) + ("?" + urlencode(query) if query else "")


def figure(key, label, value, url=None, unit="") -> dict:
    return {"key": key, "label": label, "value": value, "url": url, "unit": unit}


def row(name, figures) -> dict:
    return {"name": name, "figures": figures}


def section(key, title, *, figures, rows=(), rows_heading="", columns=(), note="") -> dict:
    return {
        "key": key, "title": title, "figures": list(figures), "rows": list(rows),
        "rows_heading": rows_heading, "columns": list(columns), "note": note,
    }  # fmt: skip


def _rate(part, whole):
    return round(100 * part / whole) if is_shown(part) and is_shown(whole) and whole else None


# --- Events -----------------------------------------------------------------


def events_section(scope: Scope) -> dict:
    """Events held (published, ended) per campus of their venues, and the branch's
    members taking part per home campus (events.report), with the far campuses'
    share of those who attended. Four queries."""
    now = timezone.now()
    held = Event.objects.filter(
        branch_id__in=scope.branch_ids, status=Event.Status.PUBLISHED, ends_at__lt=now,
        starts_at__year=scope.year,
    )  # fmt: skip
    list_filters = {"when": "held", "year": scope.year, "branch": scope.branch}
    per_venue = {
        r["campus_id"]: r
        for r in Venue.objects.filter(event__in=held)
        .values("campus_id", "campus__name")
        .annotate(n=Count("event", distinct=True))
        .order_by()
    }
    taking_part = participation(
        branch_ids=set(scope.branch_ids), date_from=scope.date_from, date_to=scope.date_to, now=now
    )["campus"]
    report_url = link(
        "events:report", date_from=scope.date_from.isoformat(), date_to=scope.date_to.isoformat()
    )
    rows, seen = [], set()
    for campus in taking_part:
        seen.add(campus["id"])
        events_there = per_venue.get(campus["id"], {}).get("n", 0)
        rows.append(row(campus["name"], [
            figure("events", _("Events held here"), events_there,
                   link("events:list", campus=campus["id"], **list_filters)),
            figure("members", _("Active members"), campus["members"], report_url),
            figure("attended", _("Members who attended"), campus["members_attended"], report_url),
            figure("rate", _("Attendance rate"), campus["attendance_rate"], report_url, "%"),
        ]))  # fmt: skip
    for campus_id, venue in per_venue.items():
        if campus_id not in seen:
            rows.append(row(venue["campus__name"], [
                figure("events", _("Events held here"), venue["n"],
                       link("events:list", campus=campus_id, **list_filters)),
                figure("members", _("Active members"), 0, report_url),
                figure("attended", _("Members who attended"), 0, report_url),
                figure("rate", _("Attendance rate"), None, report_url, "%"),
            ]))  # fmt: skip
    attended = [c["members_attended"] for c in taking_part]
    far = [c["members_attended"] for c in taking_part if not c.get("home")]
    # A withheld far campus would be given away by its share of the total.
    far_share = _rate(sum(far), sum(attended)) if all(map(is_shown, attended)) else None
    return section(
        "events",
        _("Events and participation"),
        figures=[
            figure("events_held", _("Events held"), held.count(),
                   link("events:list", **list_filters)),
            figure("far_share", _("Share of those who attended from the far campus"), far_share,
                   report_url, "%"),
        ],
        rows=rows,
        rows_heading=_("Per campus"),
        columns=[_("Events held here"), _("Active members"), _("Members who attended"),
                 _("Attendance rate")],
        note=_("Events are counted on the campus of each of their venues; members on their "
               "home campus."),
    )  # fmt: skip


# --- Cases ------------------------------------------------------------------


def cases_section(scope: Scope) -> dict:
    """Cases filed in the year, acknowledged and resolved within the working-day
    deadlines, escalated, appealed, and accepted by the filer (satisfaction, where
    the filer said so); per campus of named and confidential filers (an anonymous
    case counts in the totals only). Two queries."""
    cases = cases_in_scope(branch_ids=scope.branch_ids, date_from=scope.date_from,
                           date_to=scope.date_to)  # fmt: skip
    accepted = GrievanceEvent.objects.filter(
        grievance=OuterRef("pk"), kind=GrievanceEvent.Kind.ACCEPTED
    )
    totals = cases.annotate(was_accepted=Exists(accepted)).aggregate(
        filed=Count("pk"),
        ack_met=Count("pk", filter=DEADLINE_MET["ack"]),
        resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        resolve_met=Count("pk", filter=DEADLINE_MET["resolve"]),
        escalated=Count("pk", filter=Q(escalations__gt=0)),
        appealed=Count("pk", filter=Q(appealed=True)),
        accepted=Count("pk", filter=Q(was_accepted=True)),
    )
    if scope.audience == UNIVERSITY:

        def url(**extra):  # the liaison's view of cases: the dashboard, per branch
            return link("grievances:dashboard", branch=scope.branch,
                        date_from=scope.date_from.isoformat(),
                        date_to=scope.date_to.isoformat())  # fmt: skip
    else:

        def url(**extra):  # every status: the queue opens on open cases only
            return link("grievances:queue", year=scope.year, status=ALL_STATUSES, **extra)

    per_campus = withhold_small_groups([
        {"name": r["filer_member__home_campus__name"], "n": r["n"]}
        for r in cases.filter(filer_member__isnull=False)
        .values("filer_member__home_campus__name")
        .annotate(n=Count("pk"))
        .order_by("filer_member__home_campus__name")
    ])  # fmt: skip
    dashboard = link("grievances:dashboard", date_from=scope.date_from.isoformat(),
                     date_to=scope.date_to.isoformat())  # fmt: skip
    return section(
        "cases",
        _("Grievances and suggestions"),
        figures=[
            figure("filed", _("Cases filed"), totals["filed"], url()),
            figure("ack_met", _("Acknowledged within the deadline"), totals["ack_met"],
                   url(met="ack")),
            figure("resolved", _("Resolved"), totals["resolved"], url()),
            figure("resolve_met", _("Resolved within the deadline"), totals["resolve_met"],
                   url(met="resolve")),
            figure("escalated", _("Escalated after a missed deadline or forwarded"),
                   totals["escalated"], url(escalated=1)),
            figure("appealed", _("Appealed by the filer"), totals["appealed"], url(appealed=1)),
            figure("accepted", _("Resolutions the filer accepted"), totals["accepted"], url()),
        ],
        rows=[row(r["name"], [figure("filed", _("Cases filed"), r["n"], dashboard)])
              for r in per_campus],
        rows_heading=_("Per campus of the filer"),
        columns=[_("Cases filed")],
        note=_("Deadlines are working days of the official calendar. Anonymous cases count "
               "in the totals only."),
    )  # fmt: skip


# --- Proposals --------------------------------------------------------------


def proposals_section(scope: Scope) -> dict:
    """participation.selectors.proposal_summary: filed, accepted, answered, on time,
    and the proposers' ratings (withheld under 5 each). Two queries."""
    totals, _offices = proposal_summary(branch_ids=list(scope.branch_ids), year=scope.year)

    def url(**extra):
        return link("participation:list", year=scope.year, **extra)

    ratings = withhold_small_groups(
        [
            {"name": label, "key": value, "n": totals[value]}
            for value, label in Proposal.Rating.choices
        ]
    )
    return section(
        "proposals",
        _("Proposals (提案)"),
        figures=[
            figure("filed", _("Proposals filed"), totals["filed"], url()),
            figure("accepted", _("Accepted (立案)"), totals["accepted"], url()),
            figure("suggestion", _("Turned into suggestions"), totals["suggestion"],
                   url(status=Proposal.Status.SUGGESTION)),
            figure("not_accepted", _("Not accepted"), totals["not_accepted"],
                   url(status=Proposal.Status.NOT_ACCEPTED)),
            figure("answered", _("Answered"), totals["answered"], url()),
            figure("on_time", _("Answered on time"), totals["on_time"], url()),
        ],
        rows=[row(r["name"], [figure(r["key"], _("Proposals"), r["n"], url())]) for r in ratings],
        rows_heading=_("The proposers' ratings of the answers"),
        columns=[_("Proposals")],
    )  # fmt: skip


# --- Money ------------------------------------------------------------------


def _published_notices(scope: Scope):
    notices = Notice.objects.filter(
        Notice.readable_q(), branch_id__in=scope.branch_ids, published_at__isnull=False,
        status__in=[Notice.Status.PUBLISHED, Notice.Status.FINAL],
    )  # fmt: skip
    if scope.audience == PUBLIC:
        notices = notices.filter(visibility=Notice.Visibility.PUBLIC)
    return notices


def money_section(scope: Scope) -> dict:
    """Money published in the year's fund notices (their current versions), per
    spending category (notices.selectors.money_summary), and each notice with its
    total. A public reader counts public notices only."""
    notices = _published_notices(scope)
    summary = money_summary(year=scope.year, user=AnonymousUser(), notices=notices)
    per_category = {}
    for table in summary["branches"]:
        for entry in table["rows"]:
            category = entry["category"]
            found = per_category.setdefault(
                category.pk, {"name": category.name, "sort": category.sort,
                              "spent": Decimal("0.00"), "lines": 0})  # fmt: skip
            found["spent"] += entry["spent"]
            found["lines"] += entry["lines"]
    summary_url = link("notices:summary", year=scope.year)
    list_url = link("notices:list", kind=Notice.Kind.FUND, year=scope.year, branch=scope.branch)
    fund = list(
        notices.filter(kind=Notice.Kind.FUND, published_at__year=scope.year)
        .values("pk", "current__title", "visibility")
        .annotate(total=Sum("current__fund_lines__amount"))
        .order_by("published_at", "pk")
    )
    # A members-only notice's title is for the branch's eyes on the notice page
    # itself: here (and in the cache) it counts without being named.
    members_only = [n for n in fund if n["visibility"] != Notice.Visibility.PUBLIC]
    rows = [
        row(c["name"], [figure("spent", _("Spent (CNY)"), c["spent"], summary_url),
                        figure("lines", _("Lines"), c["lines"], summary_url)])
        for c in sorted(per_category.values(), key=lambda c: (c["sort"], c["name"]))
    ] + [
        row(n["current__title"], [
            figure("spent", _("Spent (CNY)"), n["total"] or Decimal("0.00"),
                   reverse("notices:detail", args=[n["pk"]])),
            figure("lines", _("Lines"), None, reverse("notices:detail", args=[n["pk"]])),
        ])
        for n in fund if n["visibility"] == Notice.Visibility.PUBLIC
    ] + ([
        row(_("Members-only notices"), [
            figure("spent", _("Spent (CNY)"),
                   sum((n["total"] or Decimal("0.00") for n in members_only), Decimal("0.00")),
                   list_url),
            figure("lines", _("Lines"), None, list_url),
        ])
    ] if members_only else [])  # fmt: skip
    return section(
        "money",
        _("Money published (公示)"),
        figures=[
            figure("spent", _("Spent in published fund notices (CNY)"), summary["spent"],
                   summary_url),
            figure("notices", _("Fund notices published"), len(fund), list_url),
        ],
        rows=rows,
        rows_heading=_("Per spending category, then per notice"),
        columns=[_("Spent (CNY)"), _("Lines")],
    )  # fmt: skip


# --- Objections -------------------------------------------------------------


def objections_section(scope: Scope) -> dict:
    """Objections to the branch's notices received in the year, and answered. One query."""
    notices = _published_notices(scope)
    counts = Objection.objects.filter(notice__in=notices, created_at__year=scope.year).aggregate(
        received=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False))
    )
    url = link("notices:list", year=scope.year, branch=scope.branch)
    return section(
        "objections",
        _("Objections to notices"),
        figures=[
            figure("received", _("Objections received"), counts["received"], url),
            figure("answered", _("Objections answered"), counts["answered"], url),
        ],
    )


# --- Welfare handed out -----------------------------------------------------


def welfare_section(scope: Scope) -> dict:
    """Handouts whose choice deadline fell in the year, and what was collected at
    the pickup points of each campus: members who collected (withheld under 5)
    and the value handed out at the options' unit prices. Two queries."""
    handouts = handouts_of_year(Handout.objects.filter(branch_id__in=scope.branch_ids), scope.year)
    per_campus = list(
        Pickup.objects.filter(handout__in=handouts)
        .values("point__campus__name")
        .annotate(
            n=Count("pk"),
            value=Sum("choice__option__unit_price"),
        )
        .order_by("point__campus__name")
    )  # fmt: skip
    url = link("care:welfare_list", year=scope.year)
    collected = sum(r["n"] for r in per_campus)
    shown = withhold_small_groups(per_campus, figures=("value",))
    rows = [
        row(
            r["point__campus__name"],
            [
                figure("collected", _("Members who collected"), r["n"], url),
                figure("value", _("Value handed out (CNY)"), r["value"], url),
            ],
        )  # fmt: skip
        for r in shown
    ]
    return section(
        "welfare",
        _("Welfare handed out"),
        figures=[
            figure("handouts", _("Handouts"), handouts.count(), url),
            figure(
                "collected",
                _("Members who collected"),
                collected if is_shown(collected) and not is_small(collected) else withheld_label(),
                url,
            ),
        ],  # fmt: skip
        rows=rows,
        rows_heading=_("Per campus of the pickup point"),
        columns=[_("Members who collected"), _("Value handed out (CNY)")],
    )


# --- Hardship support (figures only) -----------------------------------------


def hardship_section(scope: Scope) -> dict:
    """How far support reached members in hardship in the year: files open at any
    time of the year, members given support, contacts (visits, calls, condolences)
    and money given. Figures only, never a name; each count under 5 is withheld,
    and the money with it. One query."""
    files = HardshipFile.objects.filter(open_during(scope.year), branch_id__in=scope.branch_ids)
    records = SupportRecord.objects.filter(file__in=files, date__year=scope.year)
    counts = files.aggregate(files=Count("pk", distinct=True))
    counts |= records.aggregate(
        supported=Count("file__member", distinct=True),
        contacts=Count("pk", filter=Q(kind__in=SupportRecord.CONTACT_KINDS)),
        given_to=Count("file__member", distinct=True, filter=Q(amount__isnull=False)),
        money=Sum("amount"),
    )

    def shown(value):
        return value if not is_small(value) else withheld_label()

    url = link("care:hardship_list", status="all", year=scope.year)
    return section(
        "hardship",
        _("Support for members in hardship"),
        figures=[
            figure("files", _("Members with a hardship file"), shown(counts["files"]), url),
            figure("supported", _("Members given support"), shown(counts["supported"]), url),
            figure("contacts", _("Visits, calls and condolences"), counts["contacts"], url),
            figure(
                "money",
                _("Money given (CNY)"),
                counts["money"] or Decimal("0")
                if not is_small(counts["given_to"])
                else withheld_label(),
                url,
            ),
        ],  # fmt: skip
        note=_("Figures only: no member in hardship is named in the report."),
    )


# The report, in order.
SECTIONS = [
    events_section, cases_section, proposals_section, money_section, welfare_section,
    hardship_section, objections_section,
]  # fmt: skip


def _report_key(branch_ids, year, audience):
    ids = ",".join(map(str, sorted(branch_ids)))
    return f"report:{ids}:{year}:{audience}:min{min_group_size()}"


def report(*, branch_ids, year: int, audience: str, version=None) -> list[dict]:
    """Every section's figures, cached until a counted model changes (or 5 min).
    The key carries the audience: a public reader never gets members-only figures.
    `version`: the report's cache version as the page read it (cache_versions)."""
    scope = Scope(branch_ids=tuple(sorted(branch_ids)), year=year, audience=audience)
    key = _report_key(branch_ids, year, audience)
    return cached(VERSION, key, lambda: [compute(scope) for compute in SECTIONS], version=version)


def report_html(*, branch_ids, year: int, audience: str, version=None) -> str:
    """The sections as the page shows them, cached beside their figures (the same key:
    the same audience, language and data version): a hundred rows of figures took
    a third of the page's time to render on every request. The figures are read
    inside, so a page is never rendered from figures older than its version."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    def render():
        sections = report(branch_ids=branch_ids, year=year, audience=audience)
        return render_to_string("annual_report/_sections.html", {"sections": sections})

    key = "html:" + _report_key(branch_ids, year, audience)
    html = cached(VERSION, key, render, version=version)
    return mark_safe(html)  # rendered by our template, escaped there


def years_offered(branch_ids=None, *, version=None) -> list[int]:
    """The years with any counted data, up to the current one, newest first."""
    key = f"years:{'all' if branch_ids is None else ','.join(map(str, sorted(branch_ids)))}"
    return cached(VERSION, key, lambda: _years_offered(branch_ids), version=version)


def _years_offered(branch_ids):
    this_year = timezone.localdate().year
    sources = [
        (Event.objects.filter(status=Event.Status.PUBLISHED), "starts_at"),
        (Grievance.objects.all(), "filed_at"),
        (Notice.objects.filter(published_at__isnull=False), "published_at"),
        (Proposal.objects.filter(submitted_at__isnull=False), "submitted_at"),
    ]
    first = this_year
    for queryset, field in sources:
        if branch_ids is not None:
            queryset = queryset.filter(branch_id__in=branch_ids)
        earliest = queryset.aggregate(first=Min(field))["first"]
        if earliest is not None:
            first = min(first, timezone.localtime(earliest).year)
    return list(range(this_year, first - 1, -1))


def university_report(*, branches, year: int, version=None) -> dict:
    """Every branch side by side and the total: per section, one line per top figure.
    Cached as it is shown: the branches' whole reports (every notice of every branch
    as a row) took over a second to read back from the cache at 20 000 members."""
    from django.template.loader import render_to_string
    from django.utils.functional import SimpleLazyObject
    from django.utils.safestring import mark_safe

    ids = ",".join(str(b.pk) for b in branches)
    key = f"university:{year}:{ids}:min{min_group_size()}"

    def compute():
        return cached(VERSION, key, lambda: _university_sections(branches, year), version=version)

    def render():
        context = {"sections": compute(), "branches": branches, "year": year}
        return render_to_string("annual_report/_university_sections.html", context)

    html = cached(VERSION, "html:" + key, render, version=version)
    # Rendered by our template, escaped there; cached as the figures are. The
    # figures themselves are read only if asked for (the page shows the HTML).
    return {
        "sections": SimpleLazyObject(compute),
        "branches": branches,
        "sections_html": mark_safe(html),
    }


def _university_sections(branches, year):
    columns = [report(branch_ids=[b.pk], year=year, audience=UNIVERSITY) for b in branches]
    total = report(branch_ids=[b.pk for b in branches], year=year, audience=UNIVERSITY)
    result = []
    for index, total_section in enumerate(total):
        lines = []
        for position, total_figure in enumerate(total_section["figures"]):
            lines.append({
                "label": total_figure["label"],
                "cells": [column[index]["figures"][position] for column in columns],
                "total": total_figure,
            })  # fmt: skip
        result.append({"title": total_section["title"], "lines": lines})
    return result
