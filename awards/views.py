from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from union_portal.core.calendar import working_days_between
from union_portal.core.roles import branches_where, login_required_403, roles_of
from union_portal.core.rules import perform

from . import selectors, services
from .forms import NominationForm, PickForm, RoundForm
from .permissions import (
    awards_manager_required,
    get_round_for_manager,
    get_round_for_viewer,
    may_manage,
    may_nominate,
)


def _detail(award_round):
    return redirect("awards:detail", pk=award_round.pk)


@login_required_403
def round_list(request):
    today = timezone.localdate()
    rounds = list(selectors.round_list(user=request.user))
    for award_round in rounds:
        award_round.current_stage = award_round.stage(today)
    return render(
        request,
        "awards/round_list.html",
        {"rounds": rounds, "may_create": bool(branches_where(request.user, "awards.manage"))},
    )


@awards_manager_required
def round_create(request):
    branch_ids = branches_where(request.user, "awards.manage")
    form = RoundForm(request.POST or None, branch_ids=branch_ids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        award_round = perform(
            request,
            lambda: services.round_create(
                actor=request.user,
                branch_id=data["branch"].pk,
                title=data["title"],
                award=data["award"],
                places=data["places"],
                criteria=data["criteria"],
                opens_on=data["nominations_open_on"],
                closes_on=data["nominations_close_on"],
            ),  # fmt: skip
            _("Saved as a draft: check it, then publish the criteria."),
        )
        if award_round is not None:
            return _detail(award_round)
    return render(request, "awards/round_form.html", {"form": form})


@login_required_403
def round_detail(request, pk):
    award_round = get_round_for_viewer(request.user, pk)
    today = timezone.localdate()
    stage = award_round.stage(today)
    context = {
        "round": award_round,
        "stage": stage,
        "Stage": award_round.Stage,
        "may_manage": may_manage(request.user, award_round),
        "may_nominate": may_nominate(request.user, award_round)
        and services.nominations_open(award_round, today),
        "may_pick": may_manage(request.user, award_round)
        and services.shortlist_allowed(award_round, today),
        "shortlist": selectors.shortlist_of(award_round)
        if stage in (award_round.Stage.PUBLICITY, award_round.Stage.RESULT)
        else [],
        "mine": selectors.my_nominations(award_round, request.user),
    }
    if stage == award_round.Stage.NOMINATING:
        context["working_days_left"] = working_days_between(today, award_round.nominations_close_on)
    return render(request, "awards/round_detail.html", context)


@require_http_methods(["GET", "POST"])
@awards_manager_required
def round_publish(request, pk):
    """The criteria as members will read them, and one button to publish them."""
    award_round = get_round_for_manager(request.user, pk)
    if request.method == "POST":
        perform(
            request,
            lambda: services.round_publish(actor=request.user, award_round=award_round),
            _("The criteria are published and the branch's members were told."),
        )
        return _detail(award_round)
    return render(request, "awards/round_publish.html", {"round": award_round})


@login_required_403
def nominate(request, pk):
    award_round = get_round_for_viewer(request.user, pk)
    if not may_nominate(request.user, award_round):
        raise PermissionDenied
    nominator = roles_of(request.user).member
    officer = may_manage(request.user, award_round)
    form = NominationForm(
        request.POST or None, award_round=award_round, nominator=nominator, officer=officer
    )
    is_open = services.nominations_open(award_round)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        nomination = perform(
            request,
            lambda: services.nomination_create(
                actor=request.user,
                award_round=award_round,
                nominee=data["nominee"],
                reason=data["reason"],
                department=data.get("department"),
            ),  # fmt: skip
            lambda n: _("Your nomination of %(name)s was received.") % {"name": n.nominee.name},
        )
        if nomination is not None:
            return _detail(award_round)
    return render(
        request, "awards/nominate.html", {"round": award_round, "form": form, "is_open": is_open}
    )


@awards_manager_required
def nominations(request, pk):
    award_round = get_round_for_manager(request.user, pk)
    return render(
        request,
        "awards/nominations.html",
        {
            "round": award_round,
            "nominees": selectors.nominees_of(award_round),
            "year": timezone.localdate().year,
            "may_pick": services.shortlist_allowed(award_round),
        },
    )


@require_http_methods(["GET", "POST"])
@awards_manager_required
def pick(request, pk):
    """Pick the proposed winners; a second page shows them before they go to the chair."""
    award_round = get_round_for_manager(request.user, pk)
    form = PickForm(request.POST or None, award_round=award_round)
    nominees = selectors.nominees_of(award_round)
    if request.method == "POST" and form.is_valid():
        picked = list(form.cleaned_data["nominees"])
        if not form.cleaned_data["confirm"]:
            chosen = {m.pk for m in picked}
            return render(
                request,
                "awards/pick_confirm.html",
                {"round": award_round, "picked": [n for n in nominees if n.pk in chosen]},
            )
        done = perform(
            request,
            lambda: services.shortlist_submit(
                actor=request.user, award_round=award_round, nominee_ids=[m.pk for m in picked]
            ),
            _("The proposed winners were sent to the chair for approval."),
        )
        if done is not None:
            return redirect("notices:detail", pk=done.notice_id)
    return render(
        request,
        "awards/pick.html",
        {
            "round": award_round,
            "form": form,
            "nominees": nominees,
            "allowed": services.shortlist_allowed(award_round),
            "year": timezone.localdate().year,
        },
    )


@login_required_403
def result(request, pk):
    award_round = get_round_for_viewer(request.user, pk)
    return render(
        request,
        "awards/result.html",
        {"round": award_round, "winners": selectors.result_of(award_round)},
    )
