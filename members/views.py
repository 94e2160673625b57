import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from union_portal.core.cache_versions import current, fragment_key
from union_portal.core.downloads import CSV, XLSX, attachment
from union_portal.core.pagination import paginate
from union_portal.core.roles import can, login_required_403

from . import selectors, services
from .forms import (
    BirthdayMonthForm,
    MemberForm,
    RosterFilterForm,
    RosterImportForm,
    month_name,
)
from .models import Member, RosterImport
from .permissions import (
    get_import_for_viewer,
    get_member_for_editor,
    get_member_for_viewer,
    import_branch_ids,
    may_see_hardship,
    may_see_personal,
    personal_branch_ids,
    personal_required,
    roster_branch_ids,
    roster_required,
)
from .personal_data import personal_data
from .roster_io import DATE_FORMATS_SHOWN, RosterFileError, roster_csv, roster_xlsx


@login_required_403
def my_membership(request):
    member = (
        Member.objects.select_related("branch", "department", "home_campus")
        .filter(user=request.user)
        .first()
    )
    return render(request, "members/my_membership.html", {"member": member})


def _filtered_members(request):
    branch_ids = roster_branch_ids(request.user)
    form = RosterFilterForm(request.GET or None, branch_ids=branch_ids)
    filters = form.filters()
    return form, filters, selectors.roster_members(branch_ids=branch_ids, filters=filters)


@login_required_403
def my_data(request):
    """Everything the portal holds about the signed-in person, as JSON."""
    body = json.dumps(
        personal_data(request.user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    )
    return attachment(body.encode(), "my-union-data.json", "application/json; charset=utf-8")


@roster_required
def roster_list(request):
    form, _filters, members = _filtered_members(request)
    # Counted without the joins of the department's and campus's names the rows show.
    page, query = paginate(request, selectors.roster_rows(members), settings.ROSTER_PAGE_SIZE,
                           count=members.select_related(None).count())  # fmt: skip
    page.object_list = selectors.label_statuses(page.object_list)
    # The filter form's choices are the branches' departments and the campuses.
    filter_key = fragment_key(
        request, sorted(roster_branch_ids(request.user)), current(selectors.ROSTER_VERSION)
    )
    return render(
        request,
        "members/roster_list.html",
        {
            "filter_form": form,
            "page": page,
            "query": query,
            "filter_key": filter_key,
            # Each row's link: the prefix once, not a reverse() per row.
            "detail_prefix": reverse("members:detail", args=[0]).removesuffix("0/"),
        },
    )


@roster_required
def roster_export(request, fmt):
    _form, filters, members = _filtered_members(request)
    branch_ids = roster_branch_ids(request.user)
    services.roster_export_log(
        actor=request.user,
        branch_ids=branch_ids,
        filters=filters,
        file_format=fmt,
        rows=members.count(),
    )
    with_hardship = all(can(request.user, "roster.view_hardship", b) for b in branch_ids)
    if fmt == "xlsx":
        return attachment(roster_xlsx(members.iterator(), with_hardship), "roster.xlsx", XLSX)
    return attachment(roster_csv(members.iterator(), with_hardship), "roster.csv", CSV)


@personal_required
def birthdays(request):
    """Officers: the month's birthdays (this month unless another is picked) and
    the members reaching retirement age within 12 months."""
    branch_ids = personal_branch_ids(request.user)
    form = BirthdayMonthForm(request.GET or None)
    today = timezone.localdate()
    month = form.filters().get("month") or today.month
    return render(
        request,
        "members/birthdays.html",
        {
            "form": form,
            "month": month,
            "month_name": month_name(month),
            "birthdays": list(selectors.birthdays_in_month(branch_ids=branch_ids, month=month)),
            "retiring": selectors.retiring_within_year(branch_ids=branch_ids, today=today),
            "ages": selectors.retirement_ages(),
            "many_branches": len(branch_ids) > 1,
        },
    )


@roster_required
def member_detail(request, pk):
    member = get_member_for_viewer(request.user, pk)
    return render(
        request,
        "members/member_detail.html",
        {
            "member": member,
            "show_hardship": may_see_hardship(request.user, member),
            "show_personal": may_see_personal(request.user, member),
            "history": selectors.member_status_history(member),
            "may_edit": can(request.user, "roster.edit", member.branch_id),
        },
    )


@roster_required
def member_create(request):
    branch_ids = roster_branch_ids(request.user)
    form = MemberForm(request.POST or None, branch_ids=branch_ids)
    if request.method == "POST" and form.is_valid():
        member = services.member_create(actor=request.user, form=form)
        messages.success(request, _("%(name)s was added to the roster.") % {"name": member.name})
        return redirect("members:detail", pk=member.pk)
    return render(request, "members/member_form.html", {"form": form, "member": None})


@roster_required
def member_edit(request, pk):
    member = get_member_for_editor(request.user, pk)
    form = MemberForm(request.POST or None, instance=member, branch_ids={member.branch_id})
    if request.method == "POST" and form.is_valid():
        services.member_update(actor=request.user, form=form)
        messages.success(request, _("The changes were saved."))
        return redirect("members:detail", pk=member.pk)
    return render(request, "members/member_form.html", {"form": form, "member": member})


@roster_required
def roster_import(request):
    branch_ids = import_branch_ids(request.user)
    form = RosterImportForm(request.POST or None, request.FILES or None, branch_ids=branch_ids)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.ROSTER_IMPORT_MAX_BYTES:
            form.add_error("file", _("The file is larger than 5 MB."))
        else:
            try:
                roster_import = services.roster_import_upload(
                    actor=request.user,
                    branch=form.cleaned_data["branch"],
                    filename=upload.name,
                    content=upload.read(),
                )
            except RosterFileError as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("members:import_preview", pk=roster_import.pk)
    return render(
        request,
        "members/roster_import.html",
        {
            "form": form,
            "jobs": selectors.roster_imports_for(branch_ids=branch_ids),
            "many_branches": len(branch_ids) > 1,
            "date_formats": DATE_FORMATS_SHOWN,
        },
    )


@roster_required
def roster_import_preview(request, pk):
    """An import's page: its check, its preview, then its progress and result."""
    roster_import = get_import_for_viewer(request.user, pk)
    summary = roster_import.summary
    return render(
        request,
        "members/roster_import_preview.html",
        {
            "roster_import": roster_import,
            "Status": RosterImport.Status,
            "percent": services.roster_import_progress(roster_import),
            "causes": selectors.roster_import_causes(roster_import),
            "ignored": summary.get("ignored", []),
            "rows": summary.get("rows", []),
            "every_row": summary.get("every_row", True),
            "may_confirm": roster_import.uploaded_by_id == request.user.pk,
        },
    )


@roster_required
def roster_import_status(request, pk):
    """What the progress bar polls: numbers and the status, nothing about people."""
    roster_import = get_import_for_viewer(request.user, pk)
    response = JsonResponse(
        {
            "status": roster_import.status,
            "label": roster_import.get_status_display(),
            "percent": services.roster_import_progress(roster_import),
            "finished": roster_import.is_finished,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@roster_required
def roster_import_confirm(request, pk):
    roster_import = get_import_for_viewer(request.user, pk)
    if roster_import.uploaded_by_id != request.user.pk:
        raise PermissionDenied
    try:
        services.roster_import_confirm(actor=request.user, roster_import=roster_import)
    except services.ImportRejected as exc:
        messages.error(request, str(exc))
    return redirect("members:import_preview", pk=roster_import.pk)
