"""Every write of the care/ app: one function per use case, each checking its
rule here; views, tasks, the demo and tests call these alone."""

# --- hardship files and support records (困难职工建档与帮扶) ---------------------
# An officer of the member's branch opens a file (one open file per member), keeps
# its level, responsible officer and review date, records the support given and
# closes it with a reason. The member's has_hardship flag follows the open files:
# `_sync_hardship_flag` is the one place that sets it. Money is Decimal CNY, only on
# subsidies and aid, and may be linked to a line of a published fund notice of the
# same branch (never more in total than the line). Every write bumps the
# "care-hardship" data version, so the fairness view's cached figures are redone.

from datetime import date as _date
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import BranchRole, Member
from union_portal.core import cache_versions
from union_portal.core.calendar import add_working_days, reminder_day
from union_portal.core.models import Notification
from union_portal.core.notifications import notify
from union_portal.core.roles import can
from union_portal.core.rules import RuleError

from .models import (
    Handout,
    HandoutChoice,
    HandoutOption,
    HardshipFile,
    Pickup,
    PickupPoint,
    SupportRecord,
)

HARDSHIP_VERSION = "care-hardship"
MAX_SUPPORT_AMOUNT = Decimal("99999999.99")


class HardshipRuleError(RuleError):
    """A rule about hardship files refused the request."""


def _require_officer(actor, branch_id):
    if not can(actor, "care.hardship", branch_id):
        raise HardshipRuleError(_("Only the branch's officers and chair keep hardship files."))


def _holds_office(user, branch_id) -> bool:
    return (
        user is not None
        and BranchRole.objects.filter(
            user=user,
            branch_id=branch_id,
            role__in=[BranchRole.Role.OFFICER, BranchRole.Role.CHAIR],
        ).exists()
    )


def _sync_hardship_flag(member_id):
    """The one place that sets Member.has_hardship: true while the member has an open file."""
    open_file = HardshipFile.objects.filter(member_id=member_id, closed_on__isnull=True).exists()
    Member.objects.filter(pk=member_id).exclude(has_hardship=open_file).update(
        has_hardship=open_file
    )


def _file_url(file) -> str:
    return reverse("care:hardship_detail", args=[file.pk])


def _tell_responsible(file, actor):
    if file.officer_id == getattr(actor, "pk", None):
        return
    notify(
        user=file.officer,
        key=f"hardship-responsible:{file.pk}:{file.officer_id}",
        subject=format_lazy(
            gettext_lazy("You are responsible for the hardship file of {name}"),
            name=file.member.name,
        ),  # fmt: skip
        body=gettext_lazy("Keep in touch: visit or call, and record each contact on the file."),
        url=_file_url(file),
    )


def _check_file_fields(*, branch_id, reason, level, officer, review_on, today):
    if reason not in HardshipFile.Reason.values or level not in HardshipFile.Level.values:
        raise HardshipRuleError(_("Choose a reason and a level from the list."))
    if not _holds_office(officer, branch_id):
        raise HardshipRuleError(
            _("The responsible officer must be an officer or the chair of the branch.")
        )
    if review_on is None or review_on <= today:
        raise HardshipRuleError(_("The review date must be after today."))
    if review_on > today + timedelta(days=2 * 366):
        raise HardshipRuleError(_("The review date must be within two years."))


def hardship_file_open(*, actor, member, reason, level, officer, review_on, situation="",
                       today=None) -> HardshipFile:  # fmt: skip
    """Opens a hardship file for an active member of the actor's branch, who has no
    open file yet, and sets their hardship flag."""
    today = today or timezone.localdate()
    _require_officer(actor, member.branch_id)
    _check_file_fields(branch_id=member.branch_id, reason=reason, level=level, officer=officer,
                       review_on=review_on, today=today)  # fmt: skip
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        if member.status != Member.Status.ACTIVE:
            raise HardshipRuleError(_("A hardship file can be opened for an active member only."))
        if HardshipFile.objects.filter(member=member, closed_on__isnull=True).exists():
            raise HardshipRuleError(_("This member already has an open hardship file."))
        try:
            with transaction.atomic():
                file = HardshipFile.objects.create(
                    member=member, branch_id=member.branch_id, reason=reason, level=level,
                    officer=officer, review_on=review_on, situation=situation, opened_on=today,
                    opened_by=actor,
                )  # fmt: skip
        except IntegrityError:
            raise HardshipRuleError(_("This member already has an open hardship file.")) from None
        _sync_hardship_flag(member.pk)
        _tell_responsible(file, actor)
        cache_versions.bump(HARDSHIP_VERSION)
    return file


def hardship_file_update(*, actor, file, reason, level, officer, review_on, situation="",
                         today=None) -> HardshipFile:  # fmt: skip
    """Changes an open file's reason, level, responsible officer or review date (a
    new responsible officer is told)."""
    today = today or timezone.localdate()
    _require_officer(actor, file.branch_id)
    _check_file_fields(branch_id=file.branch_id, reason=reason, level=level, officer=officer,
                       review_on=review_on, today=today)  # fmt: skip
    with transaction.atomic():
        file = HardshipFile.objects.select_for_update().select_related("member").get(pk=file.pk)
        if not file.is_open:
            raise HardshipRuleError(_("This hardship file is closed."))
        file.reason, file.level, file.officer = reason, level, officer
        file.review_on, file.situation = review_on, situation
        file.save(update_fields=["reason", "level", "officer", "review_on", "situation"])
        _tell_responsible(file, actor)
        cache_versions.bump(HARDSHIP_VERSION)
    return file


def hardship_file_close(*, actor, file, reason, note="", today=None) -> HardshipFile:
    """Closes an open file with a reason (脱困, left, other); the member's flag is
    cleared. Closing twice (two clicks, two officers) closes it once."""
    today = today or timezone.localdate()
    _require_officer(actor, file.branch_id)
    if reason not in HardshipFile.CloseReason.values:
        raise HardshipRuleError(_("Choose why the file is closed."))
    with transaction.atomic():
        changed = HardshipFile.objects.filter(pk=file.pk, closed_on__isnull=True).update(
            closed_on=today, close_reason=reason, close_note=note[:300], closed_by=actor
        )
        if changed != 1:
            raise HardshipRuleError(_("This hardship file is closed already."))
        _sync_hardship_flag(file.member_id)
        cache_versions.bump(HARDSHIP_VERSION)
    file.refresh_from_db()
    return file


def _clean_amount(kind, amount):
    if kind not in SupportRecord.MONEY_KINDS:
        if amount not in (None, ""):
            raise HardshipRuleError(_("Only a subsidy or aid money has an amount."))
        return None
    try:
        amount = Decimal(str(amount)) if amount not in (None, "") else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise HardshipRuleError(_("Enter the amount given, in yuan."))
    if amount <= 0 or amount > MAX_SUPPORT_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise HardshipRuleError(
            _("The amount must be more than 0 and at most %(max)s yuan, in fen at most.")
            % {"max": MAX_SUPPORT_AMOUNT}
        )
    return amount.quantize(Decimal("0.01"))


def _check_fund_line(file, fund_line, amount):
    """A published line of the file's branch, not paid out beyond its amount."""
    from .selectors import fund_lines_for_support

    line = (
        fund_lines_for_support(file.branch_id).select_for_update(of=("self",))
        .filter(pk=getattr(fund_line, "pk", fund_line)).first()
    )  # fmt: skip
    if line is None:
        raise HardshipRuleError(_("Choose a line of a published fund notice of this branch."))
    linked = SupportRecord.objects.filter(fund_line=line).aggregate(total=Sum("amount"))["total"]
    if (linked or 0) + amount > line.amount:
        raise HardshipRuleError(
            _(
                "This line of the fund notice is %(amount)s yuan; "
                "%(linked)s yuan is linked to it already."
            )
            % {"amount": line.amount, "linked": linked or Decimal("0.00")}
        )
    return line


def support_record_add(*, actor, file, kind, date, given_by=None, note="", amount=None,
                       fund_line=None, today=None) -> SupportRecord:  # fmt: skip
    """Records support given on an open file: a visit, call or condolence restarts
    the contact clock; money carries an amount and may name its fund notice line."""
    today = today or timezone.localdate()
    _require_officer(actor, file.branch_id)
    given_by = given_by or actor
    if kind not in SupportRecord.Kind.values:
        raise HardshipRuleError(_("Choose what kind of support was given."))
    if date is None or date > today:
        raise HardshipRuleError(_("The date cannot be in the future."))
    if not _holds_office(given_by, file.branch_id):
        raise HardshipRuleError(_("Support is given by an officer or the chair of the branch."))
    amount = _clean_amount(kind, amount)
    if fund_line not in (None, "") and kind not in SupportRecord.MONEY_KINDS:
        raise HardshipRuleError(_("Only money given can be linked to a fund notice line."))
    with transaction.atomic():
        file = HardshipFile.objects.select_for_update().get(pk=file.pk)
        if not file.is_open:
            raise HardshipRuleError(_("This hardship file is closed."))
        if date < file.opened_on:
            raise HardshipRuleError(_("The date cannot be before the file was opened."))
        line = _check_fund_line(file, fund_line, amount) if fund_line not in (None, "") else None
        record = SupportRecord.objects.create(
            file=file, kind=kind, date=date, given_by=given_by, note=note, amount=amount,
            fund_line=line, recorded_by=actor,
        )  # fmt: skip
        if kind in SupportRecord.CONTACT_KINDS and (
            file.last_contact_on is None or date > file.last_contact_on
        ):
            HardshipFile.objects.filter(pk=file.pk).update(last_contact_on=date)
        cache_versions.bump(HARDSHIP_VERSION)
    return record


# --- the contact clock (Celery beat) ---------------------------------------------


def _branch_chairs(branch_id):
    from django.contrib.auth import get_user_model

    holders = BranchRole.objects.filter(branch_id=branch_id, role=BranchRole.Role.CHAIR)
    return get_user_model().objects.filter(pk__in=holders.values("user_id"))


def hardship_send_reminders(*, now=None) -> int:
    """During working hours of a working day: an open file with no contact for
    PORTAL_HARDSHIP_CONTACT_DAYS days reminds its responsible officer once (per start
    of the clock: a new contact starts a new one); still none
    PORTAL_HARDSHIP_CHAIR_WORKING_DAYS working days later, the branch's chair is
    told once; a file past its review date reminds the officer once. Returns the
    number of reminders written."""
    today = reminder_day(now or timezone.now())
    if today is None:
        return 0
    sent = 0
    limit = today - timedelta(days=settings.PORTAL_HARDSHIP_CONTACT_DAYS)
    chair_from = add_working_days(today, -settings.PORTAL_HARDSHIP_CHAIR_WORKING_DAYS)
    overdue = HardshipFile.objects.filter(closed_on__isnull=True).filter(
        Q(last_contact_on__lte=limit) | Q(last_contact_on__isnull=True, opened_on__lte=limit)
    )
    for file in overdue.select_related("member", "officer"):
        since = file.contact_clock_from
        days = (today - since).days
        if file.contact_reminder_for != since:
            claimed = (
                HardshipFile.objects.filter(pk=file.pk, closed_on__isnull=True,
                                            last_contact_on=file.last_contact_on)
                .exclude(contact_reminder_for=since)
                .update(contact_reminder_for=since, contact_reminded_on=today)
            )  # fmt: skip
            if claimed != 1:
                continue
            notify(
                user=file.officer,
                key=f"hardship-contact:{file.pk}:{since}",
                subject=format_lazy(
                    gettext_lazy("No contact for {days} days: {name}"),
                    days=days,
                    name=file.member.name,
                ),  # fmt: skip
                body=gettext_lazy("Visit or call, and record the contact on the file."),
                url=_file_url(file),
            )
            sent += 1
        elif file.contact_reminded_on is not None and file.contact_reminded_on <= chair_from:
            for chair in _branch_chairs(file.branch_id):
                key = f"hardship-contact-chair:{file.pk}:{since}"
                if chair.notifications.filter(key=key).exists():
                    continue
                notify(
                    user=chair,
                    key=key,
                    subject=format_lazy(
                        gettext_lazy("Still no contact for {days} days: {name}"),
                        days=days,
                        name=file.member.name,
                    ),  # fmt: skip
                    body=format_lazy(
                        gettext_lazy(
                            "{officer} was reminded on {date} and has recorded no contact since."
                        ),  # fmt: skip
                        officer=file.officer.get_full_name() or file.officer.email,
                        date=file.contact_reminded_on.isoformat(),
                    ),
                    url=_file_url(file),
                )
                sent += 1
    due = HardshipFile.objects.filter(closed_on__isnull=True, review_on__lte=today)
    for file in due.select_related("member", "officer"):
        key = f"hardship-review:{file.pk}:{file.review_on}"
        if file.officer.notifications.filter(key=key).exists():
            continue
        notify(
            user=file.officer,
            key=key,
            subject=format_lazy(
                gettext_lazy("Yearly review of the hardship file of {name}"), name=file.member.name
            ),  # fmt: skip
            body=format_lazy(
                gettext_lazy(
                    "The review was due on {date}: check the level, and set the next review "
                    "date or close the file."
                ),
                date=file.review_on.isoformat(),
            ),
            url=_file_url(file),
        )
        sent += 1
    return sent


"""Every write about care: hardship files and support records, welfare handouts."""

# --- welfare handouts (福利发放) ----------------------------------------------


class WelfareRuleError(RuleError):
    """A rule of the welfare handouts refused the request."""


def _local(dt):
    return date_format(timezone.localtime(dt), "Y-m-d H:i")


def _check_manager(actor, handout_or_branch_id):
    branch_id = getattr(handout_or_branch_id, "branch_id", handout_or_branch_id)
    if not can(actor, "welfare.manage", branch_id):
        raise WelfareRuleError(_("Only the branch's officers may do this."))


def _lock(handout):
    return Handout.objects.select_for_update().get(pk=handout.pk)


def _check_default(handout, option):
    if option is None:
        return
    if option.handout_id != handout.pk:
        raise WelfareRuleError(_("Choose the default among this handout's options."))
    if option.stock is not None:
        raise WelfareRuleError(
            _("The default option must have no stock limit: everyone who does not choose gets it.")
        )


@transaction.atomic
def handout_save(*, actor, handout) -> Handout:
    """Creates or edits a handout (a bound, unsaved model from the form). A
    closed handout is not edited; the deadline of an open one may move."""
    _check_manager(actor, handout)
    if handout.pk is None:
        handout.created_by = actor
    else:
        current = _lock(handout)
        if current.status == Handout.Status.CLOSED:
            raise WelfareRuleError(_("A closed handout cannot be changed."))
        if current.defaults_applied_at and handout.deadline != current.deadline:
            raise WelfareRuleError(
                _("The default has already been given: the deadline cannot move any more.")
            )
        handout.status = current.status
    _check_default(handout, handout.default_option)
    handout.save()
    return handout


@transaction.atomic
def option_add(*, actor, handout, name, unit_price, stock=None) -> HandoutOption:
    _check_manager(actor, handout)
    handout = _lock(handout)
    if handout.status != Handout.Status.DRAFT:
        raise WelfareRuleError(_("Options can be added while the handout is a draft only."))
    option = HandoutOption.objects.create(
        handout=handout, name=name, unit_price=unit_price, stock=stock
    )
    if handout.default_option_id is None and stock is None:
        handout.default_option = option
        handout.save(update_fields=["default_option"])
    return option


@transaction.atomic
def point_add(*, actor, handout, campus, place, hours) -> PickupPoint:
    _check_manager(actor, handout)
    handout = _lock(handout)
    if handout.status == Handout.Status.CLOSED:
        raise WelfareRuleError(_("A closed handout cannot be changed."))
    return PickupPoint.objects.create(handout=handout, campus=campus, place=place, hours=hours)


def _choose_url(handout):
    return reverse("care:welfare_choose", args=[handout.pk])


@transaction.atomic
def handout_open(*, actor, handout, now=None) -> Handout:
    """Opens the choice: needs options, pickup points, a default and a deadline
    to come. Every eligible member with an account is told once."""
    _check_manager(actor, handout)
    now = now or timezone.now()
    handout = _lock(handout)
    if Handout.Status.OPEN not in Handout.TRANSITIONS[handout.status]:
        raise WelfareRuleError(_("Only a draft handout can be opened."))
    if not handout.options.exists():
        raise WelfareRuleError(_("Add at least one option before opening."))
    if not handout.points.exists():
        raise WelfareRuleError(_("Add at least one pickup point before opening."))
    if handout.default_option_id is None:
        raise WelfareRuleError(_("Choose the default option before opening."))
    if handout.deadline <= now:
        raise WelfareRuleError(_("The choice deadline must be in the future."))
    handout.status = Handout.Status.OPEN
    handout.save(update_fields=["status"])
    for member in handout.eligible_members().filter(user__isnull=False).select_related("user"):
        notify(
            user=member.user,
            key=f"welfare-open:{handout.pk}:{member.pk}",
            subject=format_lazy(gettext_lazy("Choose your gift: {title}"), title=handout.title),
            body=format_lazy(
                gettext_lazy(
                    "Choose an option and a pickup point before {deadline}; "
                    "after that the default is given to you."
                ),
                deadline=_local(handout.deadline),
            ),
            url=_choose_url(handout),
        )
    return handout


@transaction.atomic
def handout_close(*, actor, handout) -> Handout:
    """Ends the handout: no more choices or pickups."""
    _check_manager(actor, handout)
    handout = _lock(handout)
    if Handout.Status.CLOSED not in Handout.TRANSITIONS[handout.status]:
        raise WelfareRuleError(_("Only an open handout can be closed."))
    handout.status = Handout.Status.CLOSED
    handout.save(update_fields=["status"])
    return handout


def choice_make(*, member, handout, option_id, point_id, now=None) -> HandoutChoice:
    """A member chooses (or changes) an option and a pickup point before the
    deadline. Stock is counted under a lock on the option row, so an option
    with stock N is given to N members and no more, however many press at once;
    one choice per member and handout (database constraint)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            handout = Handout.objects.get(pk=handout.pk)
            if handout.status != Handout.Status.OPEN:
                raise WelfareRuleError(_("This handout is not open for choosing."))
            if now > handout.deadline or handout.defaults_applied_at:
                raise WelfareRuleError(_("The choice deadline has passed."))
            if not handout.is_eligible(member):
                raise WelfareRuleError(_("This handout is not for you."))
            point = PickupPoint.objects.filter(pk=point_id, handout=handout).first()
            if point is None:
                raise WelfareRuleError(_("Choose one of this handout's pickup points."))
            option = (
                HandoutOption.objects.select_for_update()
                .filter(pk=option_id, handout=handout)
                .first()
            )
            if option is None:
                raise WelfareRuleError(_("Choose one of this handout's options."))
            # Read under the option's lock: a press of the same member that took
            # this option a moment ago is seen (not told that it is gone).
            existing = (
                HandoutChoice.objects.select_for_update()
                .filter(handout=handout, member=member)
                .first()
            )
            if existing is not None and hasattr(existing, "pickup"):
                raise WelfareRuleError(_("You have already collected this handout."))
            changing_option = existing is None or existing.option_id != option.pk
            if changing_option and option.stock is not None:
                if option.choices.count() >= option.stock:
                    raise WelfareRuleError(
                        _("“%(name)s” is no longer available; please choose another option.")
                        % {"name": option.name}
                    )
            choice = existing or HandoutChoice(handout=handout, member=member)
            choice.option, choice.point, choice.chosen_at = option, point, now
            choice.defaulted = False
            choice.save()
            return choice
    except IntegrityError as exc:
        raise WelfareRuleError(_("You have already chosen for this handout.")) from exc


def _first_points(handout):
    points = list(handout.points.order_by("id"))
    by_campus = {}
    for point in points:
        by_campus.setdefault(point.campus_id, point)
    return by_campus, points[0] if points else None


def handout_apply_defaults(*, now=None) -> int:
    """After the deadline, gives the default option to every eligible member
    who did not choose, at the first pickup point of their campus (else the
    first point). Runs once per handout (a conditional update claims it), also
    when beat fires twice or the task is retried. Returns the choices made."""
    now = now or timezone.now()
    made = 0
    due = Handout.objects.filter(
        status=Handout.Status.OPEN, deadline__lt=now, defaults_applied_at__isnull=True
    ).values_list("pk", flat=True)
    for handout_id in list(due):
        with transaction.atomic():
            claimed = Handout.objects.filter(
                pk=handout_id, status=Handout.Status.OPEN, defaults_applied_at__isnull=True
            ).update(defaults_applied_at=now)
            if claimed != 1:
                continue
            handout = Handout.objects.select_related("default_option").get(pk=handout_id)
            made += _give_defaults(handout, now)
    return made


def _give_defaults(handout, now):
    by_campus, first = _first_points(handout)
    option = handout.default_option
    if option is None or first is None:
        return 0
    chose = HandoutChoice.objects.filter(handout=handout).values("member_id")
    missing = list(
        handout.eligible_members().exclude(pk__in=chose).select_related("user").order_by("id")
    )
    choices = HandoutChoice.objects.bulk_create(
        HandoutChoice(
            handout=handout, member=member, option=option, defaulted=True, chosen_at=now,
            point=by_campus.get(member.home_campus_id, first),
        )
        for member in missing
    )  # fmt: skip
    for member, choice in zip(missing, choices, strict=True):
        if member.user_id:
            notify(
                user=member.user,
                key=f"welfare-default:{choice.pk}",
                subject=format_lazy(gettext_lazy("Your gift: {title}"), title=handout.title),
                body=format_lazy(
                    gettext_lazy(
                        "You did not choose, so you receive {option}. Collect it at {point}."
                    ),
                    option=option.name,
                    point=str(choice.point),
                ),
                url=reverse("care:welfare_code", args=[handout.pk]),
            )
    return len(choices)


def _collector(staff_number, member):
    staff_number = (staff_number or "").strip()
    if not staff_number:
        return None
    collector = Member.objects.filter(staff_number=staff_number).first()
    if collector is None:
        raise WelfareRuleError(
            _("No member has the staff number “%(number)s”.") % {"number": staff_number[:20]}
        )
    return None if collector.pk == member.pk else collector


def pickup_record(
    *, actor, point, code=None, choice_id=None, collector_staff_number="", now=None
) -> Pickup:
    """The officer at a pickup point hands the gift over: by the member's code
    (scanned or typed, as at an event check-in; a colleague may bring it, and
    who collected is recorded) or by ticking the name on the point's list. A
    member collects once: a second try says who collected, where and when."""
    now = now or timezone.now()
    handout = Handout.objects.get(pk=point.handout_id)
    _check_manager(actor, handout)
    if handout.status != Handout.Status.OPEN:
        raise WelfareRuleError(_("This handout is not open for pickup."))
    choices = HandoutChoice.objects.select_for_update().select_related("member", "option")
    choice = None
    try:
        with transaction.atomic():
            if code is not None:
                code = (code or "").strip().upper().replace(" ", "")
                choice = choices.filter(handout=handout, code=code).first()
                if choice is None:
                    raise WelfareRuleError(
                        _("No member of this handout has the code “%s”.") % code[:20]
                    )
                method = Pickup.Method.CODE
            else:
                choice = choices.filter(handout=handout, pk=choice_id).first()
                if choice is None:
                    raise WelfareRuleError(_("Choose a member from the list."))
                method = Pickup.Method.LIST
            done = Pickup.objects.filter(choice=choice).select_related("point", "collected_by")
            done = done.first()
            if done is not None:
                raise WelfareRuleError(_already_collected(choice, done))
            collector = _collector(collector_staff_number, choice.member)
            return Pickup.objects.create(
                handout=handout, member=choice.member, choice=choice, collected_by=collector,
                point=point, officer=actor, method=method, at=now,
            )  # fmt: skip
    except IntegrityError as exc:
        done = Pickup.objects.filter(choice=choice).select_related("point", "collected_by").first()
        raise WelfareRuleError(_already_collected(choice, done)) from exc


def _already_collected(choice, done):
    if done is None:
        return _("%(name)s has already collected.") % {"name": choice.member.name}
    who = done.collected_by.name if done.collected_by_id else choice.member.name
    return _("%(name)s already collected at %(time)s at %(point)s (collected by %(who)s).") % {
        "name": choice.member.name,
        "time": _local(done.at),
        "point": done.point,
        "who": who,
    }


def handout_remind_uncollected(*, actor, handout, today=None) -> int:
    """Reminds every member who has not collected yet; at most once a day per
    member, however often the button is pressed."""
    _check_manager(actor, handout)
    if handout.status != Handout.Status.OPEN:
        raise WelfareRuleError(_("This handout is not open for pickup."))
    today = today or timezone.localdate()
    waiting = list(
        HandoutChoice.objects.filter(
            handout=handout, pickup__isnull=True, member__user__isnull=False
        ).select_related("member__user", "option", "point__campus")
    )
    keys = {
        choice.pk: f"welfare-collect:{handout.pk}:{choice.member_id}:{today.isoformat()}"
        for choice in waiting
    }
    told = set(Notification.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    sent = 0
    for choice in waiting:
        if keys[choice.pk] in told:
            continue
        notify(
            user=choice.member.user,
            key=keys[choice.pk],
            subject=format_lazy(gettext_lazy("Please collect: {title}"), title=handout.title),
            body=format_lazy(
                gettext_lazy("{option} is waiting for you at {point} ({hours})."),
                option=choice.option.name,
                point=str(choice.point),
                hours=choice.point.hours,
            ),
            url=reverse("care:welfare_code", args=[handout.pk]),
        )
        sent += 1
    return sent


@transaction.atomic
def handout_draft_fund_notice(*, actor, handout, today=None):
    """Drafts a fund notice with one line per option: the number chosen × the
    unit price, in 送温暖/慰问 where that category exists. It is a draft: it goes
    through the chair's approval like any other notice."""
    from notices import services as notice_services
    from notices.models import FundLine, NoticeVersion, SpendingCategory

    _check_manager(actor, handout)
    handout = _lock(handout)
    if handout.fund_notice_id is not None:
        raise WelfareRuleError(_("A fund notice has already been drafted for this handout."))
    # Before that, a choice made later would be missing from the money published.
    if handout.status != Handout.Status.CLOSED and handout.defaults_applied_at is None:
        raise WelfareRuleError(
            _("The fund notice is drafted once the choices are final: after the choice "
              "deadline, when the default has been given, or once the handout is closed.")
        )  # fmt: skip
    today = today or timezone.localdate()
    category = SpendingCategory.objects.filter(
        branch__isnull=True, name="送温暖/慰问", parent__isnull=False
    ).first()
    options = handout.options.annotate(quantity=Count("choices")).order_by("id")
    lines = [
        FundLine(
            date=today if isinstance(today, _date) else today.date(),
            category=category,
            note=f"{option.name} × {option.quantity}"[:100],
            payee=option.name[:100],
            amount=option.unit_price * option.quantity,
        )
        for option in options
        if option.quantity
    ]
    if not lines:
        raise WelfareRuleError(_("Nobody has an option yet: there is nothing to publish."))
    notice = notice_services.notice_create(
        actor=actor,
        branch_id=handout.branch_id,
        kind="fund",
        visibility="public",
        version=NoticeVersion(
            title=(_("Welfare handout: %(title)s") % {"title": handout.title})[:150],
            body=_("Quantity × unit price per option of the handout."),
        ),
        lines=lines,
    )
    handout.fund_notice = notice
    handout.save(update_fields=["fund_notice"])
    return notice
