"""Thin views over care.services."""

# --- hardship files and support records (困难职工建档与帮扶) ---------------------

from django.shortcuts import redirect, render  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

from members.models import Campus, Member  # noqa: E402
from union_portal.core.pagination import paginate  # noqa: E402
from union_portal.core.roles import login_required_403  # noqa: E402
from union_portal.core.rules import perform  # noqa: E402
from union_portal.core.small_groups import min_group_size, withheld_label  # noqa: E402

from . import fairness as hardship_stats  # noqa: E402
from . import selectors as care_selectors  # noqa: E402
from . import services as care_services  # noqa: E402
from .forms import (  # noqa: E402
    HardshipCloseForm,
    HardshipFileForm,
    HardshipFilterForm,
    HardshipOpenForm,
    SupportRecordForm,
)
from .permissions import (  # noqa: E402
    get_hardship_file_for_officer,
    hardship_branch_ids,
    hardship_fairness_branch_ids,
    hardship_officer_required,
)


def _hardship_detail(file):
    return redirect("care:hardship_detail", pk=file.pk)


@hardship_officer_required
def hardship_list(request):
    form = HardshipFilterForm(request.GET)
    filters = form.filters()
    branch_ids = hardship_branch_ids(request.user)
    files = care_selectors.hardship_file_list(user=request.user, **filters)
    page, query = paginate(request, files, 50)
    return render(request, "care/hardship_list.html", {
        "page": page, "query": query, "filters": filters,
        "officers": care_selectors.branch_officers(branch_ids),
        "campuses": Campus.objects.order_by("name"),
        "overdue_before": care_selectors.hardship_contact_overdue_before(),
    })  # fmt: skip


@hardship_officer_required
def hardship_open(request):
    branch_ids = hardship_branch_ids(request.user)
    officers = care_selectors.branch_officers(branch_ids)
    form = HardshipOpenForm(request.POST or None, officers=officers,
                            initial={"officer": request.user.pk})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        member = Member.objects.filter(
            branch_id__in=branch_ids, staff_number=data.pop("staff_number").strip()
        ).first()
        if member is None:
            form.add_error("staff_number", _("No member of your branch has this staff number."))
        else:
            file = perform(
                request,
                lambda: care_services.hardship_file_open(
                    actor=request.user, member=member, **data
                ),  # fmt: skip
                _("The hardship file is open."),
            )
            if file is not None:
                return _hardship_detail(file)
    return render(request, "care/hardship_open.html", {"form": form})


def _detail_context(request, file, record_form=None, edit_form=None):
    file = care_selectors.hardship_file_detail(file)
    officers = care_selectors.branch_officers([file.branch_id])
    fund_lines = care_selectors.fund_lines_for_support(file.branch_id)
    return {
        "file": file,
        "records": list(file.records.all()),
        "record_form": record_form or SupportRecordForm(
            officers=officers, fund_lines=fund_lines, initial={"given_by": request.user.pk}
        ),
        "edit_form": edit_form or HardshipFileForm(officers=officers, initial={
            "reason": file.reason, "level": file.level, "officer": file.officer_id,
            "review_on": file.review_on, "situation": file.situation,
        }),
        "overdue": file.is_open
        and file.contact_clock_from <= care_selectors.hardship_contact_overdue_before(),
        "today": timezone.localdate(),
    }  # fmt: skip


@login_required_403
def hardship_detail(request, pk):
    file = get_hardship_file_for_officer(request.user, pk)
    return render(request, "care/hardship_detail.html", _detail_context(request, file))


@require_POST
@login_required_403
def hardship_record(request, pk):
    file = get_hardship_file_for_officer(request.user, pk)
    form = SupportRecordForm(
        request.POST, officers=care_selectors.branch_officers([file.branch_id]),
        fund_lines=care_selectors.fund_lines_for_support(file.branch_id),
    )  # fmt: skip
    if form.is_valid():
        record = perform(
            request,
            lambda: care_services.support_record_add(
                actor=request.user, file=file, **form.cleaned_data
            ),  # fmt: skip
            _("Recorded."),
        )
        if record is not None:
            return _hardship_detail(file)
    return render(request, "care/hardship_detail.html",
                  _detail_context(request, file, record_form=form), status=400)  # fmt: skip


@require_POST
@login_required_403
def hardship_edit(request, pk):
    file = get_hardship_file_for_officer(request.user, pk)
    form = HardshipFileForm(request.POST,
                            officers=care_selectors.branch_officers([file.branch_id]))  # fmt: skip
    if form.is_valid():
        done = perform(
            request,
            lambda: care_services.hardship_file_update(
                actor=request.user, file=file, **form.cleaned_data
            ),  # fmt: skip
            _("Saved."),
        )
        if done is not None:
            return _hardship_detail(file)
    return render(request, "care/hardship_detail.html",
                  _detail_context(request, file, edit_form=form), status=400)  # fmt: skip


@login_required_403
def hardship_close(request, pk):
    file = get_hardship_file_for_officer(request.user, pk)
    form = HardshipCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = perform(
            request,
            lambda: care_services.hardship_file_close(
                actor=request.user, file=file, reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            ),
            _("The hardship file is closed."),
        )  # fmt: skip
        if done is not None:
            return _hardship_detail(file)
    return render(request, "care/hardship_close.html", {"file": file, "form": form})


@login_required_403
def hardship_fairness(request):
    branch_ids = hardship_fairness_branch_ids(request.user)
    data = hardship_stats.hardship_fairness(branch_ids=branch_ids)
    return render(request, "care/hardship_fairness.html", {
        "data": data, "small_label": withheld_label(), "small_size": min_group_size(),
        "contact_days": hardship_stats.settings.PORTAL_HARDSHIP_CONTACTED_WITHIN_DAYS,
        "year": timezone.localdate().year,
    })  # fmt: skip
