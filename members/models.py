import secrets

from django import forms
from django.conf import settings
from django.contrib.postgres.functions import RandomUUID
from django.core.files.storage import storages
from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast, Replace
from django.utils.translation import gettext_lazy as _

from .validators import (
    normalise_email,
    validate_not_future,
    validate_phone,
    validate_staff_number,
)

# One answer for a duplicate, whichever branch holds the other record: the
# roster of another branch is not the officer's to learn about.
STAFF_NUMBER_IN_USE = _("This staff number is already in use; ask the university union office.")
EMAIL_IN_USE = _("This email is already in use; ask the university union office.")


class NormalisedEmailFormField(forms.EmailField):
    def to_python(self, value):
        # Normalised before comparing with the stored value: an address typed in
        # capitals is not a change.
        return normalise_email(super().to_python(value))


class NormalisedEmailField(models.EmailField):
    """An email saved and looked up in its normalised form (normalise_email), so
    `filter(email=typed)` finds the member whatever the capitals, and never by
    a look-alike letter."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": NormalisedEmailFormField, **kwargs})

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return normalise_email(value) if isinstance(value, str) else value

    def pre_save(self, model_instance, add):
        value = normalise_email(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


class Campus(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.CharField(_("address"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("campus")
        verbose_name_plural = _("campuses")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Branch(models.Model):
    """A secondary college's union branch (二级学院分工会)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Department(models.Model):
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="departments", verbose_name=_("branch")
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="department_name_per_branch")
        ]

    def __str__(self):
        return self.name


def new_calendar_feed_key() -> str:
    return secrets.token_urlsafe(32)


class Member(models.Model):
    """A roster entry. It exists before any account; a user claims it at sign-up."""

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")
        TRANSFERRED = "transferred", _("Transferred")
        LAPSED = "lapsed", _("Lapsed")

    staff_number = models.CharField(
        _("staff number"),
        max_length=20,
        unique=True,
        validators=[validate_staff_number],
        error_messages={"unique": STAFF_NUMBER_IN_USE},
    )
    name = models.CharField(_("full name"), max_length=50)
    email = NormalisedEmailField(_("email"), blank=True)
    phone = models.CharField(
        _("mobile phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="members", verbose_name=_("branch")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="members", verbose_name=_("department")
    )
    home_campus = models.ForeignKey(
        Campus, on_delete=models.PROTECT, related_name="members", verbose_name=_("home campus")
    )
    job_title = models.CharField(_("job title"), max_length=50, blank=True)
    # Sex and date of birth are for union work (三八节 handouts, birthday greetings,
    # foreseeing retirements): the branch's officers and chair see them, nobody
    # else (not the admin, not other members, not the liaison by name).
    sex = models.CharField(
        _("sex"), max_length=1, choices=Sex.choices, blank=True, default="", db_default=""
    )
    date_of_birth = models.DateField(
        _("date of birth"), null=True, blank=True, validators=[validate_not_future]
    )
    joined_on = models.DateField(_("union join date"), validators=[validate_not_future])
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    is_representative = models.BooleanField(_("member representative"), default=False)
    has_hardship = models.BooleanField(
        _("in hardship"),
        default=False,
        help_text=_("Visible to the branch's officers and chair only."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
        verbose_name=_("account"),
    )
    # The key of the member's private calendar feed URL: random (not derived from
    # the secret key), and replaced when the member asks, which ends the old URL.
    # Rows written by raw SQL (the benchmark's COPY) get 32 random hex digits.
    calendar_feed_key = models.CharField(
        _("calendar feed key"),
        max_length=43,
        unique=True,
        editable=False,
        default=new_calendar_feed_key,
        db_default=Replace(Cast(RandomUUID(), models.TextField()), Value("-"), Value("")),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["staff_number"]
        constraints = [
            # Unique in its normalised form; the check keeps every row normalised
            # (no capital A-Z), so this is case-insensitive for ASCII and exact
            # for everything else.
            models.UniqueConstraint(
                fields=["email"],
                condition=~models.Q(email=""),
                name="member_email_unique",
                violation_error_message=EMAIL_IN_USE,
            ),
            models.CheckConstraint(
                condition=~models.Q(email__regex="[ABCDEFGHIJKLMNOPQRSTUVWXYZ]"),
                name="member_email_normalised",
            ),
        ]
        indexes = [
            # The roster's order, and its search by name or staff number: the
            # search reads this index alone (roster_members()), not the rows.
            models.Index(
                fields=["branch", "staff_number"],
                include=["name", "id"],
                name="member_branch_search_idx",
            ),
            models.Index(fields=["branch", "name"], name="member_branch_name_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.staff_number})"


class MemberStatusChange(models.Model):
    """Append-only record of who changed a member's status, and when."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("member")
    )
    old_status = models.CharField(_("from"), max_length=12, choices=Member.Status.choices)
    new_status = models.CharField(_("to"), max_length=12, choices=Member.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.member_id}: {self.old_status} → {self.new_status}"


class BranchRole(models.Model):
    """A user's office: officer or chair of a branch, or university liaison (no branch)."""

    class Role(models.TextChoices):
        OFFICER = "officer", _("Officer")
        CHAIR = "chair", _("Branch chair")
        LIAISON = "liaison", _("University liaison")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="branch_roles",
        verbose_name=_("user"),
    )
    branch = models.ForeignKey(
        Branch,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("branch"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "branch", "role"],
                name="role_once_per_branch",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=(models.Q(role="liaison") & models.Q(branch__isnull=True))
                | (~models.Q(role="liaison") & models.Q(branch__isnull=False)),
                name="liaison_has_no_branch",
            ),
        ]

    def __str__(self):
        where = self.branch or _("university")
        return f"{self.user} · {self.get_role_display()} · {where}"


def private_storage():
    return storages["private"]


def roster_import_path(instance, filename):
    return f"roster-imports/{secrets.token_hex(16)}.json"


class RosterImport(models.Model):
    """An uploaded HR spreadsheet and the job that imports it: checked (the preview),
    confirmed by the officer, then written by a worker, all rows or none.

    What is kept of the upload is a private file of the cells of the columns the
    portal knows (never the others: 身份证号 and the like are read and dropped), and
    only until the job ends or the preview is abandoned."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Waiting for confirmation")
        QUEUED = "queued", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Not imported")

    # Status -> the statuses it may move to (the only transitions services make).
    TRANSITIONS = {
        Status.CHECKING: {Status.CHECKED, Status.FAILED},
        Status.CHECKED: {Status.QUEUED},
        Status.QUEUED: {Status.DONE, Status.FAILED},
        Status.DONE: set(),
        Status.FAILED: set(),
    }
    FINISHED = (Status.DONE, Status.FAILED)

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="+", verbose_name=_("branch")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    filename = models.CharField(_("file name"), max_length=255)
    file = models.FileField(
        upload_to=roster_import_path, storage=private_storage, blank=True, editable=False
    )
    content_sha1 = models.CharField(max_length=40)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CHECKING
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # The preview: causes of errors (counted, with their first rows), the ignored
    # columns' headers and the rows shown. Never a cell of an ignored column.
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["branch", "-created_at"], name="roster_import_branch_idx")]

    def __str__(self):
        return self.filename

    @property
    def is_finished(self):
        return self.status in self.FINISHED

    @property
    def counts(self) -> dict:
        return {
            "create": self.created_count,
            "update": self.updated_count,
            "unchanged": self.unchanged_count,
            "error": self.error_count,
        }


class RosterExportLog(models.Model):
    """Who took a copy of the roster, when, and which part of it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    branch_ids = models.JSONField(_("branches"), default=list)
    filters = models.JSONField(_("filters"), default=dict)
    file_format = models.CharField(_("format"), max_length=4)
    rows = models.PositiveIntegerField(_("rows"))

    class Meta:
        verbose_name = _("roster export")
        verbose_name_plural = _("roster exports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M} {self.file_format}"
