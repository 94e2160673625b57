"""The fairness dashboard: how fast cases are acknowledged and resolved, per officer,
category, campus and for members in hardship; open cases by age; escalations.

For the branch chair (their branches) and the university liaison (every branch, or
one they choose). Aggregates only: no filer is ever named, and groups of fewer than
PORTAL_MIN_GROUP_SIZE cases show "<5" (whatever the filters).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from union_portal.core.cache_versions import cached
from union_portal.core.downloads import CSV, attachment, csv_bytes
from union_portal.core.roles import login_required_403
from union_portal.core.small_groups import is_shown, min_group_size, withheld_label

from . import dashboard as stats
from .forms import DashboardFilterForm
from .permissions import dashboard_branch_ids

# Horizontal bars, as in the events report: 14 px a row, 200 px for the largest bar
# (after 100 px of label, before 40 px for the figure).
BAR_ROW = 14
BAR_MAX = 200


def _scope(request):
    """The filter form, and the branches and period whose figures the reader asks for."""
    branch_ids = dashboard_branch_ids(request.user)
    if branch_ids is not None and not branch_ids:
        raise PermissionDenied
    form = DashboardFilterForm(request.GET or None, all_branches=branch_ids is None)
    filters = form.filters()
    if filters.get("branch"):
        branch_ids = {filters["branch"].pk}
    scope = {
        "branch_ids": branch_ids,
        "date_from": filters.get("date_from"),
        "date_to": filters.get("date_to"),
    }
    return form, scope


def _fairness(request):
    form, scope = _scope(request)
    return form, stats.fairness(**scope)


def _figures(data) -> str:
    """The tables and charts of the figures, as HTML: 90 rows of numbers to format
    for the liaison's every branch, the same for every reader of these figures."""
    charts = {
        "officer": _chart(data["officer"], "resolve_median"),
        "campus": _chart(data["campus"], "resolve_median"),
        "open_by_age": _chart(data["open_by_age"], "n"),
    }
    return render_to_string(
        "grievances/_dashboard_figures.html",
        {"data": data, "charts": charts, "headings": stats.GROUPINGS},
    )


def _chart(rows, field):
    """Bars for the rows that have a value in `field` (not missing, not withheld as
    a small group), the largest BAR_MAX wide."""
    rows = [row for row in rows if is_shown(row[field])]
    scale = max((row[field] for row in rows), default=0) or 1
    bars = [
        {
            "name": row["name"],
            "value": row[field],
            "y": index * BAR_ROW,
            "width": max(round(BAR_MAX * row[field] / scale), 1 if row[field] else 0),
        }
        for index, row in enumerate(rows)
    ]
    return {"bars": bars, "height": max(len(bars), 1) * BAR_ROW}


@login_required_403
def dashboard(request):
    form, scope = _scope(request)
    # The figures are read (from their cache) only to draw the tables and charts,
    # which are drawn once per version of them (any change to a case bumps it).
    data = SimpleLazyObject(lambda: stats.fairness(**scope))
    figures = cached("grievances", f"page:{stats.fairness_key(**scope)}", lambda: _figures(data))
    return render(
        request,
        "grievances/dashboard.html",
        {
            "form": form,
            "data": data,
            "figures": figures,
            "query": request.GET.urlencode(),
            "small_label": withheld_label(),
            "small_size": min_group_size(),
            "working_hours": settings.WORKING_HOURS,
        },
    )


@login_required_403
def dashboard_csv(request):
    _form, data = _fairness(request)
    rows = [
        [
            _("Grouping"),
            _("Name"),
            _("Cases"),
            _("Median working hours to acknowledgement"),
            _("90th percentile working hours to acknowledgement"),
            _("Median working hours to resolution"),
            _("90th percentile working hours to resolution"),
            _("Acknowledged"),
            _("Resolved"),
            _("Flag"),
        ]
    ]
    for key, heading in stats.GROUPINGS.items():
        rows += [
            [
                str(heading),
                str(row["name"]),
                row["n"],
                *(row[field] for field in stats.TIMING_FIELDS),
                row["n_ack"],
                row["n_resolved"],
                "; ".join(stats.flag_text(flag) for flag in row["flags"]),
            ]
            for row in data[key]
        ]
    rows += [[_("Open cases by age"), str(row["name"]), row["n"]] for row in data["open_by_age"]]
    rows += [[_("Escalations"), str(row["name"]), row["n"]] for row in data["escalations"]]
    return attachment(csv_bytes(rows), "fairness.csv", CSV)
