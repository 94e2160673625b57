"""The yearly report pages: a branch's (with a choice of branch for readers of
several), the university's (every branch side by side, for the liaison), and the
branch's choice of who reads it."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from members.models import Branch
from union_portal.core.cache_versions import current
from union_portal.core.forms import parse_id
from union_portal.core.roles import login_required_403

from . import selectors, services
from .forms import ReportSettingsForm
from .models import ReportSettings
from .permissions import (
    get_branch_for_reader,
    may_read_university,
    readable_branches,
    settings_branch_ids,
    sign_in_first,
)


def current_year(request):
    return redirect("annual_report:year", year=timezone.localdate().year)


def _no_such_year(request, year, years):
    return render(request, "annual_report/no_year.html", {"year": year, "years": years}, status=404)


@sign_in_first
def year_report(request, year):
    branches = readable_branches(request.user)
    wanted = request.GET.get("branch")
    if wanted:
        branch_id = parse_id(wanted)
        if branch_id is None:
            raise Http404
        branch, audience = get_branch_for_reader(request.user, branch_id)
    elif branches:
        branch, audience = branches[0]
    else:
        branch = audience = None
    context = {"year": year, "branches": [b for b, _a in branches], "branch": branch}
    if branch is not None:
        version = current(selectors.VERSION)  # read once for the page's cached pieces
        years = selectors.years_offered([branch.pk], version=version)
        if year not in years:
            return _no_such_year(request, year, years)
        scope = {"branch_ids": [branch.pk], "year": year, "audience": audience}
        public = getattr(branch, "public", None)  # readable_branches() says it
        if public is None:
            public = ReportSettings.objects.filter(branch=branch, public=True).exists()
        context |= {
            "years": years,
            "audience": audience,
            # The figures, read only if asked for (the page shows sections_html).
            "sections": SimpleLazyObject(lambda: selectors.report(**scope, version=version)),
            "sections_html": selectors.report_html(**scope, version=version),
            "may_set": branch.pk in settings_branch_ids(request.user),
            "public": public,
        }
    elif not 2000 <= year <= timezone.localdate().year:
        return _no_such_year(request, year, [])
    context["university"] = may_read_university(request.user)
    return render(request, "annual_report/report.html", context)


@login_required_403
def university_report(request, year):
    if not may_read_university(request.user):
        raise PermissionDenied
    version = current(selectors.VERSION)  # read once for the page's cached pieces
    years = selectors.years_offered(None, version=version)
    if year not in years:
        return _no_such_year(request, year, years)
    branches = list(Branch.objects.order_by("name"))
    data = selectors.university_report(branches=branches, year=year, version=version)
    return render(request, "annual_report/university.html", {"year": year, "years": years, **data})


@login_required_403
def report_settings(request):
    allowed = settings_branch_ids(request.user)
    if not allowed:
        raise PermissionDenied
    branches = list(Branch.objects.filter(pk__in=allowed).order_by("name"))
    branch_id = parse_id(request.POST.get("branch") or request.GET.get("branch") or "")
    branch = next((b for b in branches if b.pk == branch_id), branches[0])
    current = ReportSettings.objects.filter(branch=branch).first() or ReportSettings(branch=branch)
    form = ReportSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.report_settings_save(
            actor=request.user, branch=branch, public=form.cleaned_data["public"]
        )
        from django.contrib import messages

        messages.success(request, _("Saved: who reads the branch's yearly reports."))
        return redirect(f"{request.path}?branch={branch.pk}")
    return render(
        request,
        "annual_report/settings.html",
        {"form": form, "branch": branch, "branches": branches, "year": timezone.localdate().year},
    )
