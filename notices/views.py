import difflib

from django.contrib import messages
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from members.selectors import ROSTER_VERSION
from union_portal.core.branch_choice import chosen_branch
from union_portal.core.cache_versions import (
    cached,
    current,
    current_many,
    fragment_key,
    local_cached,
)
from union_portal.core.downloads import CSV, XLSX, attachment, csv_bytes, xlsx_bytes
from union_portal.core.forms import parse_id
from union_portal.core.markdown import render_markdown
from union_portal.core.pagination import paginate
from union_portal.core.preview import is_preview, preview_context, warn_if_removed
from union_portal.core.roles import branches_where, login_required_403, roles_of
from union_portal.core.rules import perform

from . import selectors, services
from .forms import (
    AnswerForm,
    AwardFormSet,
    BudgetForm,
    BudgetYearForm,
    CategoryForm,
    CorrectionForm,
    FundLineFormSet,
    IncomeForm,
    NoticeFilterForm,
    NoticeForm,
    NoticeSettingsForm,
    ObjectionForm,
    ReasonForm,
    SummaryFilterForm,
    sorted_categories,
    unsaved_rows,
)
from .models import (
    AwardResult,
    BranchNoticeSettings,
    FundLine,
    Income,
    Notice,
    NoticeAttachment,
    NoticeVersion,
    Objection,
    SpendingCategory,
)
from .permissions import (
    approval_refusal,
    get_notice_for_editor,
    get_notice_for_viewer,
    may_answer_objection,
    may_chair,
    may_drop_correction,
    may_manage,
    nominated_officer_ids,
    notices_manager_required,
    objections_for_handler,
    viewer_view,
)


def notice_url(notice):
    return reverse("notices:detail", args=[notice.pk])


def notice_list(request):
    form = NoticeFilterForm(request.GET or None)
    filters = form.filters()
    notices = selectors.notice_list(user=request.user, filters=filters)
    versions = current_many([selectors.CACHE_VERSION, ROSTER_VERSION])
    data_version = versions[selectors.CACHE_VERSION]
    key = selectors.notice_list_key(user=request.user, filters=filters)
    count = selectors.notice_list_count(key=key, notices=notices, data_version=data_version)
    page, query = paginate(request, notices, 20, count=count)
    if key is None:
        rows = _notice_rows(page.object_list)
    else:  # kept in this process only (members-only titles never go to Redis)
        rows = local_cached(
            selectors.CACHE_VERSION,
            f"list-rows:{key}:{page.number}:{ROSTER_VERSION}{versions[ROSTER_VERSION]}",
            lambda: _notice_rows(page.object_list),
            version=data_version,
        )
    return render(
        request,
        "notices/notice_list.html",
        {
            "filter_form": form,
            # The form's choices are the branches.
            "filter_key": fragment_key(request, versions[ROSTER_VERSION]),
            "page": page,
            "rows": rows,
            "query": query,
            "may_create": bool(branches_where(request.user, "notices.manage")),
            "may_set": bool(branches_where(request.user, "notices.approve")),
        },
    )


def _notice_rows(notices):
    """The list's rows as HTML, one format string a row rather than template tags
    per cell (a page of 20 rows cost more than the rest of the page)."""
    detail = reverse("notices:detail", args=[12345]).replace("12345", "%d")
    status_badge = {
        Notice.Status.WITHDRAWN: format_html(
            '<span class="badge text-bg-dark">{}</span>', _("Withdrawn")
        ),
        Notice.Status.PUBLISHED: format_html(
            '<span class="badge text-bg-warning">{}</span>', _("Objections open")
        ),
        Notice.Status.FINAL: "",
    }
    corrected = format_html('<span class="badge text-bg-info">{}</span>', _("Corrected"))
    members = format_html('<span class="badge text-bg-light">{}</span>', _("Members only"))
    return format_html_join(
        "\n",
        '<li class="list-group-item"><a href="{}">{}</a> {} {} {}'
        '<div class="small text-body-secondary">{} · {}{}</div></li>',
        (
            (
                detail % notice.pk,
                notice.current.title,
                status_badge[notice.status]
                if notice.status in status_badge
                else format_html(
                    '<span class="badge text-bg-secondary">{}</span>', notice.get_status_display()
                ),
                corrected if (notice.current.number or 0) > 1 else "",
                members if notice.visibility == Notice.Visibility.MEMBERS else "",
                notice.get_kind_display(),
                notice.branch,
                f" · {timezone.localtime(notice.published_at):%Y-%m-%d}"
                if notice.published_at
                else "",
            )
            for notice in notices
        ),
    )


def _page_query(request):
    """The query string without the page, for the fund lines' page links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _summary_text(body_html):
    return Truncator(strip_tags(body_html)).chars(120)


@viewer_view
def notice_detail(request, pk, number=None):
    data_versions = current_many([selectors.CACHE_VERSION, ROSTER_VERSION])
    notice = get_notice_for_viewer(request.user, pk, versions=data_versions)
    versions = list(selectors.versions_of(notice))
    if number is None:
        shown = notice.current
    else:
        shown = next((v for v in versions if v.number == number), None)
        if shown is None or (shown.published_at is None and not may_manage(request.user, notice)):
            raise Http404
    version = selectors.version_page(
        shown, notice.kind, request.GET.get("page"), data_versions[selectors.CACHE_VERSION]
    )
    member = roles_of(request.user).member
    manager = may_manage(request.user, notice)
    chair = may_chair(request.user, notice)
    body_html = render_markdown(version.body)  # once: the page and its summary
    context = {
        "notice": notice,
        "version": version,
        "versions": versions,
        "is_latest": shown.pk == notice.current_id,
        "may_manage": manager,
        "may_chair": chair,
        "body_html": body_html,
        "og_description": _summary_text(body_html),
        "period_open": services.objection_period_open(notice),
        "query": _page_query(request),
    }
    if member and member.branch_id == notice.branch_id and context["period_open"]:
        context["objection_form"] = ObjectionForm()
    if chair and notice.status == Notice.Status.AWAITING:
        # A chair who wrote the notice is told why there is no Approve button.
        context["approval_refusal"] = approval_refusal(request.user, notice, notice.current)
        context["publish_on_approval"] = services.publishes_on_approval(notice.branch_id)
    if manager:
        context["pending"] = selectors.pending_correction(notice)
    handled = list(objections_for_handler(request.user, notice))
    if manager or handled:
        # Officers named in an award see none; the liaison those routed to them.
        context["objections"] = handled
        context["objections_open"] = [o for o in handled if o.answered_at is None]
        context["objections_answered"] = [o for o in handled if o.answered_at is not None]
        context["answer_form"] = AnswerForm()
    if manager and nominated_officer_ids(notice):
        context["to_liaison_note"] = _(
            "An officer or the chair of the branch is among the proposed winners: objections "
            "to this award go to the university union, not to the branch's officers."
        )
    if not manager and request.user.is_authenticated:
        context["my_objections"] = selectors.my_objections(
            notice, request.user, data_versions[selectors.CACHE_VERSION]
        )
    return render(request, "notices/notice_detail.html", context)


@viewer_view
def notice_diff(request, pk, number):
    """What changed from version number-1 to version number, line by line."""
    notice = get_notice_for_viewer(request.user, pk)
    versions = {v.number: v for v in notice.versions.filter(number__in=[number - 1, number])}
    if number not in versions or number - 1 not in versions:
        raise Http404
    unpublished = any(v.published_at is None for v in versions.values())
    if unpublished and not may_manage(request.user, notice):
        raise Http404
    old, new = (selectors.version_content(versions[n], notice.kind) for n in (number - 1, number))
    return render(
        request,
        "notices/notice_diff.html",
        {"notice": notice, "old": old, "new": new, "diff": _diff(old, new)},
    )


def _diff(old, new):
    return [
        line for line in difflib.ndiff(_as_lines(old), _as_lines(new)) if not line.startswith("?")
    ]


def _as_lines(version):
    lines = [version.title, ""] + version.body.splitlines()
    if version.criteria:
        lines += ["", version.criteria]
    lines += [
        f"{line.date} | {line.category} | {line.note} | {line.payee} | ¥{line.amount}"
        f" | {line.budget_line}"
        for line in version.fund_lines.all()
    ]
    lines += [f"{a.winner} | {a.department} | {a.award}" for a in version.awards.all()]
    return lines


def _content_forms(request, kind, branch_id, version=None, correcting=False):
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form_class = CorrectionForm if correcting else NoticeForm
    form = form_class(data, files, kind=kind, instance=version and NoticeVersion(
        title=version.title, body=version.body, criteria=version.criteria))  # fmt: skip
    lines = FundLineFormSet(
        data,
        prefix="lines",
        form_kwargs={
            "categories": sorted_categories(branch_id) if kind == Notice.Kind.FUND else ()
        },
        queryset=FundLine.objects.none(),
        initial=[_initial(line, FundLine) for line in version.fund_lines.all()] if version else [],
    )
    awards = AwardFormSet(
        data,
        prefix="awards",
        queryset=AwardResult.objects.none(),
        initial=[_initial(award, AwardResult) for award in version.awards.all()] if version else [],
    )
    if version:
        # The rows filled in from the version are rows of the notice, kept (and
        # checked) when left untouched; three empty rows follow them. Without
        # this an untouched row counts as empty and is silently dropped.
        for formset in (lines, awards):
            formset.min_num = len(formset.initial_extra or [])
    return form, lines, awards


def _initial(row, model):
    names = [f.name for f in model._meta.fields if f.name not in ("id", "version")]
    return {name: getattr(row, name) for name in names}


def _valid(form, lines, awards, kind):
    ok = form.is_valid()
    if kind == Notice.Kind.FUND:
        ok = lines.is_valid() and ok
    if kind == Notice.Kind.AWARD:
        ok = awards.is_valid() and ok
    return ok


def _rows(kind, lines, awards):
    return (
        unsaved_rows(lines) if kind == Notice.Kind.FUND else [],
        unsaved_rows(awards) if kind == Notice.Kind.AWARD else [],
    )


def _edit_page(request, context):
    """The form, shown again with the text as readers will see it when Preview was
    pressed (nothing saved: the views save only when it was not)."""
    if is_preview(request):
        context["preview"] = preview_context(context["form"]["body"].value(), has_files=True)
    return render(request, "notices/notice_form.html", context)


def _saving(request):
    return request.method == "POST" and not is_preview(request)


@notices_manager_required
def notice_create(request, kind):
    if kind not in Notice.Kind.values:
        raise Http404
    choice = chosen_branch(request, "notices.manage")
    form, lines, awards = _content_forms(request, kind, choice.pk)
    if _saving(request) and _valid(form, lines, awards, kind):
        fund_rows, award_rows = _rows(kind, lines, awards)
        try:
            notice = services.notice_create(
                actor=request.user,
                branch_id=choice.pk,
                kind=kind,
                visibility=form.cleaned_data["visibility"],
                version=form.save(commit=False),
                lines=fund_rows,
                awards=award_rows,
                files=form.cleaned_data["attachments"],
                budget_year=form.cleaned_data.get("budget_year"),
            )
        except services.NoticeRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The draft was saved. Submit it to the chair when ready."))
            warn_if_removed(request, form.cleaned_data["body"])
            return redirect(notice_url(notice))
    return _edit_page(
        request,
        {"form": form, "lines": lines, "awards": awards, "kind": kind,
         "kind_label": Notice.Kind(kind).label, "notice": None, "choice": choice},
    )  # fmt: skip


@notices_manager_required
def notice_edit(request, pk):
    notice = get_notice_for_editor(request.user, pk)
    if notice.status != Notice.Status.DRAFT:
        messages.error(
            request,
            _("Only a draft can be edited. A published notice is corrected with a new version."),
        )
        return redirect(notice_url(notice))
    form, lines, awards = _content_forms(request, notice.kind, notice.branch_id, notice.current)
    form.fields["visibility"].initial = notice.visibility
    if _saving(request) and _valid(form, lines, awards, notice.kind):
        fund_rows, award_rows = _rows(notice.kind, lines, awards)
        try:
            services.notice_update_draft(
                actor=request.user,
                notice=notice,
                visibility=form.cleaned_data["visibility"],
                version=form.save(commit=False),
                lines=fund_rows,
                awards=award_rows,
                files=form.cleaned_data["attachments"],
            )
        except services.NoticeRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The draft was saved."))
            warn_if_removed(request, form.cleaned_data["body"])
            return redirect(notice_url(notice))
    return _edit_page(
        request,
        {"form": form, "lines": lines, "awards": awards, "kind": notice.kind,
         "kind_label": notice.get_kind_display(), "notice": notice},
    )  # fmt: skip


@notices_manager_required
def notice_correct(request, pk):
    """A correction is submitted for approval; readers see it once a chair who
    did not write it approves it."""
    notice = get_notice_for_editor(request.user, pk)
    if selectors.pending_correction(notice):
        messages.error(
            request,
            _("A correction of this notice is already awaiting approval: decide on it first."),
        )
        return redirect("notices:correction", pk=notice.pk)
    start = selectors.correction_start(notice)
    form, lines, awards = _content_forms(
        request, notice.kind, notice.branch_id, start, correcting=True
    )
    if start.pk != notice.current_id:
        form.fields["reason"].initial = start.reason
    if _saving(request) and _valid(form, lines, awards, notice.kind):
        fund_rows, award_rows = _rows(notice.kind, lines, awards)
        try:
            services.notice_correct(
                actor=request.user,
                notice=notice,
                version=form.save(commit=False),
                reason=form.cleaned_data["reason"],
                lines=fund_rows,
                awards=award_rows,
                files=form.cleaned_data["attachments"],
            )
        except services.NoticeRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "The correction was sent for approval. Readers see the current version "
                    "until a chair who did not write the correction approves it."
                ),
            )
            warn_if_removed(request, form.cleaned_data["body"])
            return redirect("notices:correction", pk=notice.pk)
    return _edit_page(
        request,
        {"form": form, "lines": lines, "awards": awards, "kind": notice.kind,
         "kind_label": notice.get_kind_display(), "notice": notice, "correcting": True,
         "sent_back": start if start.pk != notice.current_id else None},
    )  # fmt: skip


@notices_manager_required
def notice_correction(request, pk):
    """The correction awaiting approval, beside the current version: what the
    chair approves, sends back, or its author drops."""
    notice = get_notice_for_editor(request.user, pk)
    pending = selectors.pending_correction(notice)
    if pending is None:
        messages.info(request, _("No correction of this notice is awaiting approval."))
        return redirect(notice_url(notice))
    correction = selectors.version_content(pending, notice.kind)
    current = selectors.version_content(notice.current, notice.kind)
    refusal = approval_refusal(request.user, notice, pending)
    return render(
        request,
        "notices/notice_correction.html",
        {"notice": notice, "correction": correction, "current": current,
         "diff": _diff(current, correction), "may_approve": refusal is None,
         "refusal": refusal if may_chair(request.user, notice) else None,
         "may_drop": may_drop_correction(request.user, notice, pending),
         "changes": services.correction_changes(current, correction, notice.kind)},
    )  # fmt: skip


# step -> (who may ask, the service, the message). Approving needs more than the
# chair's office (nobody approves their own notice): the service says so.
STEPS = {
    "submit": (may_manage, services.notice_submit, gettext_lazy("Sent to the chair for approval.")),
    "approve": (
        may_chair,
        services.notice_approve,
        lambda notice: (
            _("Approved and published.")
            if notice.status != Notice.Status.APPROVED
            else _("Approved: it can be published.")
        ),
    ),
    "publish": (
        may_manage,
        services.notice_publish,
        lambda notice: (
            _("Published: the objection period is open and members were told.")
            if notice.has_objections
            else _("Published: the branch's members were told.")
        ),
    ),
    "approve_correction": (
        may_chair,
        services.correction_approve,
        gettext_lazy(
            "The correction is published beside the old version; a new objection period "
            "is open and the branch's members were told what changed."
        ),
    ),
    "drop_correction": (
        may_manage,
        services.correction_drop,
        gettext_lazy("The correction was dropped; readers still see the current version."),
    ),
}


@require_POST
@notices_manager_required
def notice_step(request, pk, step):
    if step not in STEPS:
        raise Http404
    notice = get_notice_for_editor(request.user, pk)
    allowed, run, done = STEPS[step]
    if not allowed(request.user, notice):
        raise PermissionDenied
    perform(request, lambda: run(actor=request.user, notice=notice), done)
    return redirect(notice_url(notice))


def _step_with_reason(request, notice, step, run, done):
    """A step that needs a written reason: the form, then the service."""
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        perform(request, lambda: run(form.cleaned_data["reason"]), done)
        return redirect(notice_url(notice))
    return render(
        request, "notices/notice_reason.html", {"notice": notice, "form": form, "step": step}
    )


@notices_manager_required
def notice_send_back(request, pk):
    notice = get_notice_for_editor(request.user, pk)
    if not may_chair(request.user, notice):
        raise PermissionDenied
    return _step_with_reason(
        request,
        notice,
        "send_back",
        lambda reason: services.notice_send_back(actor=request.user, notice=notice, comment=reason),
        _("Sent back to the officer with your comment."),
    )


def _withdrawn_message(notice):
    if notice.status == Notice.Status.DRAFT:
        return _("It was never published: it is back in draft, seen by the officers only.")
    return _("The notice is withdrawn; it stays visible as such.")


@notices_manager_required
def correction_send_back(request, pk):
    notice = get_notice_for_editor(request.user, pk)
    if not may_chair(request.user, notice):
        raise PermissionDenied
    return _step_with_reason(
        request,
        notice,
        "send_back_correction",
        lambda reason: services.correction_send_back(
            actor=request.user, notice=notice, comment=reason
        ),
        _("The correction was sent back to its author with your comment."),
    )


@notices_manager_required
def notice_withdraw(request, pk):
    """A published notice is withdrawn in public; an approved one goes back to draft."""
    notice = get_notice_for_editor(request.user, pk)
    return _step_with_reason(
        request,
        notice,
        "back_to_draft" if notice.status == Notice.Status.APPROVED else "withdraw",
        lambda reason: services.notice_withdraw(actor=request.user, notice=notice, reason=reason),
        _withdrawn_message,
    )


def _objection_sent(objection):
    if objection.to_liaison:
        return _(
            "Your objection was sent to the university union: an officer or the chair of the "
            "branch is among the proposed winners."
        )
    return _("Your objection was sent to the branch's officers.")


@require_POST
@login_required_403
@viewer_view
def object_to(request, pk):
    notice = get_notice_for_viewer(request.user, pk)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write your objection."))
        return redirect(notice_url(notice))
    perform(
        request,
        lambda: services.objection_file(
            user=request.user,
            member=roles_of(request.user).member,
            notice=notice,
            text=form.cleaned_data["text"],
            confidential=form.cleaned_data["confidential"],
        ),
        _objection_sent,
    )
    return redirect(notice_url(notice))


@require_POST
@login_required_403
def answer_objection(request, pk, objection_pk):
    """The branch's officers answer objections sent to them; the liaison those
    routed to the university union (an award naming an officer or the chair)."""
    if roles_of(request.user).liaison:
        notice = get_notice_for_viewer(request.user, pk)
    elif branches_where(request.user, "notices.manage"):
        notice = get_notice_for_editor(request.user, pk)
    else:
        raise PermissionDenied
    objection = Objection.objects.filter(pk=objection_pk, notice=notice).first()
    if objection is None:
        raise Http404
    if not may_answer_objection(request.user, objection):
        raise PermissionDenied
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the answer."))
        return redirect(notice_url(notice))
    perform(
        request,
        lambda: services.objection_answer(
            actor=request.user, objection=objection, text=form.cleaned_data["text"]
        ),
        _("Your answer was sent to the member."),
    )
    return redirect(notice_url(notice))


@viewer_view
def notice_export(request, pk, fmt):
    notice = get_notice_for_viewer(request.user, pk)
    if notice.kind != Notice.Kind.FUND:
        raise Http404
    version = selectors.version_content(notice.current, notice.kind)
    header = [_("Date"), _("Spending category"), _("Note"), _("Payee"), _("Amount (CNY)"),
              _("Budget line")]  # fmt: skip
    rows = [
        [line.date.isoformat(), str(line.category), line.note, line.payee, line.amount,
         line.budget_line]
        for line in version.fund_lines.all()
    ]  # fmt: skip
    total = ["", "", "", _("Total"), version.total, ""]
    name = f"notice-{notice.pk}-v{version.number}"
    if fmt == "xlsx":
        return attachment(xlsx_bytes([header, *rows, total]), f"{name}.xlsx", XLSX)
    return attachment(csv_bytes([header, *rows, total]), f"{name}.csv", CSV)


@viewer_view
def notice_file(request, token):
    file = NoticeAttachment.objects.select_related("version").filter(token=token).first()
    if file is None:
        raise Http404
    notice = get_notice_for_viewer(request.user, file.version.notice_id)
    if file.version.published_at is None and not may_manage(request.user, notice):
        raise Http404
    return FileResponse(
        file.file.open("rb"),
        as_attachment=False,
        filename=file.name,
        content_type=file.content_type,
    )


def money_summary(request, fmt=None):
    form = SummaryFilterForm(request.GET or None)
    filters = form.filters()
    years = selectors.cached_years_with_notices(user=request.user)
    year = filters.get("year") or (years[0] if years else timezone.localdate().year)
    branch = filters.get("branch")

    def summary():
        return selectors.cached_money_summary(
            year=year, user=request.user, branch_id=branch.pk if branch else None
        )

    if fmt:
        return _summary_file(summary(), year, fmt)
    scope, scope_branches = selectors.summary_scope(request.user)
    # The tables as shown, for everyone who sees the same money (and the form,
    # whose choices are the branches).
    page_key = fragment_key(
        request, current(selectors.CACHE_VERSION), current(ROSTER_VERSION),
        selectors.reader_key(request.user), year,
    )  # fmt: skip
    return render(
        request,
        "notices/summary.html",
        # The summary is read only when the tables' fragment is not cached.
        {"form": form, "summary": SimpleLazyObject(summary), "year": year, "years": years,
         "scope": scope,
         "scope_branches": scope_branches, "query": request.GET.urlencode(),
         "page_key": page_key},
    )  # fmt: skip


def _blank(value):
    return "" if value is None else value


def _summary_file(summary, year, fmt):
    header = [
        _("Branch"), _("Spending category"), _("Sub-item"),
        pgettext("count of fund lines", "Lines"), _("Budget (CNY)"), _("Spent (CNY)"),
        _("Balance (CNY)"),
    ]  # fmt: skip
    table = [header]
    for branch in summary["branches"]:
        name = branch["branch"].name
        for row in branch["rows"]:
            table.append([name, row["category"].name, "", row["lines"], _blank(row["budget"]),
                          row["spent"], _blank(row["balance"])])  # fmt: skip
            for sub in row["subs"]:
                table.append([name, row["category"].name, sub["category"].name, sub["lines"],
                              "", sub["spent"], ""])  # fmt: skip
        table.append([name, _("Total"), "", branch["lines"], _blank(branch["budget"]),
                      branch["spent"], _blank(branch["balance"])])  # fmt: skip
        if branch["income"] is not None:
            table.append([name, _("Income"), "", "", "", "", branch["income"]])
    name = f"fund-summary-{year or 'all'}"
    if fmt == "xlsx":
        return attachment(xlsx_bytes(table), f"{name}.xlsx", XLSX)
    return attachment(csv_bytes(table), f"{name}.csv", CSV)


def _keeper_branch(request, action="notices.manage"):
    """The branch whose accounts the page keeps: ?branch= for an officer of
    several branches, else their lowest-numbered one."""
    choice = chosen_branch(request, action)
    request.branch_choice = choice
    return choice.branch


@notices_manager_required
def category_list(request):
    """The spending categories: the fund rules' and the branch's own; officers add
    their own and remove those nothing uses."""
    branch = _keeper_branch(request)
    form = CategoryForm(request.POST or None, branch_id=branch.pk)
    if request.method == "POST":
        if "delete" in request.POST:
            category = SpendingCategory.objects.filter(
                pk=parse_id(request.POST.get("delete", "")), branch=branch
            ).first()
            if category is None:
                messages.error(request, _("That category does not exist."))
            else:
                perform(
                    request,
                    lambda: services.category_delete(actor=request.user, category=category),
                    _("The category was removed."),
                )
            return redirect(request.branch_choice.url(reverse("notices:categories")))
        if form.is_valid():
            done = perform(
                request,
                lambda: services.category_create(
                    actor=request.user, branch_id=branch.pk, name=form.cleaned_data["name"],
                    parent=form.cleaned_data["parent"],
                ),
                _("The category was added."),
            )  # fmt: skip
            if done:
                return redirect(request.branch_choice.url(reverse("notices:categories")))
    return render(
        request,
        "notices/categories.html",
        {
            "branch": branch,
            "choice": request.branch_choice,
            "form": form,
            "categories": selectors.category_tree(branch.pk),
        },
    )


@notices_manager_required
def budget_edit(request):
    branch = _keeper_branch(request)
    year_form = BudgetYearForm(request.GET or None)
    year = year_form.filters().get("year") or timezone.localdate().year
    categories = selectors.top_categories(branch.pk)
    current = selectors.budget_of(branch.pk, year)
    form = BudgetForm(request.POST or None, categories=categories, initial_amounts=current)
    if request.method == "POST" and form.is_valid():
        done = perform(
            request,
            lambda: services.budget_save(
                actor=request.user, branch_id=branch.pk, year=year, amounts=form.amounts()
            ),
            _("The budget was saved."),
        )
        if done:
            return redirect(request.branch_choice.url(f"{reverse('notices:budget')}?year={year}"))
    total = sum((v for v in current.values()), start=0)
    return render(
        request,
        "notices/budget.html",
        {
            "branch": branch,
            "choice": request.branch_choice,
            "year": year,
            "year_form": year_form,
            "form": form,
            "total": total,
        },
    )


@notices_manager_required
def income_list(request):
    branch = _keeper_branch(request)
    year_form = BudgetYearForm(request.GET or None)
    year = year_form.filters().get("year") or timezone.localdate().year
    form = IncomeForm(request.POST or None)
    if request.method == "POST":
        if "delete" in request.POST:
            income = Income.objects.filter(
                pk=parse_id(request.POST.get("delete", "")), branch=branch
            ).first()
            if income is None:
                messages.error(request, _("That income line does not exist."))
            else:
                perform(
                    request,
                    lambda: services.income_delete(actor=request.user, income=income),
                    _("The income line was removed."),
                )
            return redirect(request.branch_choice.url(f"{reverse('notices:income')}?year={year}"))
        if form.is_valid():
            data = form.cleaned_data
            done = perform(
                request,
                lambda: services.income_add(
                    actor=request.user, branch_id=branch.pk, date=data["date"],
                    source=data["source"], amount=data["amount"], note=data["note"],
                ),
                _("The income line was added."),
            )  # fmt: skip
            if done:
                return redirect(request.branch_choice.url(
                    f"{reverse('notices:income')}?year={data['date'].year}"))  # fmt: skip
    rows = list(Income.objects.filter(branch=branch, date__year=year).order_by("date", "id"))
    return render(
        request,
        "notices/income.html",
        {"branch": branch, "choice": request.branch_choice, "year": year,
         "year_form": year_form, "form": form, "rows": rows,
         "total": sum((r.amount for r in rows), start=0)},
    )  # fmt: skip


@notices_manager_required
def notice_settings(request):
    """A chair sets whether approving a notice also publishes it."""
    branch = _keeper_branch(request, "notices.approve")
    row = BranchNoticeSettings.objects.filter(branch=branch).first()
    form = NoticeSettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        perform(
            request,
            lambda: services.notice_settings_save(
                actor=request.user, branch_id=branch.pk,
                publish_on_approval=form.cleaned_data["publish_on_approval"],
            ),
            _("The settings were saved."),
        )  # fmt: skip
        return redirect(request.branch_choice.url(reverse("notices:settings")))
    return render(
        request,
        "notices/settings.html",
        {"branch": branch, "choice": request.branch_choice, "form": form},
    )


class PublicNoticesFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("Union notices")
    subtitle = gettext_lazy("Fund allocations, awards and announcements published by the union.")

    def __call__(self, request, *args, **kwargs):
        """The same for everyone (public notices only), so written once per change
        to any notice (selectors.CACHE_VERSION), per language and per host the
        links are built with."""

        def render():
            response = super(PublicNoticesFeed, self).__call__(request, *args, **kwargs)
            return response.content, dict(response.items())

        key = f"feed:{request.scheme}://{request.get_host()}"
        content, headers = cached(selectors.CACHE_VERSION, key, render)
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        return response

    def link(self):
        return reverse("notices:list")

    def items(self):
        return selectors.public_feed_items()

    def item_title(self, item):
        title = item.current.title
        if item.status == Notice.Status.WITHDRAWN:
            return _("[Withdrawn] %(title)s") % {"title": title}
        return title

    def item_description(self, item):
        return render_markdown(item.current.body)

    def item_link(self, item):
        return notice_url(item)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        # An approved correction shows as an update of the entry.
        return item.current.published_at or item.published_at

    def item_author_name(self, item):
        return item.branch.name
