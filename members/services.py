"""Every write to the roster goes through here."""

import hashlib
import json
import logging
import string
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from allauth.utils import generate_unique_username
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from union_portal.core import cache_versions

from .forms import MemberForm, import_member_form
from .models import (
    EMAIL_IN_USE,
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
from .roster_io import (
    COLUMNS,
    DATE_FORMATS_SHOWN,
    RosterFileError,
    damaged_version_of,
    looks_damaged,
    parse_roster_date,
    read_roster_file,
    sex_code,
    status_code,
    yes_no,
)
from .selectors import ROSTER_VERSION
from .validators import normalise_email, validate_plain_email

logger = logging.getLogger(__name__)


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
    cache_versions.bump(ROSTER_VERSION, at_once=True)
    return form.save()


@transaction.atomic
def member_update(*, actor, form: MemberForm, note: str = "") -> Member:
    """Saves a validated edit; a status change is recorded with who and when."""
    old_status = Member.objects.select_for_update().get(pk=form.instance.pk).status
    member = form.save()
    cache_versions.bump(ROSTER_VERSION, at_once=True)
    # The hardship flag follows an open hardship file (care/): an edit or an import
    # row with the box unticked does not clear it while the file is open.
    if not member.has_hardship and member.hardship_files.filter(closed_on__isnull=True).exists():
        Member.objects.filter(pk=member.pk).update(has_hardship=True)
        member.has_hardship = True
    _record_status_change(member=member, old_status=old_status, actor=actor, note=note)
    return member


# --- import -----------------------------------------------------------------

# A file up to this long is checked while the officer waits; a longer one by a worker.
CHECK_INLINE_ROWS = 2_000
# A file up to this long shows every row in its preview; a longer one shows the
# counts, each cause once, and the first rows of each cause.
PREVIEW_EVERY_ROW = 500
ROWS_PER_CAUSE = 20
LINES_IN_MESSAGE = 10
# Progress is looked at every PROGRESS_EVERY rows and told (one cache write) at
# most every PROGRESS_SECONDS: a 20 000-row check takes a few seconds.
PROGRESS_EVERY = 500
PROGRESS_SECONDS = 1.0
# Rows written per INSERT or UPDATE statement.
WRITE_BATCH = 500
PROGRESS_TTL = 6 * 3600
EARLIEST = {"joined_on": date(1949, 1, 1), "date_of_birth": date(1900, 1, 1)}


class RowError(str):
    """One row's error, worded for that row; `cause` groups the rows that share a
    problem, so the preview says it once; `value` is the offending cell, if any."""

    def __new__(cls, message, cause, value=""):
        error = super().__new__(cls, message)
        error.cause = tuple(cause)
        error.value = value
        return error


@dataclass
class ImportRow:
    line: int
    staff_number: str
    name: str
    action: str = ""  # "create", "update", "unchanged" or "error"
    errors: list = field(default_factory=list)
    changed: list = field(default_factory=list)  # labels of the changed fields
    changed_fields: list = field(default_factory=list)
    written: list = field(default_factory=list)  # the fields whose stored value changes
    # The roster entry to write (new or edited), kept for "create" and "update" rows
    # only: a 20 000-row file does not keep 20 000 forms in memory.
    instance: Member | None = None
    member: Member | None = None
    old_status: str = ""  # the member's status before the form (which edits the instance)


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

    def causes(self) -> list[dict]:
        """Each problem once: how many rows have it, their first lines, sample values."""
        causes = {}
        for row in self.rows:
            for error in row.errors:
                cause = causes.setdefault(
                    error.cause, {"key": list(error.cause), "count": 0, "lines": [], "values": []}
                )
                if row.line in cause["lines"]:
                    continue
                cause["count"] += 1
                if len(cause["lines"]) < ROWS_PER_CAUSE:
                    cause["lines"].append(row.line)
                if error.value and error.value not in cause["values"] and len(cause["values"]) < 5:
                    cause["values"].append(error.value)
        return list(causes.values())


class ImportRejected(Exception):
    """The import has errors, or was already started; nothing was written."""


def _progress_key(pk):
    return f"roster-import:{pk}:progress"


class _Progress:
    """How far a check or a write has got, in the cache (numbers only), so the page
    can show it while the work runs in a transaction nobody else sees yet."""

    def __init__(self, pk, phase, total):
        self.key, self.phase, self.total = _progress_key(pk), phase, total
        self.told = None
        self(0, final=True)

    def __call__(self, done, *, final=False):
        now = time.monotonic()
        if not final and self.told is not None and now - self.told < PROGRESS_SECONDS:
            return
        self.told = now
        cache.set(self.key, {"phase": self.phase, "done": done, "total": self.total}, PROGRESS_TTL)


def roster_import_progress(roster_import) -> int | None:
    """Percent done of the running step, or None when not known (cache empty)."""
    if roster_import.is_finished:
        return 100
    progress = cache.get(_progress_key(roster_import.pk))
    if not progress or not progress.get("total"):
        return None
    share = progress["done"] / progress["total"]
    if roster_import.status == RosterImport.Status.QUEUED:
        # The worker checks the rows again (first half), then writes them.
        share = share / 2 + (0.5 if progress["phase"] == "write" else 0)
    return min(100, int(share * 100))


def _stored_records(roster_import) -> list[dict]:
    with roster_import.file.open("rb") as stored:
        return json.load(stored)["records"]


def roster_import_upload(
    *, actor, branch, filename: str, content: bytes, check_now: bool | None = None
) -> RosterImport:
    """Reads the upload (RosterFileError if it cannot be read at all) and keeps, in
    private storage, only the cells of the columns the portal knows: an ignored
    column (身份证号…) is named in the preview, its cells are never kept. A file of
    up to CHECK_INLINE_ROWS rows is checked at once; a longer one by a worker."""
    sheet = read_roster_file(filename, content)
    stored = json.dumps(
        {"fields": sheet.fields, "records": sheet.records}, ensure_ascii=False
    ).encode()
    roster_import = RosterImport(
        branch=branch,
        uploaded_by=actor,
        filename=filename[:255],
        content_sha1=hashlib.sha1(content).hexdigest(),
        row_count=len(sheet.records),
        summary={"ignored": sheet.ignored, "fields": sheet.fields},
    )
    roster_import.file.save("roster.json", ContentFile(stored), save=False)
    roster_import.save()
    del sheet, stored  # the check reads the kept file; a long one is not held twice
    if check_now is None:
        check_now = roster_import.row_count <= CHECK_INLINE_ROWS
    if check_now:
        roster_import_check(roster_import_id=roster_import.pk)
        roster_import.refresh_from_db()
    else:
        from .tasks import check_roster_import

        language = translation.get_language()
        transaction.on_commit(lambda: check_roster_import.delay(roster_import.pk, language))
    return roster_import


def _cause_error(message, cause, value=""):
    return RowError(message, cause, value)


def _date_cell(data, name, errors, reported, today):
    """Reads a date cell as HR writes it into the form's YYYY-MM-DD."""
    text = (data.get(name) or "").strip()
    if not text:
        return
    column = COLUMNS[name][0]
    parsed = parse_roster_date(text)
    reported.add(name)
    if parsed is None:
        errors.append(
            _cause_error(
                _(
                    "%(column)s “%(value)s” is not a date the import can read; "
                    "write it as %(formats)s."
                )
                % {"column": column, "value": text, "formats": DATE_FORMATS_SHOWN},
                ("date_unreadable", name),
                text,
            )
        )
    elif parsed < EARLIEST[name]:
        errors.append(
            _cause_error(
                _("%(column)s %(date)s is before %(year)d.")
                % {"column": column, "date": parsed.isoformat(), "year": EARLIEST[name].year},
                ("date_early", name),
                text,
            )
        )
    elif parsed > today:
        errors.append(
            _cause_error(
                _("%(column)s %(date)s is after today.")
                % {"column": column, "date": parsed.isoformat()},
                ("date_future", name),
                text,
            )
        )
    else:
        reported.discard(name)
        data[name] = parsed.isoformat()


def _row_data(record, branch, departments, campuses, existing, today):
    """The row as the form's data, with the errors the import words itself and
    the fields they are about (the form's own message for them is not repeated)."""
    errors, reported = [], set()
    data = {k: v for k, v in record.items() if k != "line"}
    data["branch"] = branch.pk
    name = (data.get("name") or "").strip()
    if looks_damaged(name):
        reported.add("name")
        if existing is not None and damaged_version_of(name, existing.name):
            message = _(
                "The name “%(name)s” has “?” where the roster has “%(existing)s”; "
                "the roster name is kept."
            ) % {"name": name, "existing": existing.name}
        else:
            message = _("The name “%(name)s” contains “?”.") % {"name": name}
        errors.append(_cause_error(message, ("damaged_name",), name))
    department_name = (data.get("department") or "").strip()
    department = departments.get(department_name)
    if department_name and department is None:
        errors.append(
            _cause_error(
                _("Unknown department “%s”.") % department_name, ("department", department_name)
            )
        )
        reported.add("department")
    data["department"] = department.pk if department else ""
    campus_name = (data.get("home_campus") or "").strip()
    campus = campuses.get(campus_name)
    if campus_name and campus is None:
        errors.append(
            _cause_error(_("Unknown campus “%s”.") % campus_name, ("campus", campus_name))
        )
        reported.add("home_campus")
    data["home_campus"] = campus.pk if campus else ""
    status = status_code(data.get("status", ""))
    if status is None:
        value = data["status"].strip()
        errors.append(_cause_error(_("Unknown status “%s”.") % value, ("status", value)))
        reported.add("status")
    data["status"] = status or ""
    if existing is not None:
        # A sheet without these columns (HR's usual one) keeps what officers entered.
        if "sex" not in record:
            data["sex"] = existing.sex
        if "date_of_birth" not in record and existing.date_of_birth:
            data["date_of_birth"] = existing.date_of_birth.isoformat()
    if "date_of_birth" in record:
        _date_cell(data, "date_of_birth", errors, reported, today)
    _date_cell(data, "joined_on", errors, reported, today)
    sex = sex_code(data.get("sex", ""))
    if sex is None:
        value = data["sex"].strip()
        errors.append(_cause_error(_("Sex “%s” is not 男 or 女 (M or F).") % value, ("sex", value)))
    data["sex"] = sex or ""
    for flag in ("is_representative", "has_hardship"):
        value = yes_no(data.get(flag, ""))
        if value is None:
            text = data[flag].strip()
            errors.append(_cause_error(_("“%s” is not 是 or 否.") % text, ("flag", flag, text)))
        if value:
            data[flag] = "on"
        else:
            data.pop(flag, None)
    return data, errors, reported


def _attribute(member, name):
    return getattr(member, Member._meta.get_field(name).attname)


def _stored_values(member) -> dict:
    """The entry's values of the fields an import row sets, as loaded (ids for
    foreign keys, so no related row is fetched)."""
    if member is None:
        return {}
    return {name: _attribute(member, name) for name in MemberForm._meta.fields}


def _check_rows(branch, records, *, lock=False, progress=None) -> ImportPreview:
    """Every row against the roster as it is now, with a fixed number of queries
    whatever the length of the file; writes nothing."""
    departments = {d.name: d for d in Department.objects.filter(branch=branch)}
    campuses = {c.name: c for c in Campus.objects.all()}
    form_class = import_member_form(
        {
            "branch": {branch.pk: branch},
            "department": {d.pk: d for d in departments.values()},
            "home_campus": {c.pk: c for c in campuses.values()},
        }
    )
    numbers = [(r.get("staff_number") or "").strip().upper() for r in records]
    members = Member.objects.filter(staff_number__in=set(numbers))
    if lock:
        members = members.select_for_update(of=("self",))
    existing = {m.staff_number: m for m in members}
    emails = {normalise_email(r.get("email")) for r in records} - {""}
    email_owner = dict(Member.objects.filter(email__in=emails).values_list("email", "pk"))
    seen_numbers, seen_emails = {}, {}
    today = timezone.localdate()
    rows = []
    for index, (record, number) in enumerate(zip(records, numbers, strict=True)):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress(index)
        row = ImportRow(line=record["line"], staff_number=number, name=record.get("name", ""))
        rows.append(row)
        member = existing.get(number)
        if member is not None and member.branch_id != branch.pk:
            # Worded as for any duplicate: whose roster it is stays unsaid.
            row.errors.append(_cause_error(str(STAFF_NUMBER_IN_USE), ("in_use", "staff_number")))
            row.action = "error"
            continue
        row.old_status = member.status if member is not None else ""
        stored = _stored_values(member)
        data, row.errors, reported = _row_data(record, branch, departments, campuses, member, today)
        # Most rows are taken as they are without a form; the form judges the others.
        taken = form_class.take_as_is(data, member, today=today)
        if taken is None:
            form = form_class(data=data, instance=member)
            if form.is_valid():
                taken = form.instance, form.changed_data
            else:
                taken = form.instance, []
                for name, messages in form.errors.items():
                    if name in reported:
                        continue  # already said, in the import's own words
                    label = form.fields[name].label if name in form.fields else ""
                    for message in messages:
                        text = f"{label}: {message}" if label else message
                        row.errors.append(_cause_error(text, ("form", name, message)))
        instance, changed = taken
        email = normalise_email(record.get("email"))
        owner = email_owner.get(email)
        if email and owner is not None and owner != getattr(member, "pk", None):
            row.errors.append(_cause_error(str(EMAIL_IN_USE), ("in_use", "email")))
        if number in seen_numbers:
            row.errors.append(
                _cause_error(
                    _("Same staff number as line %d.") % seen_numbers[number],
                    ("duplicate", "staff_number"),
                )
            )
        if email and email in seen_emails:
            row.errors.append(
                _cause_error(
                    _("Same email as line %d.") % seen_emails[email], ("duplicate", "email")
                )
            )
        seen_numbers.setdefault(number, row.line)
        if email:
            seen_emails.setdefault(email, row.line)
        row.member = member
        if row.errors:
            row.action = "error"
        elif member is None:
            row.action = "create"
        elif changed:
            row.action = "update"
            row.changed_fields = list(changed)
            row.written = [f for f, value in stored.items() if _attribute(instance, f) != value]
            row.changed = [str(form_class.base_fields[f].label) for f in changed]
        else:
            row.action = "unchanged"
        if row.action in ("create", "update"):
            row.instance = instance
    if progress is not None:
        progress(len(records), final=True)
    return ImportPreview(rows=rows)


def roster_import_preview(*, roster_import: RosterImport) -> ImportPreview:
    """Validates every stored row against the roster as it is now; writes nothing."""
    if not roster_import.file:
        raise RosterFileError(_("The file of this import is no longer kept; upload it again."))
    return _check_rows(roster_import.branch, _stored_records(roster_import))


def _summary_rows(preview: ImportPreview) -> tuple[list, bool]:
    """The rows the preview page lists: all of a short file; of a long one, the
    first ROWS_PER_CAUSE rows of each cause."""

    def as_dict(row):
        return {
            "line": row.line,
            "staff_number": row.staff_number,
            "name": row.name,
            "action": row.action,
            "errors": [str(e) for e in row.errors],
            "changed": row.changed,
        }

    if len(preview.rows) <= PREVIEW_EVERY_ROW:
        return [as_dict(r) for r in preview.rows], True
    shown = {line for cause in preview.causes() for line in cause["lines"]}
    return [as_dict(r) for r in preview.rows if r.line in shown], False


def _store_result(roster_import, preview, *, rows=True):
    counts = preview.counts
    roster_import.created_count = counts["create"]
    roster_import.updated_count = counts["update"]
    roster_import.unchanged_count = counts["unchanged"]
    roster_import.error_count = counts["error"]
    summary = {**roster_import.summary, "causes": preview.causes()}
    if rows:
        summary["rows"], summary["every_row"] = _summary_rows(preview)
    roster_import.summary = summary


def roster_import_check(*, roster_import_id) -> RosterImport | None:
    """Checks an upload's rows and keeps the preview (counts, causes, rows shown).
    Runs once: only an import still being checked is checked."""
    roster_import = (
        RosterImport.objects.select_related("branch")
        .filter(pk=roster_import_id, status=RosterImport.Status.CHECKING)
        .first()
    )
    if roster_import is None:
        return None
    records = _stored_records(roster_import)
    progress = _Progress(roster_import.pk, "check", len(records))
    preview = _check_rows(roster_import.branch, records, progress=progress)
    _store_result(roster_import, preview)
    changed = RosterImport.objects.filter(
        pk=roster_import.pk, status=RosterImport.Status.CHECKING
    ).update(
        status=RosterImport.Status.CHECKED,
        created_count=roster_import.created_count,
        updated_count=roster_import.updated_count,
        unchanged_count=roster_import.unchanged_count,
        error_count=roster_import.error_count,
        summary=roster_import.summary,
    )
    cache.delete(_progress_key(roster_import.pk))
    return roster_import if changed else None


def roster_import_confirm(*, actor, roster_import: RosterImport, queue: bool = True):
    """The officer who checked the file starts its import. Guarded on state: a
    double click or a second tab finds the import already started and is refused,
    so one file is never imported by two jobs."""
    if roster_import.uploaded_by_id != actor.pk:
        raise ImportRejected(_("Only the officer who uploaded the file can import it."))
    if roster_import.error_count:
        raise ImportRejected(_("Fix the rows with errors and upload the file again."))
    with transaction.atomic():
        started = RosterImport.objects.filter(
            pk=roster_import.pk, status=RosterImport.Status.CHECKED, error_count=0
        ).update(status=RosterImport.Status.QUEUED, queued_at=timezone.now())
        if started != 1:
            current = RosterImport.objects.get(pk=roster_import.pk)
            if current.status == RosterImport.Status.CHECKING:
                raise ImportRejected(_("The file is still being checked."))
            raise ImportRejected(_("This file has already been imported."))
        if queue:
            from .tasks import run_roster_import

            transaction.on_commit(lambda: run_roster_import.delay(roster_import.pk))
    roster_import.status = RosterImport.Status.QUEUED


def _delete_file(roster_import):
    name = roster_import.file.name
    roster_import.file = ""
    if name:
        storage = roster_import.file.storage
        transaction.on_commit(lambda: storage.delete(name))


def _write_rows(actor, preview, progress):
    """Creates and updates in batches (WRITE_BATCH rows a statement), then the
    status history of the updated rows. The members to update are locked (by
    _check_rows) until the transaction ends."""
    cache_versions.bump(ROSTER_VERSION, at_once=True)
    to_create = [row for row in preview.rows if row.action == "create"]
    to_update = [row for row in preview.rows if row.action == "update"]
    done = 0
    for start in range(0, len(to_create), WRITE_BATCH):
        batch = to_create[start : start + WRITE_BATCH]
        Member.objects.bulk_create([row.instance for row in batch])
        done += len(batch)
        progress(done)
    now = timezone.now()
    for start in range(0, len(to_update), WRITE_BATCH):
        batch = to_update[start : start + WRITE_BATCH]
        # save() writes every field; these rows are locked, so writing those whose
        # value changes (the others hold what was read) is the same.
        fields = {"updated_at"}.union(*(row.written for row in batch))
        for row in batch:
            row.instance.updated_at = now  # auto_now, which bulk_update does not set
        Member.objects.bulk_update([row.instance for row in batch], sorted(fields))
        done += len(batch)
        progress(done)
    # As member_update: an open hardship file keeps the flag (care/). The file's
    # pk not null makes the join an inner one: a member with no file is not matched.
    unticked = [row.instance.pk for row in to_update if not row.instance.has_hardship]
    if unticked:
        Member.objects.filter(
            pk__in=unticked,
            hardship_files__pk__isnull=False,
            hardship_files__closed_on__isnull=True,
        ).update(has_hardship=True)
    note = _("Roster import")
    MemberStatusChange.objects.bulk_create(
        [
            MemberStatusChange(
                member=row.instance,
                old_status=row.old_status,
                new_status=row.instance.status,
                changed_by=actor,
                note=note,
            )
            for row in to_update
            if row.old_status != row.instance.status
        ]
    )
    progress(done, final=True)


def roster_import_run(*, roster_import_id) -> ImportPreview | None:
    """The import job: checks every row again against the roster as it is now and
    writes them all, or, if any row has an error now, nothing. Runs once: the job's
    row stays locked while it runs, and a second delivery of the task finds it
    taken (or finished) and does nothing. The kept file is deleted at the end."""
    try:
        with transaction.atomic():
            job = (
                RosterImport.objects.select_for_update(skip_locked=True)
                .select_related("branch", "uploaded_by")
                .filter(pk=roster_import_id, status=RosterImport.Status.QUEUED)
                .first()
            )
            if job is None:
                return None
            records = _stored_records(job)
            check = _Progress(job.pk, "check", len(records))
            preview = _check_rows(job.branch, records, lock=True, progress=check)
            _store_result(job, preview, rows=preview.has_errors)
            if preview.has_errors:
                job.status = RosterImport.Status.FAILED
            else:
                changing = preview.count("create") + preview.count("update")
                _write_rows(job.uploaded_by, preview, _Progress(job.pk, "write", changing))
                job.status = RosterImport.Status.DONE
                job.applied_at = timezone.now()
            job.finished_at = timezone.now()
            _delete_file(job)
            job.save()
    except Exception:
        logger.exception("Roster import %s stopped", roster_import_id)
        with transaction.atomic():
            job = (
                RosterImport.objects.select_for_update()
                .filter(pk=roster_import_id, status=RosterImport.Status.QUEUED)
                .first()
            )
            if job is not None:
                job.status = RosterImport.Status.FAILED
                job.finished_at = timezone.now()
                job.summary = {**job.summary, "causes": [], "stopped": True}
                _delete_file(job)
                job.save()
        return None
    finally:
        cache.delete(_progress_key(roster_import_id))
    return preview


def roster_import_apply(*, actor, roster_import: RosterImport) -> ImportPreview:
    """Confirms and runs the import at once (what the worker does after a confirm).
    Raises ImportRejected if a row has an error or the file was already imported."""
    roster_import.refresh_from_db()
    if roster_import.status == RosterImport.Status.CHECKING:
        roster_import_check(roster_import_id=roster_import.pk)
        roster_import.refresh_from_db()
    roster_import_confirm(actor=actor, roster_import=roster_import, queue=False)
    preview = roster_import_run(roster_import_id=roster_import.pk)
    roster_import.refresh_from_db()
    if roster_import.status != RosterImport.Status.DONE:
        raise ImportRejected(_("Fix the rows with errors and upload the file again."))
    return preview


def roster_import_forget_abandoned(*, now=None) -> int:
    """Uploads never imported are deleted, with their kept file, after a day."""
    now = now or timezone.now()
    stale = RosterImport.objects.filter(
        status__in=[RosterImport.Status.CHECKING, RosterImport.Status.CHECKED],
        created_at__lt=now - timedelta(hours=24),
    )
    count = 0
    for roster_import in stale:
        with transaction.atomic():
            if RosterImport.objects.filter(
                pk=roster_import.pk, status=roster_import.status
            ).delete()[0]:
                _delete_file(roster_import)
                count += 1
    return count


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


_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


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
    # The roster keeps 工号 in capitals; a CAS server may answer as typed. Only
    # a-z are raised: str.upper() would make ſ an S and ı an I.
    staff_number = str(staff_number).translate(_ASCII_UPPER)
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
