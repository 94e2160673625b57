"""Every write about grievances and suggestions. Each use case locks the case,
checks the transition table, records a history row and queues notifications."""

import secrets
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import BranchRole
from union_portal.core import cache_versions
from union_portal.core.calendar import add_working_days, reminder_day, working_days_between
from union_portal.core.notifications import Note, notify, notify_each
from union_portal.core.rules import RuleError

from .models import Attachment, Category, Grievance, GrievanceEvent, Route, hash_receipt
from .selectors import is_overdue

Status = Grievance.Status
Level = Grievance.Level
Kind = GrievanceEvent.Kind
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols: 5 bits each


class GrievanceRuleError(RuleError):
    """A rule of this app refused the request."""


def new_receipt_code() -> str:
    """100 bits of randomness, in groups of four for reading aloud or copying."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(20))
    return "-".join(raw[i : i + 4] for i in range(0, 20, 4))


def _today(now=None):
    return timezone.localdate(now or timezone.now())


def _case_url(grievance):
    return reverse("grievances:detail", args=[grievance.pk])


def _lock(grievance):
    return Grievance.objects.select_for_update().get(pk=grievance.pk)


def _move(grievance, status):
    if status != grievance.status and status not in Grievance.TRANSITIONS[grievance.status]:
        raise GrievanceRuleError(
            _("A case that is “%(status)s” cannot do that.")
            % {"status": grievance.get_status_display()}
        )
    grievance.status = status


def _record(grievance, kind, *, actor=None, text="", internal=False, by_filer=False):
    """The history row keeps the assignee of the moment: an escalation stays
    counted against whoever held the case, and whoever held it once keeps reading it."""
    cache_versions.bump("grievances")  # the dashboard's cached figures are stale now
    return GrievanceEvent.objects.create(
        grievance=grievance,
        kind=kind,
        actor=None if by_filer and grievance.is_anonymous else actor,
        by_filer=by_filer,
        assignee_id=grievance.assignee_id,
        text=text,
        internal=internal,
        level=grievance.level,
        status=grievance.status,
    )


def _refuse_internal(internal):
    """An internal note is for the handlers: it never rides on a step the filer
    is told of (an acknowledgement, a question, a resolution, a forward)."""
    if internal:
        raise GrievanceRuleError(
            _(
                "An internal note is never sent to the filer, so nothing was sent. "
                "Save it with “Save internal note” instead."
            )
        )


def _save_attachments(grievance, event, files):
    """Stores the files under a random token, numbered per case (the case is locked
    by the caller); their uploaded names are not kept."""
    if not files:
        return
    number = grievance.attachments.aggregate(last=Max("number"))["last"] or 0
    for upload in files:
        token = get_random_string(32)
        number += 1
        attachment = Attachment(
            grievance=grievance,
            event=event,
            token=token,
            number=number,
            content_type=upload.content_type,
            size=upload.size,
        )
        attachment.file.save(token, upload, save=False)
        attachment.save()


def _users():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True)


def _level_office(grievance):
    """The users who hold the office of the case's level: the branch's officers and
    chairs, its chairs (督办), or the university liaisons."""
    if grievance.level == Level.UNIVERSITY:
        return _users().filter(branch_roles__role=BranchRole.Role.LIAISON)
    roles = [BranchRole.Role.CHAIR]
    if grievance.level == Level.BRANCH:
        roles.append(BranchRole.Role.OFFICER)
    return _users().filter(
        branch_roles__branch_id=grievance.branch_id, branch_roles__role__in=roles
    )


def _first_of(users, role):
    # The longest-serving holder of the office: the first role given.
    return users.filter(branch_roles__role=role).order_by("branch_roles__pk").first()


def level_owner(grievance):
    """Who a case goes to when it reaches its level: at the chair's level the
    branch chair (督办), at the university level the first liaison. None at the
    branch's level (routing decides there) or when nobody holds the office."""
    if grievance.level == Level.CHAIR:
        return _first_of(_level_office(grievance), BranchRole.Role.CHAIR)
    if grievance.level == Level.UNIVERSITY:
        return _first_of(_level_office(grievance), BranchRole.Role.LIAISON)
    return None


def handlers(grievance):
    """Who must act on the case at its level: its owner when they hold the level's
    office; without one, the branch's chairs (branch and chair level) or every
    liaison (university level)."""
    return handlers_of([grievance])[grievance.pk]


def handlers_of(grievances) -> dict:
    """handlers() of many cases (2 000 deadline reminders) with one query: the
    active holders of the offices of their branches and the liaisons."""
    grievances = list(grievances)
    if not grievances:
        return {}
    officers = [BranchRole.Role.OFFICER, BranchRole.Role.CHAIR]
    offices = (
        BranchRole.objects.filter(user__is_active=True)
        .filter(
            Q(branch_id__in={g.branch_id for g in grievances}, role__in=officers)
            | Q(role=BranchRole.Role.LIAISON)
        )
        .select_related("user")
        .order_by("pk")
    )
    held = defaultdict(dict)  # (branch id, role) -> {user id: user}; liaisons: (None, …)
    for office in offices:
        branch_id = None if office.role == BranchRole.Role.LIAISON else office.branch_id
        held[(branch_id, office.role)][office.user_id] = office.user
    found = {}
    for grievance in grievances:
        if grievance.level == Level.UNIVERSITY:
            office = held[(None, BranchRole.Role.LIAISON)]
            fallback = office
        else:
            fallback = held[(grievance.branch_id, BranchRole.Role.CHAIR)]
            office = dict(fallback)
            if grievance.level == Level.BRANCH:
                office.update(held[(grievance.branch_id, BranchRole.Role.OFFICER)])
        if grievance.assignee_id in office:
            found[grievance.pk] = [office[grievance.assignee_id]]
        else:
            found[grievance.pk] = list(fallback.values())
    return found


def _hand_over(grievance, actor=None):
    """The case has reached a new level: it now belongs to someone there. The
    handover is a history row (the previous owner keeps reading the case and may
    add internal notes)."""
    owner = level_owner(grievance)
    if owner is None or owner.pk == grievance.assignee_id:
        return
    grievance.assignee = owner
    grievance.save(update_fields=["assignee"])
    _record(grievance, Kind.ASSIGNED, actor=actor, text=owner.get_full_name() or owner.email)


def _tell_handlers(grievance, key, subject):
    for note in _handler_notes(grievance, key, subject, handlers(grievance)):
        notify(user=note.user, key=note.key, subject=note.subject, body=note.body, url=note.url)


def _handler_notes(grievance, key, subject, users):
    # A confidential or anonymous case's subject stays in the portal: emails pass
    # through mail servers and sit in mailboxes, so they carry the number only.
    if grievance.confidentiality == Grievance.Confidentiality.NAMED:
        body = format_lazy(gettext_lazy("“{subject}”"), subject=grievance.subject)
    else:
        body = gettext_lazy("Open the case in the portal to read it.")
    for user in users:
        yield Note(
            user=user,
            key=f"{key}:{user.pk}",
            subject=format_lazy(
                gettext_lazy("Case #{number}: {what}"), number=grievance.pk, what=subject
            ),
            body=body,
            url=_case_url(grievance),
        )


def _tell_filer(grievance, key, subject, body=""):
    # An anonymous filer has no inbox: they see every step with their receipt code.
    if grievance.filer_id:
        notify(
            user=grievance.filer,
            key=key,
            subject=format_lazy(
                gettext_lazy("Your case #{number}: {what}"), number=grievance.pk, what=subject
            ),
            body=body,
            url=_case_url(grievance),
        )


# --- routing ----------------------------------------------------------------


def _holds_branch_office(user_id, branch_id) -> bool:
    return BranchRole.objects.filter(
        user_id=user_id,
        user__is_active=True,
        branch_id=branch_id,
        role__in=[BranchRole.Role.OFFICER, BranchRole.Role.CHAIR],
    ).exists()


def route_owner(*, category, campus=None):
    """Who a new case of `category` from a filer on `campus` goes to: the route
    for that campus, else the category's default assignee, else the branch chair.
    An anonymous case has no campus (routing by it would narrow who filed it)."""
    if campus is not None:
        route = (
            Route.objects.filter(
                category=category,
                campus=campus,
                officer__is_active=True,
                officer__branch_roles__branch_id=category.branch_id,
                officer__branch_roles__role__in=[BranchRole.Role.OFFICER, BranchRole.Role.CHAIR],
            )
            .select_related("officer")
            .first()
        )
        if route is not None:
            return route.officer
    default = category.default_assignee
    if default is not None and _holds_branch_office(default.pk, category.branch_id):
        return default
    return _first_of(
        _users().filter(branch_roles__branch_id=category.branch_id), BranchRole.Role.CHAIR
    )


@transaction.atomic
def route_set(*, actor, category, campus=None, officer=None):
    """Sets who takes the new cases of a category: from a campus's staff (with
    `campus`) or by default (without). No officer removes the route (or the
    default: the chair takes them). The officer must hold an office in the
    category's branch."""
    if officer is not None and not _holds_branch_office(officer.pk, category.branch_id):
        raise GrievanceRuleError(_("Choose an officer of this branch."))
    if campus is None:
        Category.objects.filter(pk=category.pk).update(default_assignee=officer)
    elif officer is None:
        Route.objects.filter(category=category, campus=campus).delete()
    else:
        Route.objects.update_or_create(
            category=category, campus=campus, defaults={"officer": officer}
        )


# --- intake -----------------------------------------------------------------


@transaction.atomic
def grievance_file(*, user, member, form, files=(), now=None):
    """Files a case from a validated form. An anonymous case stores no link to
    the user or the roster; the filer gets a receipt code, shown once.
    Returns (grievance, receipt_code or None)."""
    now = now or timezone.now()
    today = _today(now)
    grievance = form.save(commit=False)
    grievance.branch = member.branch
    receipt = None
    if grievance.is_anonymous:
        receipt = new_receipt_code()
        grievance.receipt_hash = hash_receipt(receipt)
    else:
        grievance.filer = user
        grievance.filer_member = member
    category = grievance.category
    grievance.ack_due = add_working_days(today, category.ack_working_days)
    grievance.resolve_due = add_working_days(today, category.resolve_working_days)
    # The filer's campus routes a named or confidential case; an anonymous one has none.
    campus = None if grievance.is_anonymous else member.home_campus
    grievance.assignee = route_owner(category=category, campus=campus)
    grievance.save()
    event = _record(grievance, Kind.FILED, actor=user, text=grievance.description, by_filer=True)
    _save_attachments(grievance, event, files)
    if grievance.assignee_id:
        _record(grievance, Kind.ASSIGNED, text=str(grievance.assignee.get_full_name()))
    _tell_handlers(grievance, f"grievance-new:{grievance.pk}", gettext_lazy("new case"))
    return grievance, receipt


def grievance_for_receipt(code: str):
    code = (code or "").strip()
    if not code or len(code) > 40:
        return None
    return Grievance.objects.filter(receipt_hash=hash_receipt(code)).first()


# --- the handler's side -------------------------------------------------------


ASSIGNEE_REFUSED = {
    Level.BRANCH: gettext_lazy("Choose an officer of this branch."),
    Level.CHAIR: gettext_lazy("At the chair's level, the case belongs to a chair of the branch."),
    Level.UNIVERSITY: gettext_lazy("Choose a colleague of the university union."),
}


@transaction.atomic
def grievance_assign(*, actor, grievance, assignee):
    """Gives the case to someone of its level: the chair to an officer (or chair)
    of the branch, or to a fellow chair after an escalation; a liaison hands a
    university-level case to a colleague. The new owner is told at once."""
    grievance = _lock(grievance)
    if grievance.status == Status.CLOSED:
        raise GrievanceRuleError(_("A closed case cannot be assigned."))
    if not _level_office(grievance).filter(pk=assignee.pk).exists():
        raise GrievanceRuleError(str(ASSIGNEE_REFUSED[grievance.level]))
    grievance.assignee = assignee
    grievance.save(update_fields=["assignee"])
    _record(grievance, Kind.ASSIGNED, actor=actor, text=assignee.get_full_name() or assignee.email)
    _tell_handlers(
        grievance, f"grievance-assigned:{grievance.pk}:{timezone.now().timestamp()}",
        gettext_lazy("assigned to you"),
    )  # fmt: skip
    return grievance


def _acknowledge(grievance, now):
    if grievance.acknowledged_at is None:
        grievance.acknowledged_at = now


@transaction.atomic
def grievance_acknowledge(*, actor, grievance, internal=False, now=None):
    _refuse_internal(internal)
    now = now or timezone.now()
    grievance = _lock(grievance)
    if grievance.status != Status.NEW:
        raise GrievanceRuleError(_("This case has already been acknowledged."))
    _move(grievance, Status.IN_PROGRESS)
    _acknowledge(grievance, now)
    grievance.save(update_fields=["status", "acknowledged_at"])
    _record(grievance, Kind.ACKNOWLEDGED, actor=actor)
    _tell_filer(grievance, f"grievance-ack:{grievance.pk}", gettext_lazy("received"))
    return grievance


@transaction.atomic
def grievance_ask_filer(*, actor, grievance, text, internal=False, files=(), now=None):
    """Asks the filer for more information; the clock stops until they answer."""
    _refuse_internal(internal)
    now = now or timezone.now()
    grievance = _lock(grievance)
    _move(grievance, Status.WAITING_FILER)
    _acknowledge(grievance, now)
    grievance.paused_on = _today(now)
    grievance.save(update_fields=["status", "acknowledged_at", "paused_on"])
    event = _record(grievance, Kind.ASKED, actor=actor, text=text)
    _save_attachments(grievance, event, files)
    _tell_filer(
        grievance, f"grievance-asked:{event.pk}", gettext_lazy("more information needed"), text
    )
    return grievance


@transaction.atomic
def grievance_reply(*, actor, grievance, text, internal=False, files=()):
    """A reply the filer reads, or an internal note they never see."""
    grievance = _lock(grievance)
    if grievance.status == Status.CLOSED:
        raise GrievanceRuleError(_("This case is closed: reopen it before replying."))
    event = _record(
        grievance, Kind.NOTE if internal else Kind.REPLY, actor=actor, text=text, internal=internal
    )
    _save_attachments(grievance, event, files)
    if not internal:
        _tell_filer(grievance, f"grievance-reply:{event.pk}", gettext_lazy("new reply"), text)
    return grievance


@transaction.atomic
def grievance_propose_resolution(*, actor, grievance, text, internal=False, files=(), now=None):
    """The filer reads the resolution; a suggestion's may be published with consent."""
    _refuse_internal(internal)
    now = now or timezone.now()
    if not (text or "").strip():
        raise GrievanceRuleError(_("Write the resolution before marking the case resolved."))
    grievance = _lock(grievance)
    _move(grievance, Status.RESOLVED)
    _acknowledge(grievance, now)
    grievance.resolution = text
    grievance.resolved_at = now
    grievance.paused_on = None
    grievance.save(
        update_fields=["status", "acknowledged_at", "resolution", "resolved_at", "paused_on"]
    )
    event = _record(grievance, Kind.RESOLUTION, actor=actor, text=text)
    _save_attachments(grievance, event, files)
    _tell_filer(
        grievance, f"grievance-resolution:{event.pk}", gettext_lazy("resolution proposed"), text
    )
    return grievance


def _raise_level(grievance, today):
    grievance.level = Level.CHAIR if grievance.level == Level.BRANCH else Level.UNIVERSITY
    grievance.resolve_due = add_working_days(today, settings.GRIEVANCE_ESCALATION_WORKING_DAYS)


@transaction.atomic
def grievance_forward(*, actor, grievance, text, internal=False, now=None):
    """The chair passes the case on to the university union; the comment is on
    the timeline the filer reads."""
    _refuse_internal(internal)
    grievance = _lock(grievance)
    if grievance.level == Level.UNIVERSITY:
        raise GrievanceRuleError(_("This case is already with the university union."))
    if grievance.status == Status.CLOSED:
        raise GrievanceRuleError(_("A closed case cannot be forwarded."))
    grievance.level = Level.CHAIR
    _raise_level(grievance, _today(now))
    if grievance.status == Status.RESOLVED:
        _move(grievance, Status.IN_PROGRESS)
    grievance.save(update_fields=["level", "resolve_due", "status"])
    _record(grievance, Kind.ESCALATED, actor=actor, text=text)
    _hand_over(grievance)
    _tell_handlers(grievance, f"grievance-forwarded:{grievance.pk}", gettext_lazy("forwarded"))
    _tell_filer(
        grievance,
        f"grievance-level:{grievance.pk}:{grievance.level}",
        gettext_lazy("passed to the university union"),
    )
    return grievance


# --- the filer's side --------------------------------------------------------


@transaction.atomic
def grievance_filer_message(*, grievance, user, text, files=(), now=None):
    """The filer writes. If the case waited for them, the clock runs again and its
    deadlines move by the working days it stood still."""
    now = now or timezone.now()
    grievance = _lock(grievance)
    if grievance.status == Status.CLOSED:
        raise GrievanceRuleError(_("This case is closed: reopen it before writing."))
    if grievance.status == Status.WAITING_FILER:
        paused = working_days_between(grievance.paused_on, _today(now))
        grievance.ack_due = add_working_days(grievance.ack_due, paused)
        grievance.resolve_due = add_working_days(grievance.resolve_due, paused)
        grievance.paused_on = None
        _move(grievance, Status.IN_PROGRESS)
        grievance.save(update_fields=["ack_due", "resolve_due", "paused_on", "status"])
    event = _record(grievance, Kind.FILER_REPLIED, actor=user, text=text, by_filer=True)
    _save_attachments(grievance, event, files)
    _tell_handlers(grievance, f"grievance-filer:{event.pk}", gettext_lazy("the filer wrote"))
    return grievance


@transaction.atomic
def grievance_accept(*, grievance, user, now=None):
    grievance = _lock(grievance)
    if grievance.status != Status.RESOLVED:
        raise GrievanceRuleError(_("There is no proposed resolution to accept."))
    _move(grievance, Status.CLOSED)
    grievance.closed_at = now or timezone.now()
    grievance.save(update_fields=["status", "closed_at"])
    _record(grievance, Kind.ACCEPTED, actor=user, by_filer=True)
    return grievance


@transaction.atomic
def grievance_appeal(*, grievance, user, text, now=None):
    """Once per case, to the next level, with a reason."""
    if not (text or "").strip():
        raise GrievanceRuleError(_("Give the reason for your appeal."))
    grievance = _lock(grievance)
    if grievance.appealed:
        raise GrievanceRuleError(_("This case has already been appealed once."))
    if grievance.status != Status.RESOLVED:
        raise GrievanceRuleError(_("You can appeal once a resolution has been proposed."))
    if grievance.level == Level.UNIVERSITY:
        raise GrievanceRuleError(_("The university union's answer is the last level."))
    _raise_level(grievance, _today(now))
    _move(grievance, Status.IN_PROGRESS)
    grievance.appealed = True
    grievance.save(update_fields=["level", "resolve_due", "status", "appealed"])
    _record(grievance, Kind.APPEALED, actor=user, text=text, by_filer=True)
    _hand_over(grievance)
    _tell_handlers(grievance, f"grievance-appeal:{grievance.pk}", gettext_lazy("appealed"))
    return grievance


@transaction.atomic
def grievance_reopen(*, grievance, user, text, now=None):
    """Within 10 working days of closing, the filer may reopen the case."""
    now = now or timezone.now()
    grievance = _lock(grievance)
    if grievance.status != Status.CLOSED:
        raise GrievanceRuleError(_("Only a closed case can be reopened."))
    limit = add_working_days(_today(grievance.closed_at), settings.GRIEVANCE_REOPEN_WORKING_DAYS)
    if _today(now) > limit:
        raise GrievanceRuleError(
            _("A case can be reopened up to %(date)s only; please file a new one.")
            % {"date": limit.isoformat()}
        )
    _move(grievance, Status.IN_PROGRESS)
    grievance.resolve_due = add_working_days(
        _today(now), settings.GRIEVANCE_ESCALATION_WORKING_DAYS
    )
    grievance.closed_at = None
    grievance.save(update_fields=["status", "resolve_due", "closed_at"])
    _record(grievance, Kind.REOPENED, actor=user, text=text, by_filer=True)
    _tell_handlers(
        grievance, f"grievance-reopened:{grievance.pk}:{now.timestamp()}", gettext_lazy("reopened")
    )
    return grievance


# --- the clock (Celery beat) --------------------------------------------------


def grievance_escalate_overdue(*, now=None) -> int:
    """A missed deadline passes the case up one level: branch → chair →
    university, where it belongs to the chair (督办) or a liaison; the officer
    who missed it keeps reading it. The conditional update makes a second run, or a second worker,
    escalate nothing twice."""
    now = now or timezone.now()
    today = _today(now)
    escalated = 0
    candidates = Grievance.objects.filter(
        status__in=[Status.NEW, Status.IN_PROGRESS], level__in=[Level.BRANCH, Level.CHAIR]
    ).filter(Q(ack_due__lt=today) | Q(resolve_due__lt=today))
    for grievance in candidates.only("pk", "status", "level", "ack_due", "resolve_due"):
        # Re-read inside the loop: the conditional update below is the guard.
        if not is_overdue(grievance, today):
            continue
        with transaction.atomic():
            old_level = grievance.level
            new_level = Level.CHAIR if old_level == Level.BRANCH else Level.UNIVERSITY
            changed = Grievance.objects.filter(
                pk=grievance.pk, level=old_level, status=grievance.status
            ).update(
                level=new_level,
                resolve_due=add_working_days(today, settings.GRIEVANCE_ESCALATION_WORKING_DAYS),
                escalations=F("escalations") + 1,
            )
            if changed != 1:
                continue
            grievance = Grievance.objects.select_related("filer").get(pk=grievance.pk)
            # Recorded before the handover: it counts against whoever missed the deadline.
            _record(grievance, Kind.ESCALATED, text=_("Deadline missed."))
            _hand_over(grievance)
            _tell_handlers(
                grievance, f"grievance-escalated:{grievance.pk}:{new_level}",
                gettext_lazy("escalated to you: a deadline was missed"),
            )  # fmt: skip
            _tell_filer(
                grievance,
                f"grievance-level:{grievance.pk}:{new_level}",
                format_lazy(
                    gettext_lazy("escalated to {level}"), level=grievance.get_level_display()
                ),
            )
            escalated += 1
    return escalated


def grievance_send_reminders(*, now=None) -> int:
    """One working day before a deadline, the handlers are reminded, once per
    deadline, and only during working hours of a working day. The inbox rows
    (keyed per case, deadline, date, level and handler) are the marks, written
    a thousand at a time, the handlers of every case found with one query."""
    today = reminder_day(now or timezone.now(), settings.GRIEVANCE_REMINDER_HOURS)
    if today is None:
        return 0
    tomorrow = add_working_days(today, 1)
    due_soon = Grievance.objects.filter(
        status__in=[Status.NEW, Status.IN_PROGRESS], level__in=[Level.BRANCH, Level.CHAIR]
    ).filter(Q(ack_due__range=(today, tomorrow)) | Q(resolve_due__range=(today, tomorrow)))
    reminders = []
    for grievance in due_soon.order_by("pk"):
        for deadline, due in (("ack", grievance.ack_due), ("resolve", grievance.resolve_due)):
            if deadline == "ack" and (
                grievance.status != Status.NEW or grievance.level != Level.BRANCH
            ):
                continue
            if not today <= due <= tomorrow:
                continue
            key = (
                f"grievance-reminder:{grievance.pk}:{deadline}:{due.isoformat()}:{grievance.level}"
            )
            what = (
                gettext_lazy("acknowledgement due {date}")
                if deadline == "ack"
                else gettext_lazy("resolution due {date}")
            )
            reminders.append((grievance, key, format_lazy(what, date=due.isoformat())))
    owners = handlers_of({grievance.pk: grievance for grievance, _k, _w in reminders}.values())
    notify_each(
        note
        for grievance, key, what in reminders
        for note in _handler_notes(grievance, key, what, owners[grievance.pk])
    )
    return len(reminders)
