"""Thin views over care.services."""

# --- hardship files and support records (困难职工建档与帮扶) ---------------------

# --- welfare handouts (福利发放) ----------------------------------------------

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.models import Member
from members.selectors import campus_choices
from union_portal.core.cache_versions import current, current_many, fragment_key, local_cached
from union_portal.core.forms import parse_id
from union_portal.core.pagination import paginate
from union_portal.core.qrcode import qr_svg
from union_portal.core.roles import login_required_403
from union_portal.core.rules import perform
from union_portal.core.small_groups import min_group_size, withheld_label

from . import fairness as hardship_stats
from . import selectors, services
from . import selectors as care_selectors
from . import services as care_services
from .forms import (
    ChoiceForm,
    HandoutForm,
    HardshipCloseForm,
    HardshipFileForm,
    HardshipFilterForm,
    HardshipOpenForm,
    OptionForm,
    PickupForm,
    PointForm,
    SupportRecordForm,
)
from .models import Handout
from .permissions import (
    get_handout_for_manager,
    get_handout_for_member,
    get_hardship_file_for_officer,
    get_point_for_manager,
    hardship_branch_ids,
    hardship_fairness_branch_ids,
    hardship_officer_required,
    welfare_manager_required,
    welfare_member,
)

HARDSHIP_PAGE_SIZE = 25  # files a page: each row costs its template time


def _hardship_detail(file):
    return redirect("care:hardship_detail", pk=file.pk)


@hardship_officer_required
def hardship_list(request):
    form = HardshipFilterForm(request.GET)
    filters = form.filters()
    branch_ids = hardship_branch_ids(request.user)
    files = care_selectors.hardship_file_list(user=request.user, **filters)
    page, query = paginate(request, files, HARDSHIP_PAGE_SIZE)
    page.object_list = care_selectors.hardship_file_rows(
        page.object_list, overdue_before=care_selectors.hardship_contact_overdue_before()
    )
    return render(request, "care/hardship_list.html", {
        "page": page, "query": query, "filters": filters,
        "officers": care_selectors.officer_choices(branch_ids),
        "campuses": campus_choices(),
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


def _record_form(file, *args, officers=None, officer_choices=None, **kwargs):
    branch_id = file.branch_id
    if officers is None:
        officers = care_selectors.branch_officers([branch_id])
        officer_choices = care_selectors.officer_choices([branch_id])
    return SupportRecordForm(
        *args, officers=officers, officer_choices=officer_choices,
        fund_notices=care_selectors.fund_notice_choices(branch_id),
        fund_lines_of=lambda notice_id: care_selectors.fund_lines_to_offer(branch_id).filter(
            version__notice_id=notice_id
        ),
        **kwargs,
    )  # fmt: skip


def _blank_record_fields(request, file, officers, officer_choices):
    """The record form's fields as a reader first sees them (unbound: the day, the
    reader as giver, the branch's officers and fund notices offered), written once
    per branch, reader, day and language until a notice or an office holder
    changes, and kept in this process only: the notices' titles may be members-only,
    which Redis must never hold."""
    from members.office_holders import OFFICE_HOLDERS_VERSION
    from notices.selectors import CACHE_VERSION as NOTICES_VERSION

    versions = current_many([NOTICES_VERSION, OFFICE_HOLDERS_VERSION])
    key = (
        f"care-record-form:{file.branch_id}:{request.user.pk}:{timezone.localdate()}:"
        f"{versions[OFFICE_HOLDERS_VERSION]}"
    )
    return local_cached(
        NOTICES_VERSION,
        key,
        lambda: render_to_string(
            "care/_record_fields.html",
            {
                "record_form": _record_form(
                    file,
                    officers=officers,
                    officer_choices=officer_choices,
                    initial={"given_by": request.user.pk},
                )
            },  # fmt: skip
        ),
        version=versions[NOTICES_VERSION],
    )


def _detail_context(request, file, record_form=None, edit_form=None):
    # Both forms offer the branch's officers: read once.
    officers = care_selectors.branch_officers([file.branch_id])
    officer_choices = care_selectors.officer_choices([file.branch_id])
    blank = record_form is None and file.is_open
    return {
        "file": file,
        # The file's forms post to this + record/, edit/, close/ (urls.py): one reverse().
        "file_url": reverse("care:hardship_detail", args=[file.pk]),
        "records": care_selectors.hardship_file_records(file),
        "record_form": record_form,
        "blank_record_fields": mark_safe(  # noqa: S308 (rendered by the template)
            _blank_record_fields(request, file, officers, officer_choices)
        ) if blank else "",
        "edit_form": edit_form or HardshipFileForm(
            officers=officers, officer_choices=officer_choices, initial={
                "reason": file.reason, "level": file.level, "officer": file.officer_id,
                "review_on": file.review_on, "situation": file.situation,
            },
        ),
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
    if "show_lines" in request.POST:
        # The notice was picked: offer its lines, keeping what was typed; nothing is saved.
        form = _record_form(file, initial=request.POST.dict())
        return render(request, "care/hardship_detail.html",
                      _detail_context(request, file, record_form=form))  # fmt: skip
    form = _record_form(file, request.POST)
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
    today = timezone.localdate()
    # The tables as shown, for every reader of the same branches (figures only, as
    # the figures' own cache); the figures are read only when they are not cached.
    page_key = fragment_key(
        request, current(care_services.HARDSHIP_VERSION),
        sorted(branch_ids) if branch_ids is not None else "all", today, min_group_size(),
    )  # fmt: skip
    data = SimpleLazyObject(
        lambda: hardship_stats.hardship_fairness(branch_ids=branch_ids, today=today)
    )
    return render(request, "care/hardship_fairness.html", {
        "data": data, "small_label": withheld_label(), "small_size": min_group_size(),
        "contact_days": hardship_stats.settings.PORTAL_HARDSHIP_CONTACTED_WITHIN_DAYS,
        "year": today.year, "page_key": page_key,
    })  # fmt: skip


@welfare_manager_required
def welfare_list(request):
    handouts = selectors.handouts_managed_by(request.user)
    # ?year=: the handouts of that year, as the yearly report counts them.
    year = parse_id(request.GET.get("year", ""))
    year = year if year and 1949 <= year <= 9999 else None
    if year:
        handouts = selectors.handouts_of_year(handouts, year)
    return render(request, "care/welfare_list.html", {"handouts": handouts, "year": year})


def _handout_form(request, handout=None):
    form = HandoutForm(request.POST or None, instance=handout, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = perform(
            request,
            lambda: services.handout_save(actor=request.user, handout=form.save(commit=False)),
            _("The handout is saved."),
        )
        if saved is not None:
            return redirect("care:welfare_detail", pk=saved.pk)
    return render(request, "care/welfare_form.html", {"form": form, "handout": handout})


@welfare_manager_required
def welfare_create(request):
    return _handout_form(request)


@welfare_manager_required
def welfare_edit(request, pk):
    return _handout_form(request, get_handout_for_manager(request.user, pk))


@welfare_manager_required
def welfare_detail(request, pk):
    handout = get_handout_for_manager(request.user, pk)
    return render(
        request,
        "care/welfare_detail.html",
        {
            "handout": handout,
            "options": selectors.options_with_counts(handout),
            "points": selectors.points_with_counts(handout),
            "option_form": OptionForm(),
            "point_form": PointForm(),
        },
    )


@require_POST
@welfare_manager_required
def welfare_option(request, pk):
    handout = get_handout_for_manager(request.user, pk)
    form = OptionForm(request.POST)
    if form.is_valid():
        perform(
            request,
            lambda: services.option_add(actor=request.user, handout=handout, **form.cleaned_data),
            _("The option is added."),
        )
    else:
        messages.error(request, _("Nothing was added: check the option's fields."))
    return redirect("care:welfare_detail", pk=handout.pk)


@require_POST
@welfare_manager_required
def welfare_point(request, pk):
    handout = get_handout_for_manager(request.user, pk)
    form = PointForm(request.POST)
    if form.is_valid():
        perform(
            request,
            lambda: services.point_add(actor=request.user, handout=handout, **form.cleaned_data),
            _("The pickup point is added."),
        )
    else:
        messages.error(request, _("Nothing was added: check the pickup point's fields."))
    return redirect("care:welfare_detail", pk=handout.pk)


STEPS = {
    "open": (services.handout_open, lambda h: _("The handout is open; members were told.")),
    "close": (services.handout_close, lambda h: _("The handout is closed.")),
    "remind": (
        services.handout_remind_uncollected,
        lambda n: _("%(count)s members were reminded.") % {"count": n},
    ),
    "fund_notice": (
        services.handout_draft_fund_notice,
        lambda n: _("A draft fund notice was made; it goes to the chair for approval."),
    ),
}


@require_POST
@welfare_manager_required
def welfare_step(request, pk, step):
    if step not in STEPS:
        raise Http404
    handout = get_handout_for_manager(request.user, pk)
    run, done = STEPS[step]
    result = perform(request, lambda: run(actor=request.user, handout=handout), done)
    if step == "fund_notice" and result is not None:
        return redirect("notices:detail", pk=result.pk)
    return redirect("care:welfare_detail", pk=handout.pk)


@login_required_403
def welfare_mine(request):
    member = welfare_member(request.user)
    return render(
        request, "care/welfare_mine.html", {"handouts": selectors.handouts_for_member(member)}
    )


@login_required_403
def welfare_choose(request, pk):
    handout, member = get_handout_for_member(request.user, pk)
    options = selectors.options_with_counts(handout)
    points = list(handout.points.select_related("campus"))
    choice = selectors.choice_of(handout, member)
    initial = {"option": choice.option_id, "point": choice.point_id} if choice else {}
    form = ChoiceForm(request.POST or None, options=options, points=points, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            made = perform(
                request,
                lambda: services.choice_make(
                    member=member,
                    handout=handout,
                    option_id=form.cleaned_data["option"],
                    point_id=form.cleaned_data["point"],
                ),  # fmt: skip
                lambda c: (
                    _("Saved: %(option)s, to collect at %(point)s.")
                    % {"option": c.option.name, "point": c.point}
                ),
            )
            if made is not None:
                return redirect("care:welfare_code", pk=handout.pk)
            return redirect("care:welfare_choose", pk=handout.pk)
        messages.error(request, _("Nothing was saved: choose an option and a pickup point."))
    now = timezone.now()
    can_choose = (
        handout.status == Handout.Status.OPEN
        and now <= handout.deadline
        and not handout.defaults_applied_at
        and not (choice and hasattr(choice, "pickup"))
    )
    return render(
        request,
        "care/welfare_choose.html",
        {
            "handout": handout,
            "options": options,
            "points": points,
            "choice": choice,
            "form": form,
            "can_choose": can_choose,
        },
    )


@login_required_403
def welfare_code(request, pk):
    handout, member = get_handout_for_member(request.user, pk)
    choice = selectors.choice_of(handout, member)
    context = {"handout": handout, "choice": choice}
    if choice is not None:
        context["pickup"] = getattr(choice, "pickup", None) if hasattr(choice, "pickup") else None
        context["qr_svg"] = qr_svg(choice.code)
    return render(request, "care/welfare_code.html", context)


@welfare_manager_required
def welfare_pickup(request, pk):
    point = get_point_for_manager(request.user, pk)
    form = PickupForm(request.POST or None)
    if request.method == "POST":
        choice_id = parse_id(request.POST.get("choice", ""))
        if "choice" in request.POST:
            perform(
                request,
                lambda: services.pickup_record(
                    actor=request.user, point=point, choice_id=choice_id
                ),
                _collected_message,
            )
        elif form.is_valid():
            perform(
                request,
                lambda: services.pickup_record(
                    actor=request.user,
                    point=point,
                    code=form.cleaned_data["code"],
                    collector_staff_number=form.cleaned_data["collector"],
                ),  # fmt: skip
                _collected_message,
            )
        else:
            messages.error(request, _("Type or scan the member's code."))
        return redirect("care:welfare_pickup", pk=point.pk)
    return render(
        request,
        "care/welfare_pickup.html",
        {
            "point": point,
            "handout": point.handout,
            "form": form,
            "waiting": selectors.uncollected(point.handout, point),
            "recent": selectors.recent_pickups(point),
        },
    )


def _collected_message(pickup):
    if pickup.collected_by_id:
        return _("%(option)s handed over for %(name)s, collected by %(who)s.") % {
            "option": pickup.choice.option.name,
            "name": pickup.member.name,
            "who": pickup.collected_by.name,
        }
    return _("%(option)s handed over to %(name)s.") % {
        "option": pickup.choice.option.name,
        "name": pickup.member.name,
    }


@welfare_manager_required
def welfare_uncollected(request, pk):
    handout = get_handout_for_manager(request.user, pk)
    points = selectors.points_with_counts(handout)
    point_id = parse_id(request.GET.get("point", ""))
    point = next((p for p in points if p.pk == point_id), None)
    waiting = list(selectors.uncollected(handout, point))
    return render(
        request,
        "care/welfare_uncollected.html",
        {"handout": handout, "points": points, "point": point, "waiting": waiting},
    )


@welfare_manager_required
def welfare_totals(request, pk):
    handout = get_handout_for_manager(request.user, pk)
    rows, per_option, grand = selectors.totals(handout)
    return render(
        request,
        "care/welfare_totals.html",
        {"handout": handout, "rows": rows, "per_option": per_option, "grand": grand},
    )
