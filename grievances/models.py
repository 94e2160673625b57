import hashlib

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Case, F, Q, When
from django.utils.translation import gettext_lazy as _

from members.models import Branch, Campus, Member
from union_portal.core.models import AppendOnly


class Category(models.Model):
    """A kind of case in a branch, with its own clock if it needs one."""

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="grievance_categories"
    )
    name = models.CharField(_("name"), max_length=60)
    ack_days = models.PositiveSmallIntegerField(
        _("working days to acknowledge"), null=True, blank=True,
        help_text=_("Empty: the portal's default."),
    )  # fmt: skip
    resolve_days = models.PositiveSmallIntegerField(
        _("working days to resolve"), null=True, blank=True,
        help_text=_("Empty: the portal's default."),
    )  # fmt: skip
    default_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("default assignee"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["branch", "name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="category_name_per_branch")
        ]

    def __str__(self):
        return self.name

    @property
    def ack_working_days(self):
        return self.ack_days or settings.GRIEVANCE_ACK_WORKING_DAYS

    @property
    def resolve_working_days(self):
        return self.resolve_days or settings.GRIEVANCE_RESOLVE_WORKING_DAYS


class Route(models.Model):
    """Who a new case of a category goes to when its filer works on a campus
    (a 临港 officer for 临港 staff). Without a route, the category's default
    assignee takes it, and without one, the branch chair."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="routes", verbose_name=_("category")
    )
    campus = models.ForeignKey(
        Campus, on_delete=models.CASCADE, related_name="+", verbose_name=_("campus")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("officer"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        ordering = ["category__name", "campus__name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "campus"], name="route_per_campus")
        ]

    def __str__(self):
        return f"{self.category} · {self.campus} → {self.officer}"


def receipt_key(code: str) -> str:
    """What the follow cookie of an anonymous filer's browser holds: a hash of the
    receipt code, never stored on the server (the database holds its hash)."""
    normalised = "".join(code.split()).upper().replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def hash_receipt_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def hash_receipt(code: str) -> str:
    """The stored hash: neither the code nor the cookie can be read back from it."""
    return hash_receipt_key(receipt_key(code))


class Grievance(models.Model):
    class Kind(models.TextChoices):
        GRIEVANCE = "grievance", _("Grievance")
        SUGGESTION = "suggestion", _("Suggestion")

    class Confidentiality(models.TextChoices):
        NAMED = "named", _("Named")
        CONFIDENTIAL = "confidential", _("Confidential (name shown to the branch chair only)")
        ANONYMOUS = "anonymous", _("Anonymous (followed with a receipt code)")

    class Status(models.TextChoices):
        NEW = "new", _("Submitted")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING_FILER = "waiting_filer", _("Waiting for the filer")
        RESOLVED = "resolved", _("Resolution proposed")
        CLOSED = "closed", _("Closed")

    class Level(models.TextChoices):
        BRANCH = "branch", _("Branch officer")
        CHAIR = "chair", _("Branch chair")
        UNIVERSITY = "university", _("University union")

    # status -> statuses it may move to; services refuse anything else.
    TRANSITIONS = {
        Status.NEW: {Status.IN_PROGRESS, Status.WAITING_FILER, Status.RESOLVED},
        Status.IN_PROGRESS: {Status.WAITING_FILER, Status.RESOLVED},
        Status.WAITING_FILER: {Status.IN_PROGRESS, Status.RESOLVED},
        Status.RESOLVED: {Status.CLOSED, Status.IN_PROGRESS},
        Status.CLOSED: {Status.IN_PROGRESS},
    }
    OPEN = (Status.NEW, Status.IN_PROGRESS, Status.WAITING_FILER)

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="grievances")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="grievances", verbose_name=_("category")
    )
    subject = models.CharField(_("subject"), max_length=150)
    description = models.TextField(_("description"))
    confidentiality = models.CharField(
        _("who may know it is you"), max_length=12, choices=Confidentiality.choices
    )
    # Both empty for an anonymous case: nothing links it to a person.
    filer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="grievances_filed",
    )  # fmt: skip
    filer_member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="grievances"
    )
    receipt_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    publish_answer = models.BooleanField(
        _("the answer may be published for other members"), default=False
    )
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.NEW)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.BRANCH)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="grievances_assigned", verbose_name=_("assignee"),
    )  # fmt: skip
    filed_at = models.DateTimeField(auto_now_add=True)
    ack_due = models.DateField(_("acknowledgement due"))
    resolve_due = models.DateField(_("resolution due"))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    paused_on = models.DateField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    appealed = models.BooleanField(default=False)
    escalations = models.PositiveSmallIntegerField(default=0)
    # The deadline that comes first: acknowledgement while the branch has not
    # acknowledged the case (that deadline binds the branch's officer only),
    # resolution after; none once a resolution is proposed or the case is closed.
    # Worked out by PostgreSQL from the fields above whenever they change, and
    # stored, so that the work lists sort on an index instead of on every row.
    deadline = models.GeneratedField(
        expression=Case(
            When(Q(status=Status.NEW, level=Level.BRANCH), then=F("ack_due")),
            When(status__in=OPEN, then=F("resolve_due")),
            default=None,
        ),
        output_field=models.DateField(null=True, blank=True),
        db_persist=True,
        verbose_name=_("current deadline"),
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-filed_at", "-id"]
        indexes = [
            models.Index(fields=["branch", "status", "level"], name="grievance_queue_idx"),
            models.Index(fields=["assignee", "status"], name="grievance_assignee_idx"),
            models.Index(fields=["filer", "-filed_at"], name="grievance_filer_idx"),
            # The work lists (selectors.NEEDS_DOING_FIRST): cases not closed, the
            # nearest deadline first (ASC puts the cases without one last).
            models.Index(
                fields=["assignee", "deadline", "-filed_at", "-id"],
                condition=~models.Q(status="closed"),
                name="grievance_open_assignee_idx",
            ),
            models.Index(
                fields=["branch", "deadline", "-filed_at", "-id"],
                condition=~models.Q(status="closed"),
                name="grievance_open_branch_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidentiality="anonymous", filer__isnull=True,
                                   filer_member__isnull=True, receipt_hash__isnull=False)
                | (~models.Q(confidentiality="anonymous") & models.Q(filer__isnull=False)),
                name="anonymous_case_has_no_filer",
            ),
        ]  # fmt: skip

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    @property
    def is_anonymous(self):
        return self.confidentiality == self.Confidentiality.ANONYMOUS


class GrievanceEvent(AppendOnly, models.Model):
    """One step of a case. Append-only: the model refuses edits and deletions and
    a database trigger refuses them too (migration 0002)."""

    class Kind(models.TextChoices):
        FILED = "filed", _("Filed")
        ASSIGNED = "assigned", _("Assigned")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ASKED = "asked", _("More information asked")
        FILER_REPLIED = "filer_replied", _("Filer answered")
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Internal note")
        RESOLUTION = "resolution", _("Resolution proposed")
        ACCEPTED = "accepted", _("Resolution accepted")
        APPEALED = "appealed", _("Appealed")
        ESCALATED = "escalated", _("Escalated")
        REOPENED = "reopened", _("Reopened")

    grievance = models.ForeignKey(Grievance, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    # Null for the system (escalations) and for an anonymous filer.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_filer = models.BooleanField(default=False)
    # The assignee when it happened: escalations are counted against them.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)
    internal = models.BooleanField(default=False)
    level = models.CharField(max_length=10, choices=Grievance.Level.choices)
    status = models.CharField(max_length=14, choices=Grievance.Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["grievance", "created_at"], name="grievance_event_idx"),
            # The clock's escalations (no actor): the queue's "now under your
            # supervision" line, read for each case on the page.
            models.Index(
                fields=["grievance", "level"],
                condition=models.Q(kind="escalated", actor__isnull=True),
                name="grievance_clock_escalation_idx",
            ),
        ]

    append_only_message = "A case's history is append-only."

    def __str__(self):
        return f"{self.grievance_id} {self.kind}"


def private_storage():
    return storages["private"]


def attachment_path(instance, filename):
    return f"grievances/{instance.grievance_id}/{instance.token}"


class Attachment(models.Model):
    """A file sent with a case or a step, kept outside the web root and served by
    a view that checks who asks. Its uploaded name is not kept ("张伟-身份证.pdf"
    names an anonymous filer): it is "Attachment 1.pdf", numbered per case, with
    the extension of the type its first bytes proved."""

    EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}

    grievance = models.ForeignKey(Grievance, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(
        GrievanceEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=attachment_path, storage=private_storage)
    number = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grievance", "number"], name="attachment_number_per_case"
            )
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name it is shown and served under, in the reader's language."""
        return _("Attachment %(number)d") % {"number": self.number} + self.EXTENSIONS.get(
            self.content_type, ""
        )
