"""Every write to the roster goes through here."""

import hashlib
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.utils import generate_unique_username
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .forms import MemberForm
from .models import (
    STAFF_NUMBER_IN_USE,
    BranchRole,
    Campus,
    Department,
    Member,
    MemberStatusChange,
    RosterExportLog,
    RosterImport,
    new_calendar_feed_key,
)
from .roster_io import RosterFileError, parse_roster_file, sex_code, status_code, yes_no
from .validators import normalise_email, validate_plain_email


def _record_status_change(*, member, old_status, actor, note=""):
    if old_status != member.status:
        MemberStatusChange.objects.create(
            member=member,
            old_status=old_status,
            new_status=member.status,
            changed_by=actor,
            note=note,
        )


@transaction.atomic
def member_create(*, actor, form: MemberForm) -> Member:
    """Adds a validated roster entry."""
    return form.save()


@transaction.atomic
def member_update(*, actor, form: MemberForm, note: str = "") -> Member:
    """Saves a validated edit; a status change is recorded with who and when."""
    old_status = Member.objects.select_for_update().get(pk=form.instance.pk).status
    member = form.save()
    # The hardship flag follows an open hardship file (care/): an edit or an import
    # row with the box unticked does not clear it while the file is open.
    if not member.has_hardship and member.hardship_files.filter(closed_on__isnull=True).exists():
        Member.objects.filter(pk=member.pk).update(has_hardship=True)
        member.has_hardship = True
    _record_status_change(member=member, old_status=old_status, actor=actor, note=note)
    return member


# --- import -----------------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    staff_number: str
    name: str
    action: str = ""  # "create", "update", "unchanged" or "error"
    errors: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    form: MemberForm | None = None


@dataclass
class ImportPreview:
    rows: list

    @property
    def error_rows(self):
        return [r for r in self.rows if r.errors]

    @property
    def has_errors(self):
        return any(r.errors for r in self.rows)

    def count(self, action):
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict:
        return {action: self.count(action) for action in ("create", "update", "unchanged", "error")}


class ImportRejected(Exception):
    """The import has errors; nothing was written."""


def roster_import_upload(*, actor, branch, filename: str, content: bytes) -> RosterImport:
    """Keeps the uploaded file until the officer confirms. Raises RosterFileError
    if the file cannot be read at all."""
    parse_roster_file(filename, content)
    return RosterImport.objects.create(
        branch=branch,
        uploaded_by=actor,
        filename=filename[:255],
        content=content,
        content_sha1=hashlib.sha1(content).hexdigest(),
    )


def _row_form(record, branch, departments, campuses, existing):
    errors = []
    data = {k: v for k, v in record.items() if k != "line"}
    data["branch"] = branch.pk
    department = departments.get(data.get("department", "").strip())
    if data.get("department") and department is None:
        errors.append(_("Unknown department “%s”.") % data["department"])
    data["department"] = department.pk if department else ""
    campus = campuses.get(data.get("home_campus", "").strip())
    if data.get("home_campus") and campus is None:
        errors.append(_("Unknown campus “%s”.") % data["home_campus"])
    data["home_campus"] = campus.pk if campus else ""
    status = status_code(data.get("status", ""))
    if status is None:
        errors.append(_("Unknown status “%s”.") % data["status"])
    data["status"] = status or ""
    if existing is not None:
        # A sheet without these columns (HR's usual one) keeps what officers entered.
        if "sex" not in record:
            data["sex"] = existing.sex
        if "date_of_birth" not in record and existing.date_of_birth:
            data["date_of_birth"] = existing.date_of_birth.isoformat()
    sex = sex_code(data.get("sex", ""))
    if sex is None:
        errors.append(_("Sex “%s” is not 男 or 女 (M or F).") % data["sex"])
    data["sex"] = sex or ""
    for flag in ("is_representative", "has_hardship"):
        value = yes_no(data.get(flag, ""))
        if value is None:
            errors.append(_("“%s” is not 是 or 否.") % data[flag])
        if value:
            data[flag] = "on"
        else:
            data.pop(flag, None)
    form = MemberForm(data=data, instance=existing, branch_ids={branch.pk})
    return form, errors


def roster_import_preview(*, roster_import: RosterImport) -> ImportPreview:
    """Validates every row against the roster as it is now; writes nothing."""
    branch = roster_import.branch
    records = parse_roster_file(roster_import.filename, bytes(roster_import.content))
    departments = {d.name: d for d in Department.objects.filter(branch=branch)}
    campuses = {c.name: c for c in Campus.objects.all()}
    numbers = [r.get("staff_number", "").strip().upper() for r in records]
    existing = {m.staff_number: m for m in Member.objects.filter(staff_number__in=numbers)}
    seen_numbers, seen_emails = {}, {}
    rows = []
    for record, number in zip(records, numbers, strict=True):
        row = ImportRow(line=record["line"], staff_number=number, name=record.get("name", ""))
        member = existing.get(number)
        if member is not None and member.branch_id != branch.pk:
            # Worded as for any duplicate: whose roster it is stays unsaid.
            row.errors.append(str(STAFF_NUMBER_IN_USE))
            row.action = "error"
            rows.append(row)
            continue
        form, row.errors = _row_form(record, branch, departments, campuses, member)
        if not form.is_valid():
            for name, messages in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                row.errors.extend(f"{label}: {m}" if label else m for m in messages)
        email = normalise_email(record.get("email"))
        if number in seen_numbers:
            row.errors.append(_("Same staff number as line %d.") % seen_numbers[number])
        if email and email in seen_emails:
            row.errors.append(_("Same email as line %d.") % seen_emails[email])
        seen_numbers.setdefault(number, row.line)
        if email:
            seen_emails.setdefault(email, row.line)
        if row.errors:
            row.action = "error"
        elif member is None:
            row.action = "create"
        elif form.changed_data:
            row.action = "update"
            row.changed = [str(form.fields[f].label) for f in form.changed_data]
        else:
            row.action = "unchanged"
        row.form = form
        rows.append(row)
    return ImportPreview(rows=rows)


def roster_import_apply(*, actor, roster_import: RosterImport) -> ImportPreview:
    """Writes the whole file or nothing. Rows that change nothing are not touched,
    so importing the same file again is a no-op."""
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
        if locked.applied_at is not None:
            raise ImportRejected(_("This file has already been imported."))
        try:
            preview = roster_import_preview(roster_import=locked)
        except RosterFileError as exc:
            raise ImportRejected(str(exc)) from exc
        if preview.has_errors:
            raise ImportRejected(_("Fix the rows with errors and upload the file again."))
        for row in preview.rows:
            if row.action == "create":
                member_create(actor=actor, form=row.form)
            elif row.action == "update":
                member_update(actor=actor, form=row.form, note=_("Roster import"))
        locked.applied_at = timezone.now()
        locked.save(update_fields=["applied_at"])
    return preview


def roster_export_log(*, actor, branch_ids, filters: dict, file_format: str, rows: int):
    """Records a roster export: who, when, which branches and filter, how many rows."""
    return RosterExportLog.objects.create(
        user=actor,
        branch_ids=sorted(branch_ids),
        # A chosen department or campus is logged by its id.
        filters={key: str(getattr(value, "pk", value)) for key, value in filters.items()},
        file_format=file_format,
        rows=rows,
    )


# --- sign-up ----------------------------------------------------------------

SIGNUP_CREATE = "create"  # an account is made; the entry is linked once the address is verified
SIGNUP_HAS_ACCOUNT = "has_account"  # the address already belongs to a real account
SIGNUP_NOT_ON_ROSTER = "not_on_roster"  # no active roster entry has this address
SIGNUP_CLAIMED = "claimed"  # the roster entry with this address has another account


@dataclass
class SignupAssessment:
    outcome: str
    member: Member | None = None
    unfinished: list = field(default_factory=list)


def claimable_member(email, *, lock=False) -> Member | None:
    """The active roster entry without an account whose email is `email`,
    compared in the normalised form only (a look-alike letter matches nothing)."""
    email = normalise_email(email)
    if not email or not email.isascii():
        return None
    members = Member.objects.filter(email=email, status=Member.Status.ACTIVE, user__isnull=True)
    if lock:
        members = members.select_for_update(of=("self",))
    return members.first()


def _accounts_for_email(email: str) -> list:
    """Accounts known by this address, as sign-in or as an added address."""
    User = get_user_model()
    ids = set(EmailAddress.objects.filter(email=email).values_list("user_id", flat=True))
    # Accounts made in the admin may have no address row; compare normalised.
    ids |= {
        pk
        for pk, address in User.objects.filter(email__iexact=email).values_list("pk", "email")
        if normalise_email(address) == email
    }
    return list(User.objects.filter(pk__in=ids))


def _is_unfinished_signup(user) -> bool:
    """A sign-up whose address was never verified: it never signed in, holds
    nothing and may be replaced by the next sign-up for the same address."""
    return (
        user.last_login is None
        and not user.is_staff
        and not user.is_superuser
        and not EmailAddress.objects.filter(user=user, verified=True).exists()
        and not Member.objects.filter(user=user).exists()
        and not BranchRole.objects.filter(user=user).exists()
    )


def signup_assess(*, email: str, lock: bool = False) -> SignupAssessment:
    """What a sign-up for `email` does. The visitor sees the same answer in
    every case ("check your email"); only the mail to the address tells."""
    email = normalise_email(email)
    accounts = _accounts_for_email(email) if email.isascii() else []
    unfinished = [user for user in accounts if _is_unfinished_signup(user)]
    if len(unfinished) < len(accounts):
        return SignupAssessment(SIGNUP_HAS_ACCOUNT)
    member = claimable_member(email, lock=lock)
    if member is not None:
        return SignupAssessment(SIGNUP_CREATE, member=member, unfinished=unfinished)
    claimed = (
        email.isascii()
        and Member.objects.filter(
            email=email, status=Member.Status.ACTIVE, user__isnull=False
        ).exists()
    )
    return SignupAssessment(SIGNUP_CLAIMED if claimed else SIGNUP_NOT_ON_ROSTER)


def signup_discard_unfinished(*, accounts) -> None:
    """A new sign-up for an address replaces the earlier unverified ones: their
    passwords and confirmation links go with them."""
    for user in accounts:
        if _is_unfinished_signup(user):
            user.delete()


@transaction.atomic
def member_claim(*, user, email: str) -> Member | None:
    """Links the account to the active, unclaimed roster entry of `email` once
    that address is verified (allauth's email_confirmed). An account holds one
    roster entry at most."""
    if Member.objects.filter(user=user).exists():
        return None
    if not EmailAddress.objects.filter(user=user, email=email, verified=True).exists():
        return None
    member = claimable_member(email, lock=True)
    if member is None:
        return None
    Member.objects.filter(pk=member.pk, user__isnull=True).update(user=user)
    user.first_name = member.name[:150]
    user.save(update_fields=["first_name"])
    return member


def member_calendar_feed_reset(*, member) -> Member:
    """Gives the member a new private calendar link; the old one stops working
    at once (a link shared by mistake, or a lost phone)."""
    member.calendar_feed_key = new_calendar_feed_key()
    member.save(update_fields=["calendar_feed_key", "updated_at"])
    return member


# Why the campus sign-on (CAS) made no sign-in; the page says it in words.
CAS_NOT_ON_ROSTER = "not_on_roster"
CAS_NOT_ACTIVE = "not_active"
CAS_ACCOUNT_DISABLED = "account_disabled"


class CasSignInRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _cas_email(value) -> str:
    """The CAS server's address for the account, or "" when it is not a plain
    address (the roster's rule: no look-alike letters)."""
    email = normalise_email(value)
    try:
        validate_plain_email(email)
        EmailValidator()(email)
    except ValidationError:
        return ""
    return email


@transaction.atomic
def member_cas_sign_in(*, staff_number: str, name: str = "", email: str = "", language: str = ""):
    """The account of the 工号 the CAS server vouched for: the account of its
    active roster entry, made and linked at the first sign-in. The roster gate
    of the email sign-up: an unknown 工号 or a retired, transferred or lapsed
    member gets no account. The link is the roster entry's, never an email: an
    address set at the CAS side names nobody here. The CAS name and email update
    the account (not the roster, and never the 工号); an address that another
    account knows is left alone."""
    member = (
        Member.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(staff_number=staff_number)
        .first()
    )
    if member is None:
        raise CasSignInRefused(CAS_NOT_ON_ROSTER)
    if member.status != Member.Status.ACTIVE:
        raise CasSignInRefused(CAS_NOT_ACTIVE)
    User = get_user_model()
    user = member.user
    if user is None:
        user = User(
            username=generate_unique_username([f"cas{staff_number}"]),
            first_name=member.name[:150],
            language=language or User._meta.get_field("language").default,
        )
        user.set_unusable_password()
        user.save()
        Member.objects.filter(pk=member.pk, user__isnull=True).update(user=user)
    elif not user.is_active:
        raise CasSignInRefused(CAS_ACCOUNT_DISABLED)
    changed = []
    name = str(name or "").strip()[:150]
    if name and name != user.first_name:
        user.first_name = name
        changed.append("first_name")
    email = _cas_email(email)
    if (
        email
        and email != user.email
        and not any(other.pk != user.pk for other in _accounts_for_email(email))
    ):
        user.email = email
        changed.append("email")
    if changed:
        user.save(update_fields=changed)
    return user
