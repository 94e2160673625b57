from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from members.models import Branch
from members.permissions import may_see_hardship
from union_portal.core import ratelimit
from union_portal.core.forms import parse_id
from union_portal.core.pagination import paginate
from union_portal.core.roles import branches_where, login_required_403, roles_of
from union_portal.core.rules import perform

from . import selectors, services
from .forms import (
    AssignForm,
    GrievanceForm,
    HandlerCommentForm,
    HandlerForm,
    NoteForm,
    OptionalTextForm,
    QueueFilterForm,
    ReceiptForm,
    RouteForm,
    TextForm,
    assign_menu,
)
from .models import Attachment, receipt_key
from .permissions import (
    followed_keys,
    followed_receipt_hashes,
    get_grievance_for_viewer,
    handles_any_cases,
    is_filer,
    may_act_as_handler,
    may_add_note,
    may_assign,
    may_forward,
    may_read_as_handler,
    may_see_filer_name,
    routing_required,
)


def _case_or_login(request, pk, **kwargs):
    """The case if this visitor may see it; a signed-out visitor without the
    receipt is sent to sign in (the named filer following an email link)."""
    try:
        return get_grievance_for_viewer(request, pk, **kwargs), None
    except Http404:
        if request.user.is_authenticated:
            raise
        return None, redirect_to_login(request.get_full_path())


def _signed_in_user(request, grievance):
    # An anonymous case's filer acts without an account, even when signed in.
    if grievance.is_anonymous or not request.user.is_authenticated:
        return None
    return request.user


def _follow(request, response, code):
    """Lets this browser follow the anonymous case of `code`: a cookie of its own
    holding a hash of the code (the session of an account is left untouched, so
    nothing on the server ties the case to whoever is signed in)."""
    key = receipt_key(code)
    keys = [k for k in followed_keys(request) if k != key] + [key]
    response.set_cookie(
        settings.GRIEVANCE_FOLLOW_COOKIE,
        ".".join(keys[-settings.GRIEVANCE_FOLLOW_MAX_CASES :]),
        path=reverse("grievances:queue"),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@never_cache  # the receipt code is shown once: no cache may keep the page
@login_required_403
def file_case(request):
    member = roles_of(request.user).member
    if member is None:
        raise PermissionDenied
    form = GrievanceForm(request.POST or None, request.FILES or None, branch=member.branch)
    if request.method == "POST" and form.is_valid():
        grievance, receipt = services.grievance_file(
            user=request.user, member=member, form=form, files=form.cleaned_data["attachments"]
        )
        if receipt:
            # Shown once, never stored in clear: there is no second chance to see it.
            response = render(
                request, "grievances/receipt.html", {"grievance": grievance, "receipt": receipt}
            )
            return _follow(request, response, receipt)
        messages.success(request, _("Your case was filed. You will be told of every step."))
        return redirect("grievances:detail", pk=grievance.pk)
    return render(request, "grievances/file.html", {"form": form})


@never_cache
def receipt_lookup(request):
    """Anyone with the receipt code follows an anonymous case, from any browser.
    Look-ups are limited per address so codes cannot be guessed."""
    form = ReceiptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            within_limit = ratelimit.hit(
                "receipt-lookup",
                ratelimit.client_ip(request),
                limit=settings.GRIEVANCE_RECEIPT_LOOKUPS_PER_10_MIN,
                window=600,
            )
        except ratelimit.CounterUnavailable:
            # Uncounted guesses would make codes guessable: refuse until Redis is back.
            refusal = _(
                "Receipt codes cannot be checked at the moment. Your case is safe; "
                "please try again in a few minutes."
            )
        else:
            refusal = (
                None
                if within_limit
                else _("Too many attempts. Please wait ten minutes and try again.")
            )
        if refusal:
            form.add_error(None, refusal)
        else:
            grievance = services.grievance_for_receipt(form.cleaned_data["code"])
            if grievance is None:
                form.add_error("code", _("No case has this receipt code. Check it and try again."))
            else:
                response = redirect("grievances:detail", pk=grievance.pk)
                return _follow(request, response, form.cleaned_data["code"])
    return render(request, "grievances/lookup.html", {"form": form})


@login_required_403
def my_cases(request):
    cases = selectors.cases_of_filer(
        user=request.user, receipt_hashes=followed_receipt_hashes(request)
    )
    page = Paginator(cases, 20).get_page(request.GET.get("page"))
    selectors.list_rows(page.object_list)
    return render(request, "grievances/my_cases.html", {"page": page})


@login_required_403
def queue(request):
    if not handles_any_cases(request.user):
        raise PermissionDenied
    form = QueueFilterForm(request.GET or None)
    cases = selectors.handler_queue(user=request.user, filters=form.filters())
    page, query = paginate(request, cases, 25)
    rows = selectors.list_rows(page.object_list)
    roles = roles_of(request.user)
    if roles.chair_of or roles.liaison:  # only they take cases the clock passed up
        selectors.mark_supervising(rows, request.user)
    return render(
        request,
        "grievances/queue.html",
        {"filter_form": form, "page": page, "query": query},
    )


def case_detail(request, pk):
    grievance, login = _case_or_login(request, pk, related=("category", "assignee", "filer_member"))
    if login:
        return login
    filer = is_filer(request, grievance)
    handler = may_read_as_handler(request.user, grievance)
    acting = handler and may_act_as_handler(request.user, grievance)
    context = {
        "grievance": grievance,
        "is_filer": filer,
        "is_handler": handler,
        "may_act": acting,
        # An earlier owner (or the chair above a university-level case) notes only.
        "may_note": handler and not acting and may_add_note(request.user, grievance),
        "show_filer_name": may_see_filer_name(request.user, grievance),
        "overdue": selectors.is_overdue(grievance),
        "history": selectors.history_page(grievance, include_internal=handler),
        "message_form": TextForm(),
        "reply_form": TextForm(auto_id="reply_%s"),
        "note_form": NoteForm(auto_id="note_%s"),
        "comment_form": OptionalTextForm(),
    }
    if handler and grievance.filer_member_id and context["show_filer_name"]:
        context["filer_member"] = grievance.filer_member
        # The member's own branch's officers and chair only: not the liaison.
        context["show_hardship"] = may_see_hardship(request.user, grievance.filer_member)
    if handler and may_assign(request.user, grievance):
        context["assign_menu"] = assign_menu(grievance)
    context["may_forward"] = handler and may_forward(request.user, grievance)
    return render(request, "grievances/detail.html", context)


# Beyond this, a page of history is surely past its end (and its offset too big).
MAX_HISTORY_PAGE = 100_000


def case_history(request, pk):
    """The older entries of a case's history, a page at a time, newest first: seen
    by whoever may open the case, with the same rules as its page (internal notes
    for its handlers only, an anonymous filer's steps by the day)."""
    grievance, login = _case_or_login(request, pk)
    if login:
        return login
    number = parse_id(request.GET.get("page", "")) or 1
    if number > MAX_HISTORY_PAGE:
        raise Http404
    handler = may_read_as_handler(request.user, grievance)
    history = selectors.history_page(grievance, include_internal=handler, number=number)
    if not history.entries and number > 1:
        raise Http404
    return render(request, "grievances/history.html", {"grievance": grievance, "history": history})


# action -> (who may, form class, service call)
def _handler_step(service, *, text=True, files=True, **extra):
    """A handler's step: its text and files, and the internal flag, which every
    step but a note refuses (an internal note never reaches the filer)."""

    def run(request, grievance, form):
        data = form.cleaned_data
        kwargs = {**extra, "internal": data["internal"]}
        if text:
            kwargs["text"] = data["text"]
        if files:
            kwargs["files"] = data["attachments"]
        return service(actor=request.user, grievance=grievance, **kwargs)

    return run


def _note(request, grievance, form):
    return services.grievance_reply(
        actor=request.user,
        grievance=grievance,
        text=form.cleaned_data["text"],
        internal=True,
        files=form.cleaned_data["attachments"],
    )


ACTIONS = {
    "acknowledge": (
        "handler",
        HandlerCommentForm,
        _handler_step(services.grievance_acknowledge, text=False, files=False),
    ),
    "ask": ("handler", HandlerForm, _handler_step(services.grievance_ask_filer)),
    "reply": ("handler", HandlerForm, _handler_step(services.grievance_reply)),
    "note": ("note", NoteForm, _note),
    "resolve": ("handler", HandlerForm, _handler_step(services.grievance_propose_resolution)),
    "forward": (
        "chair",
        HandlerCommentForm,
        _handler_step(services.grievance_forward, files=False),
    ),
    "message": (
        "filer",
        TextForm,
        lambda request, g, form: services.grievance_filer_message(
            grievance=g,
            user=_signed_in_user(request, g),
            text=form.cleaned_data["text"],
            files=form.cleaned_data["attachments"],
        ),
    ),
    "accept": (
        "filer",
        OptionalTextForm,
        lambda request, g, form: services.grievance_accept(
            grievance=g, user=_signed_in_user(request, g)
        ),
    ),
    "appeal": (
        "filer",
        TextForm,
        lambda request, g, form: services.grievance_appeal(
            grievance=g,
            user=_signed_in_user(request, g),
            text=form.cleaned_data["text"],
        ),
    ),
    "reopen": (
        "filer",
        TextForm,
        lambda request, g, form: services.grievance_reopen(
            grievance=g,
            user=_signed_in_user(request, g),
            text=form.cleaned_data["text"],
        ),
    ),
}
DONE = {
    "acknowledge": gettext_lazy("The case is acknowledged; the filer was told."),
    "ask": gettext_lazy("Your question was sent; the clock stops until the filer answers."),
    "reply": gettext_lazy("Saved."),
    "note": gettext_lazy("The internal note was saved; the filer does not see it."),
    "resolve": gettext_lazy("The resolution was sent to the filer."),
    "forward": gettext_lazy("The case was forwarded to the university union."),
    "message": gettext_lazy("Your message was sent."),
    "accept": gettext_lazy("Thank you. The case is closed."),
    "appeal": gettext_lazy("Your appeal was sent to the next level."),
    "reopen": gettext_lazy("The case is open again."),
}


@require_POST
def case_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    grievance, login = _case_or_login(request, pk)
    if login:
        return login
    who, form_class, run = ACTIONS[action]
    allowed = {
        "filer": is_filer(request, grievance),
        "handler": request.user.is_authenticated and may_act_as_handler(request.user, grievance),
        "note": request.user.is_authenticated and may_add_note(request.user, grievance),
        "chair": request.user.is_authenticated and may_forward(request.user, grievance),
    }[who]
    if not allowed:
        raise PermissionDenied
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("grievances:detail", pk=grievance.pk)
    perform(request, lambda: run(request, grievance, form), DONE[action])
    return redirect("grievances:detail", pk=grievance.pk)


@require_POST
@login_required_403
def assign(request, pk):
    grievance = get_grievance_for_viewer(request, pk)
    if not may_assign(request.user, grievance):
        raise PermissionDenied
    form = AssignForm(request.POST, grievance=grievance)
    if form.is_valid():
        perform(
            request,
            lambda: services.grievance_assign(
                actor=request.user, grievance=grievance, assignee=form.cleaned_data["assignee"]
            ),
            _("The case was assigned."),
        )
    else:
        messages.error(request, str(services.ASSIGNEE_REFUSED[grievance.level]))
    return redirect("grievances:detail", pk=grievance.pk)


def attachment(request, token):
    file = Attachment.objects.select_related("event").filter(token=token).first()
    if file is None:
        raise Http404
    grievance, login = _case_or_login(request, file.grievance_id)
    if login:
        return login
    if file.event and file.event.internal and not may_read_as_handler(request.user, grievance):
        raise Http404
    return FileResponse(
        file.file.open("rb"),
        as_attachment=True,
        filename=file.display_name,
        content_type=file.content_type,
    )


@login_required_403
def suggestions(request):
    page = Paginator(selectors.answered_suggestions(), 20).get_page(request.GET.get("page"))
    return render(request, "grievances/suggestions.html", {"page": page})


@routing_required
def routing(request):
    """Who takes a branch's new cases: per category and campus, else the category's
    default, else the chair. Kept by the branch's officers and chair."""
    branches = list(
        Branch.objects.filter(pk__in=branches_where(request.user, "grievances.routing"))
    )
    chosen = parse_id(request.GET.get("branch", ""))
    branch = next((b for b in branches if b.pk == chosen), branches[0])
    form = RouteForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        perform(
            request,
            lambda: services.route_set(
                actor=request.user,
                category=data["category"],
                campus=data["campus"],
                officer=data["officer"],
            ),
            _("The routing was saved."),
        )
        return redirect(f"{reverse('grievances:routing')}?branch={branch.pk}")
    return render(
        request,
        "grievances/routing.html",
        {
            "branch": branch,
            "branches": branches,
            "categories": selectors.routing_table(branch),
            "form": form,
        },
    )
