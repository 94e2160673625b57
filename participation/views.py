from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from union_portal.core.branch_choice import chosen_branch
from union_portal.core.forms import SEARCH_MAX_LENGTH
from union_portal.core.pagination import paginate
from union_portal.core.roles import branches_where, login_required_403, require_action
from union_portal.core.rules import perform

from . import selectors, services
from .forms import (
    AnswerForm,
    AssignForm,
    DecideForm,
    InviteForm,
    NoForm,
    OfficeForm,
    ProposalFilterForm,
    ProposalForm,
    PublicProposalFilterForm,
    RateForm,
    RepresentativeForm,
    RepresentativeImportForm,
    SettingForm,
    TermForm,
    member_by_staff_number,
)
from .models import HandlingOffice, Proposal, Representative
from .permissions import (
    get_poll_for_manager,
    get_poll_page_for_viewer,
    get_proposal_for_viewer,
    get_proposal_page_for_viewer,
    get_public_proposal,
    get_term_for_manager,
    is_proposer,
    may_cosign,
    may_manage,
    may_manage_polls,
    may_review,
    participation_manager_required,
)

Status = Proposal.Status
PAGE_SIZE = 25  # proposals a page: each row costs its template time
PUBLIC_PAGE_SIZE = 20


def _detail(proposal):
    return redirect("participation:detail", pk=proposal.pk)


@login_required_403
def proposal_list(request):
    filters = ProposalFilterForm(request.GET).filters()
    query_note = filters.pop("query_note")
    readable = branches_where(request.user, "participation.view")
    answered_for, offices = selectors.list_offices(request.user, readable)
    proposals = selectors.proposal_list_ids(user=request.user, offices=answered_for, **filters)
    page, query_string = paginate(request, proposals, PAGE_SIZE)
    return render(request, "participation/proposal_list.html", {
        "page": page, "proposals": selectors.list_page_rows(page.object_list),
        "query_string": query_string,
        "statuses": Status.choices, "status": filters["status"],
        "offices": offices,
        "office_id": filters["office_id"], "query": filters["query"], "query_note": query_note,
        "search_max_length": SEARCH_MAX_LENGTH,
        "year": filters["year"] or "",
        "may_propose": bool(branches_where(request.user, "participation.propose")),
        "may_manage": bool(branches_where(request.user, "participation.manage")),
    })  # fmt: skip


@require_action("participation.propose")
def proposal_create(request):
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        proposal = perform(
            request,
            lambda: services.proposal_create(actor=request.user, **form.cleaned_data),
            _("Saved as a draft: ask colleagues to co-sign when it is ready."),
        )
        if proposal is not None:
            return _detail(proposal)
    return render(request, "participation/proposal_form.html", {"form": form})


@login_required_403
def proposal_edit(request, pk):
    proposal = get_proposal_for_viewer(request.user, pk)
    if not is_proposer(request.user, proposal):
        raise PermissionDenied
    form = ProposalForm(request.POST or None, initial={"title": proposal.title,
                                                       "body": proposal.body})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        done = perform(
            request,
            lambda: services.proposal_update(actor=request.user, proposal=proposal,
                                             **form.cleaned_data),
            _("Saved."),
        )  # fmt: skip
        if done is not None:
            return _detail(proposal)
    return render(request, "participation/proposal_form.html",
                  {"form": form, "proposal": proposal})  # fmt: skip


@login_required_403
def proposal_detail(request, pk):
    user = request.user
    proposal = get_proposal_page_for_viewer(user, pk)
    events, cosignatures = selectors.proposal_page_rows(proposal, user)
    proposer = is_proposer(user, proposal)
    reviewer = may_review(user, proposal)
    mine = [c for c in cosignatures if c.mine]
    context = {
        "proposal": proposal,
        "Status": Status,
        "is_proposer": proposer,
        "events": events,
        "cosignatures": [c for c in cosignatures if c.confirmed_at],
        "invited": [c for c in cosignatures if not c.confirmed_at],
        "needed": proposal.cosigners_needed,
        "my_cosignature": mine[0] if mine else None,
        "may_cosign": may_cosign(user, proposal) and not proposer,
        "may_review": reviewer,
        "is_contact": proposal.is_contact,
        "decide_form": DecideForm(),
        "assign_form": AssignForm(),
        "offices": HandlingOffice.objects.filter(branch_id=proposal.branch_id),
        "answer_form": AnswerForm(),
        "rate_form": RateForm(),
        "invite_form": InviteForm(),
    }
    return render(request, "participation/proposal_detail.html", context)


def _invite(request, proposal, form):
    member = member_by_staff_number(proposal.branch_id, form.cleaned_data["staff_number"])
    return services.cosign_invite(actor=request.user, proposal=proposal, member=member)


def _assign(request, proposal, form):
    office = form.cleaned_data["office"]
    return services.proposal_assign(actor=request.user, proposal=proposal, office=office)


# action -> (form, service call, message when done)
STEPS = {
    "open": (NoForm, lambda r, p, f: services.proposal_open(actor=r.user, proposal=p),
             gettext_lazy("Your colleagues can co-sign now.")),
    "draft": (NoForm, lambda r, p, f: services.proposal_to_draft(actor=r.user, proposal=p),
              gettext_lazy("Back to draft: co-signers confirm again when you reopen it.")),
    "invite": (InviteForm, _invite,
               gettext_lazy("Asked: your colleague confirms from their account.")),
    "cosign": (NoForm, lambda r, p, f: services.cosign(actor=r.user, proposal=p),
               gettext_lazy("You co-signed this proposal.")),
    "withdraw": (NoForm, lambda r, p, f: services.cosign_withdraw(actor=r.user, proposal=p),
                 gettext_lazy("Your co-signature is withdrawn.")),
    "submit": (NoForm, lambda r, p, f: services.proposal_submit(actor=r.user, proposal=p),
               gettext_lazy("Submitted: the chair reviews it within 5 working days.")),
    "review": (NoForm, lambda r, p, f: services.review_start(actor=r.user, proposal=p),
               gettext_lazy("Under review.")),
    "decide": (DecideForm, lambda r, p, f: services.proposal_decide(
        actor=r.user, proposal=p, **f.cleaned_data), gettext_lazy("Decision recorded.")),
    "assign": (AssignForm, _assign, gettext_lazy("Sent to the handling office.")),
    "answer": (AnswerForm, lambda r, p, f: services.proposal_answer(
        actor=r.user, proposal=p, **f.cleaned_data), gettext_lazy("Answer sent to the proposer.")),
    "rate": (RateForm, lambda r, p, f: services.proposal_rate(
        actor=r.user, proposal=p, **f.cleaned_data),
        gettext_lazy("Thank you for rating the answer.")),
}  # fmt: skip


@require_POST
@login_required_403
def proposal_step(request, pk, action):
    if action not in STEPS:
        raise Http404
    proposal = get_proposal_for_viewer(request.user, pk)
    form_class, run, done = STEPS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _detail(proposal)
    perform(request, lambda: run(request, proposal, form), done)
    return _detail(proposal)


@require_action("participation.view")
def representative_list(request):
    representatives = selectors.representatives_visible_to(request.user)
    return render(request, "participation/representative_list.html",
                  {"representatives": representatives})  # fmt: skip


@require_action("participation.view")
def representative_detail(request, pk):
    readable = branches_where(request.user, "participation.view")
    representative = get_object_or_404(
        Representative.objects.select_related("member__department", "term__branch"),
        pk=pk, term__branch_id__in=readable,
    )  # fmt: skip
    proposals = (
        selectors.proposal_list(user=request.user)
        .filter(proposer=representative.member, term=representative.term)
        .exclude(status=Status.DRAFT)
    )
    return render(request, "participation/representative_detail.html",
                  {"representative": representative, "proposals": proposals})  # fmt: skip


def _managed(request):
    return branches_where(request.user, "participation.manage")


@participation_manager_required
def term_list(request):
    choice = chosen_branch(request, "participation.manage")
    branch_id = choice.pk
    form = TermForm(request.POST or None)
    setting = services.setting_for(branch_id)
    setting_form = SettingForm(
        request.POST if "cosigners_needed" in request.POST else None,
        initial={"representatives_only": setting.representatives_only,
                 "cosigners_needed": setting.cosigners_needed,
                 "public_proposals": setting.public_proposals},
    )  # fmt: skip
    if request.method == "POST":
        if "cosigners_needed" in request.POST:
            if setting_form.is_valid():
                perform(request, lambda: services.setting_save(
                    actor=request.user, branch_id=branch_id, **setting_form.cleaned_data),
                    _("Saved."))  # fmt: skip
                return redirect(choice.url(reverse("participation:terms")))
        elif form.is_valid():
            data = form.cleaned_data
            term = perform(request, lambda: services.term_save(
                actor=request.user, branch_id=branch_id, **data), _("Saved."))  # fmt: skip
            if term is not None:
                return redirect("participation:term", pk=term.pk)
    return render(request, "participation/term_list.html", {
        "terms": selectors.terms_of([branch_id]), "form": form, "setting_form": setting_form,
        "choice": choice,
    })  # fmt: skip


@login_required_403
def term_detail(request, pk):
    term = get_term_for_manager(request.user, pk)
    form = RepresentativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = member_by_staff_number(term.branch_id, form.cleaned_data["staff_number"])
        added = perform(request, lambda: services.representative_add(
            actor=request.user, term=term, member=member,
            delegation=form.cleaned_data["delegation"]), _("Added."))  # fmt: skip
        if added is not None:
            return redirect("participation:term", pk=term.pk)
    representatives = term.representatives.select_related("member__department")
    return render(request, "participation/term_detail.html",
                  {"term": term, "form": form, "representatives": representatives})  # fmt: skip


@participation_manager_required
def office_list(request):
    choice = chosen_branch(request, "participation.manage")
    branch_id = choice.pk
    form = OfficeForm(request.POST or None, branch_id=branch_id)
    if request.method == "POST" and form.is_valid():
        office = perform(request, lambda: services.office_save(
            actor=request.user, branch_id=branch_id, **form.cleaned_data), _("Saved."))  # fmt: skip
        if office is not None:
            return redirect(choice.url(reverse("participation:offices")))
    return render(request, "participation/office_list.html", {
        "offices": selectors.offices_of([branch_id]), "form": form, "choice": choice,
    })  # fmt: skip


@login_required_403
def office_edit(request, pk):
    office = get_object_or_404(
        HandlingOffice, pk=pk, branch_id__in=branches_where(request.user, "participation.view")
    )
    if not may_manage(request.user, office.branch_id):
        raise PermissionDenied
    form = OfficeForm(request.POST or None, branch_id=office.branch_id, initial={
        "name": office.name, "contacts": list(office.contacts.all())})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        saved = perform(request, lambda: services.office_save(
            actor=request.user, branch_id=office.branch_id, office=office,
            **form.cleaned_data), _("Saved."))  # fmt: skip
        if saved is not None:
            return redirect("participation:offices")
    return render(request, "participation/office_form.html", {"office": office, "form": form})


@participation_manager_required
def representative_import(request):
    choice = chosen_branch(request, "participation.manage")
    branch_id = choice.pk
    form = RepresentativeImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        done = perform(request, lambda: services.representatives_import(
            actor=request.user, branch_id=branch_id, filename=upload.name,
            content=upload.read()),
            lambda counts: _("%(added)d representatives added, %(already)d already listed.")
            % {"added": counts[0], "already": counts[1]})  # fmt: skip
        if done is not None:
            return redirect(choice.url(reverse("participation:terms")))
    return render(request, "participation/representative_import.html",
                  {"form": form, "choice": choice})  # fmt: skip


@participation_manager_required
def proposal_summary(request):
    filters = ProposalFilterForm(request.GET).filters()
    year = filters["year"] or timezone.localdate().year
    totals, offices = selectors.proposal_summary(branch_ids=_managed(request), year=year)
    return render(request, "participation/summary.html", {
        "year": year, "totals": totals, "offices": offices, "ratings": Proposal.Rating.choices,
    })  # fmt: skip


# --- accepted proposals a branch makes public (anyone, signed out included) ------------


@never_cache
def public_proposal_list(request):
    filters = PublicProposalFilterForm(request.GET).filters()
    query_note = filters.pop("query_note")
    proposals = selectors.public_proposal_list(**filters)
    page, query = paginate(request, proposals, PUBLIC_PAGE_SIZE)
    return render(request, "participation/public_list.html", {
        "page": page, "query": query, "q": filters["query"], "branch_id": filters["branch_id"],
        "branches": selectors.public_branches(), "query_note": query_note,
        "search_max_length": SEARCH_MAX_LENGTH,
    })  # fmt: skip


@never_cache
def public_proposal_detail(request, pk):
    proposal = selectors.public_proposal_detail(get_public_proposal(pk))
    return render(request, "participation/public_detail.html", {"proposal": proposal})


# --- poll results ---------------------------------------------------------------


def _results_or_wait(request, pk):
    """(poll, access), or the 403 page saying when the results appear."""
    from .permissions import ResultsNotYet, get_poll_results_for_viewer

    try:
        return get_poll_results_for_viewer(request.user, pk, timezone.now()), None
    except ResultsNotYet as wait:
        page = render(request, "participation/poll_results_wait.html",
                      {"poll": wait.poll, "reason": wait.reason}, status=403)  # fmt: skip
        return (None, None), page


@login_required_403
def poll_results(request, pk):
    (poll, access), wait = _results_or_wait(request, pk)
    if wait is not None:
        return wait
    return render(request, "participation/poll_results.html", {
        "poll": poll,
        "results": selectors.poll_results_cached(poll, texts=access.texts,
                                                 text_limit=selectors.PAGE_TEXTS),
        "turnout": selectors.poll_turnout_cached(poll),
        "figures_only": not access.texts,
        "page_texts": selectors.PAGE_TEXTS,
    })  # fmt: skip


@login_required_403
def poll_results_export(request, pk):
    from union_portal.core.downloads import CSV, XLSX, attachment, csv_bytes, xlsx_bytes

    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    (poll, access), wait = _results_or_wait(request, pk)
    if wait is not None:
        return wait
    table = _results_table(
        poll,
        selectors.poll_results_cached(poll, texts=access.texts),
        selectors.poll_turnout_cached(poll),
    )
    name = f"poll-{poll.pk}-results"
    if fmt == "xlsx":
        return attachment(xlsx_bytes(table, "结果"), f"{name}.xlsx", XLSX)
    return attachment(csv_bytes(table), f"{name}.csv", CSV)


def _results_table(poll, results, turnout):
    """The page's figures as rows: withheld groups and hidden texts withheld alike."""
    from django.utils.translation import pgettext

    from .models import PollQuestion

    Kind = PollQuestion.Kind
    fewer = _("Fewer than %(n)s people") % {"n": turnout["minimum"]}
    table = [
        [_("Poll"), poll.title, "", "", ""],
        [_("Ballots"), "", "", results["ballots"], ""],
        [_("Section"), _("Question"), pgettext("poll results", "Answer"), _("Count"), _("Percent")],
    ]
    for entry in results["questions"]:
        text = entry["question"].text
        if entry["withheld"] and entry["kind"] != Kind.TEXT:
            table.append([_("Answers"), text, fewer, "", ""])
            continue
        if entry["kind"] in (Kind.SINGLE, Kind.MULTIPLE):
            table += [[_("Answers"), text, row["option"].text, row["count"], row["percent"]]
                      for row in entry["options"]]  # fmt: skip
            table.append([pgettext("poll results", "Answered"), text, "", entry["answered"], ""])
        elif entry["kind"] == Kind.RATING:
            rating = pgettext("poll results", "Rating")
            table += [[rating, text, row["value"], row["count"], row["percent"]]
                      for row in entry["ratings"]]  # fmt: skip
            table.append([_("Average rating"), text, entry["average"] or "", entry["answered"],
                          ""])  # fmt: skip
        else:
            table.append([pgettext("poll results", "Answered"), text, "", entry["answered"], ""])
            if entry["texts_hidden_small"]:
                table.append([_("Free text"), text, _("Fewer than %(n)s answers: not shown")
                              % {"n": results["minimum"]}, entry["answered"], ""])  # fmt: skip
            table += [[_("Free text"), text, answer, "", ""] for answer in entry["texts"]]
    table.append(
        [
            _("Turnout"),
            _("Group"),
            _("Eligible"),
            pgettext("poll results", "Answered"),
            _("Turnout (%)"),
        ]
    )

    def turnout_row(section, row):
        if row["withheld"]:
            return [section, row["name"], fewer, fewer, ""]
        return [section, row["name"], row["eligible"], row["answered"], row["rate"]]

    table.append(turnout_row(_("Overall"), {**turnout["overall"], "name": _("All")}))
    table += [turnout_row(_("Campus"), row) for row in turnout["campuses"]]
    table += [turnout_row(_("Department"), row) for row in turnout["departments"]]
    return table


# --- polls (问卷 / 投票) ---------------------------------------------------------


def _poll_detail(poll):
    return redirect("participation:poll_detail", pk=poll.pk)


@login_required_403
def poll_list(request):
    now = timezone.now()
    page, query = paginate(request, selectors.poll_list_ids(user=request.user, now=now), 20)
    polls = selectors.poll_page_rows(page.object_list, request.user)
    return render(request, "participation/poll_list.html", {
        "page": page, "polls": selectors.poll_rows(polls, now), "query": query,
        "may_manage": bool(branches_where(request.user, "polls.manage")),
    })  # fmt: skip


def _poll_form_page(request, *, branch_id, poll=None, choice=None):
    from .forms import POLL_FORM_ROWS, PollForm

    if poll is not None:
        poll = selectors.poll_with_questions(poll)
        rows = max(POLL_FORM_ROWS, len(poll.questions.all()) + 2)
        initial = PollForm.initial_for(poll)
    else:
        now = timezone.localtime().replace(second=0, microsecond=0)
        rows, initial = POLL_FORM_ROWS, {"opens_at": now, "closes_at": now + timedelta(days=7)}
    form = PollForm(request.POST or None, branch_id=branch_id, rows=rows, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = perform(request, lambda: services.poll_save(
            actor=request.user, branch_id=branch_id, poll=poll, **form.poll_fields()),
            _("Saved as a draft: publish it when it is ready."))  # fmt: skip
        if saved is not None:
            return _poll_detail(saved)
    return render(
        request, "participation/poll_form.html", {"form": form, "poll": poll, "choice": choice}
    )


@require_action("polls.manage")
def poll_create(request):
    choice = chosen_branch(request, "polls.manage")
    return _poll_form_page(request, branch_id=choice.pk, choice=choice)


@login_required_403
def poll_edit(request, pk):
    poll = get_poll_for_manager(request.user, pk, timezone.now())
    if poll.status != poll.Status.DRAFT:
        messages.error(request, _("This poll is published: its questions can no longer change."))
        return _poll_detail(poll)
    return _poll_form_page(request, branch_id=poll.branch_id, poll=poll)


@require_POST
@login_required_403
def poll_publish(request, pk):
    poll = get_poll_for_manager(request.user, pk, timezone.now())
    perform(request, lambda: services.poll_publish(actor=request.user, poll=poll),
            _("Published: members are told when it opens."))  # fmt: skip
    return _poll_detail(poll)


@login_required_403
def poll_detail(request, pk):
    from union_portal.core.roles import roles_of

    from .forms import VoteForm

    now = timezone.now()
    poll = selectors.poll_with_questions(get_poll_page_for_viewer(request.user, pk, now))
    member = roles_of(request.user).member
    voted_on = poll.voted_on
    may_answer = (
        voted_on is None
        and poll.is_open(now)
        and member is not None
        and services.poll_is_eligible(poll, member, timezone.localdate(now))
    )
    form = VoteForm(request.POST if request.method == "POST" else None, poll=poll)
    if request.method == "POST":
        if voted_on is not None:
            messages.error(request, _("You have already answered this poll."))
            return _poll_detail(poll)
        if not may_answer:
            # Nothing is written: the vote rule says why (not open, closed, not for you).
            perform(request, lambda: services.poll_vote(actor=request.user, poll=poll,
                                                        answers={}, now=now))  # fmt: skip
            return _poll_detail(poll)
        if form.is_valid():
            done = perform(
                request,
                lambda: services.poll_vote(actor=request.user, poll=poll, answers=form.answers(),
                                           now=now),
                _("Thank you: your answers are recorded."),
            )  # fmt: skip
            if done is not None:
                return _poll_detail(poll)
        else:
            messages.error(request, _("Some answers need your attention: see below."))
    manager = may_manage_polls(request.user, poll)
    return render(request, "participation/poll_detail.html", {
        "poll": poll, "form": form, "may_answer": may_answer, "voted_on": voted_on,
        "may_manage": manager, "is_open": poll.is_open(now), "is_closed": poll.is_closed(now),
        "is_draft": poll.status == poll.Status.DRAFT,
        # A named poll shows the member their own answers; a secret one never does.
        "my_answers": _my_answers(poll, member) if voted_on and not poll.secret else None,
    })  # fmt: skip


def _my_answers(poll, member):
    from .models import BallotAnswer

    return list(
        BallotAnswer.objects.filter(ballot__poll=poll, ballot__member=member)
        .select_related("question", "option")
        .order_by("question__position", "question_id", "option__position")
    )


@login_required_403
def poll_voters(request, pk):
    from union_portal.core.pagination import paginate

    now = timezone.now()
    poll = get_poll_for_manager(request.user, pk, now)
    today = timezone.localdate(now)
    eligible, answered = selectors.poll_turnout_counts(poll, today)
    page, query = paginate(request, selectors.poll_waiting(poll, today), 50)
    return render(request, "participation/poll_voters.html", {
        "poll": poll, "eligible": eligible, "answered": answered, "page": page, "query": query,
        "share": round(100 * answered / eligible) if eligible else 0,
        "is_open": poll.is_open(now),
    })  # fmt: skip


@require_POST
@login_required_403
def poll_remind(request, pk):
    poll = get_poll_for_manager(request.user, pk, timezone.now())
    perform(request, lambda: services.poll_remind(actor=request.user, poll=poll),
            lambda told: _("%(count)d members reminded (each is reminded once a day).")
            % {"count": told})  # fmt: skip
    return redirect("participation:poll_voters", pk=poll.pk)
