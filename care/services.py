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

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import BranchRole, Member
from union_portal.core import cache_versions
from union_portal.core.calendar import add_working_days, reminder_day
from union_portal.core.notifications import notify
from union_portal.core.roles import can
from union_portal.core.rules import RuleError

from .models import HardshipFile, SupportRecord

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


def _check_file_fields(*, branch_id, officer, review_on, today):
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
    if reason not in HardshipFile.Reason.values or level not in HardshipFile.Level.values:
        raise HardshipRuleError(_("Choose a reason and a level from the list."))
    _check_file_fields(branch_id=member.branch_id, officer=officer, review_on=review_on,
                       today=today)  # fmt: skip
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
    if reason not in HardshipFile.Reason.values or level not in HardshipFile.Level.values:
        raise HardshipRuleError(_("Choose a reason and a level from the list."))
    _check_file_fields(branch_id=file.branch_id, officer=officer, review_on=review_on,
                       today=today)  # fmt: skip
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
