from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.files.storage import storages
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import Branch, Member


class Notice(models.Model):
    """A public notice (公示) of money spent, an award decided, or an announcement.

    Its content lives in NoticeVersion rows: once published, a version is never
    changed; a correction is a new version and every version stays readable.
    """

    class Kind(models.TextChoices):
        FUND = "fund", _("Fund allocation")
        AWARD = "award", _("Award results")
        ANNOUNCEMENT = "announcement", _("Announcement")
        BUDGET = "budget", _("Budget notice")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        MEMBERS = "members", _("Members only")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING = "awaiting", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("In its objection period")
        FINAL = "final", _("Final")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # An approved notice was never public: it goes back to draft, it is never
    # "withdrawn" (that would make it readable). A correction approved on a
    # final notice opens a new objection period (final -> published).
    TRANSITIONS = {
        Status.DRAFT: {Status.AWAITING},
        Status.AWAITING: {Status.APPROVED, Status.DRAFT},
        # An announcement has no objection period: publishing makes it final.
        Status.APPROVED: {Status.PUBLISHED, Status.FINAL, Status.DRAFT},
        Status.PUBLISHED: {Status.FINAL, Status.WITHDRAWN},
        Status.FINAL: {Status.WITHDRAWN, Status.PUBLISHED},
        Status.WITHDRAWN: set(),
    }
    READABLE = (Status.PUBLISHED, Status.FINAL, Status.WITHDRAWN)
    # A correction is submitted on these, and its approval puts the notice in
    # (a new) objection period.
    CORRECTABLE = (Status.PUBLISHED, Status.FINAL)
    # Only these kinds are open to objections (公示); an announcement (通知公告) is not.
    OBJECTION_KINDS = (Kind.FUND, Kind.AWARD, Kind.BUDGET)

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="notices", verbose_name=_("branch")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    visibility = models.CharField(
        _("who may read it"), max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    review_comment = models.TextField(_("chair's comment"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    objection_closes_on = models.DateField(_("objections until"), null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawing"), blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The version readers see: the latest published one (or the draft before).
    current = models.ForeignKey(
        "NoticeVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A budget notice (预算公示) publishes the branch's budget of this year.
    budget_year = models.PositiveSmallIntegerField(_("budget year"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "visibility", "-published_at"], name="notice_list_idx"),
            models.Index(fields=["branch", "status"], name="notice_branch_idx"),
        ]
        constraints = [
            # Only what was published is read outside the officers: a readable
            # status without a publication date would put a draft in public.
            models.CheckConstraint(
                condition=~Q(status__in=["published", "final", "withdrawn"])
                | Q(published_at__isnull=False),
                name="readable_notice_was_published",
            )
        ]

    def __str__(self):
        return self.current.title if self.current_id else f"#{self.pk}"

    @classmethod
    def readable_q(cls):
        """Notices anyone allowed to read the branch's notices may read: published
        ones, including those withdrawn after publishing."""
        return Q(status__in=cls.READABLE, published_at__isnull=False)

    @property
    def is_readable(self):
        return self.status in self.READABLE and self.published_at is not None

    @property
    def has_objections(self) -> bool:
        """Fund, award and budget notices have an objection period; an announcement has none."""
        return self.kind in self.OBJECTION_KINDS

    @property
    def status_label(self):
        if self.kind == self.Kind.ANNOUNCEMENT and self.status == self.Status.FINAL:
            return _("Published")
        return self.get_status_display()


class NoticeVersion(models.Model):
    """The content of a notice. The first version follows the notice's own
    status; a correction is a later version with its own review: it waits for
    a chair who did not write it, and only then gets its number, is published
    and becomes the notice's current version."""

    class Review(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        SENT_BACK = "sent_back", _("Sent back")
        DROPPED = "dropped", _("Dropped")

    # The review of a correction; "" (blank) for a notice's first version.
    REVIEW_TRANSITIONS = {
        Review.PENDING: {Review.APPROVED, Review.SENT_BACK, Review.DROPPED},
        Review.APPROVED: set(),
        Review.SENT_BACK: set(),
        Review.DROPPED: set(),
    }

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="versions")
    # None while a correction waits: numbers go to published versions only, so
    # readers see 1, 2, 3 with no gap for a correction that was refused.
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown."))
    criteria = models.TextField(_("award criteria"), blank=True)
    reason = models.CharField(_("reason for the correction"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Who last changed a draft's content, when not its creator: an author too.
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Everyone who ever changed a draft's content (edited_by keeps the last one
    # only): a chair who put the money in stays an author after an officer's edit.
    editor_ids = ArrayField(models.BigIntegerField(), null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    review = models.CharField(
        max_length=10, choices=Review.choices, blank=True, default="", db_default=""
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(_("chair's comment"), blank=True, default="", db_default="")

    class Meta:
        ordering = ["notice", "number"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "number"], name="one_version_number"),
            # One correction waits at a time (also when two officers submit at once).
            models.UniqueConstraint(
                fields=["notice"], condition=Q(review="pending"), name="one_pending_correction"
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(number__isnull=False),
                name="published_version_has_number",
            ),
            models.CheckConstraint(
                condition=~Q(review__in=["pending", "sent_back", "dropped"])
                | Q(published_at__isnull=True),
                name="unapproved_correction_unpublished",
            ),
        ]

    def __str__(self):
        return f"{self.title} (v{self.number or '?'})"

    @property
    def author_ids(self) -> set:
        """Who wrote this content: nobody approves their own notice."""
        return {self.created_by_id, self.edited_by_id, *(self.editor_ids or ())} - {None}


def money_validators():
    return [MinValueValidator(Decimal("0.01"))]


MAX_AMOUNT = Decimal("9999999999.99")


class SpendingCategory(models.Model):
    """A spending category (支出科目) of the grassroots union fund rules: a
    top-level category or a sub-item of one. Global ones (no branch) are the
    seeded list; a branch's officers add their own."""

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("branch"),
    )  # fmt: skip
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("category"),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=40)
    sort = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("spending category")
        verbose_name_plural = _("spending categories")
        ordering = ["sort", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "parent", "branch"],
                nulls_distinct=False,
                name="spending_category_unique",
            ),
        ]

    def __str__(self):
        if self.parent_id:
            return f"{self.parent.name} · {self.name}"
        return self.name

    @property
    def top_id(self):
        return self.parent_id or self.pk


class Income(models.Model):
    """Money the branch received (上级拨付, 会费返还, 其他收入)."""

    class Source(models.TextChoices):
        ALLOCATION = "allocation", _("Allocation from the university union")
        DUES = "dues", _("Dues returned")
        OTHER = "other", _("Other income")

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    amount = models.DecimalField(
        _("amount (CNY)"), max_digits=12, decimal_places=2, validators=money_validators()
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("income")
        verbose_name_plural = _("income")
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="income_amount_positive")
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.amount}"


class Budget(models.Model):
    """A branch's budget for one top-level category in one year."""

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.ForeignKey(SpendingCategory, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("budget (CNY)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.UniqueConstraint(fields=["branch", "year", "category"], name="one_budget_line"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_not_negative"),
        ]

    def __str__(self):
        return f"{self.year} {self.category_id} {self.amount}"


class BudgetLine(models.Model):
    """A budget notice's copy of one budget line: published content never changes."""

    version = models.ForeignKey(
        NoticeVersion, on_delete=models.PROTECT, related_name="budget_lines"
    )
    category = models.ForeignKey(SpendingCategory, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("budget (CNY)"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["category__sort", "category_id"]

    def __str__(self):
        return f"{self.category_id} {self.amount}"


class BranchNoticeSettings(models.Model):
    """How a branch runs its notices."""

    branch = models.OneToOneField(Branch, on_delete=models.CASCADE, related_name="+")
    publish_on_approval = models.BooleanField(
        _("approving a notice also publishes it"),
        default=False,
        help_text=_("One step for the chair; still nobody approves their own notice."),
    )

    def __str__(self):
        return f"{self.branch_id}: {self.publish_on_approval}"


class FundLine(models.Model):
    version = models.ForeignKey(NoticeVersion, on_delete=models.PROTECT, related_name="fund_lines")
    date = models.DateField(_("date"))
    category = models.ForeignKey(
        SpendingCategory, on_delete=models.PROTECT, related_name="fund_lines",
        verbose_name=_("spending category"),
    )  # fmt: skip
    note = models.CharField(_("note"), max_length=100, blank=True)
    payee = models.CharField(_("payee"), max_length=100)
    amount = models.DecimalField(
        _("amount (CNY)"), max_digits=12, decimal_places=2, validators=money_validators()
    )
    budget_line = models.CharField(_("budget line"), max_length=100, blank=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_line_amount_positive")
        ]
        # A page of a notice's lines in date order, without sorting them all.
        indexes = [models.Index(fields=["version", "date", "id"], name="fund_line_page_idx")]

    def __str__(self):
        return f"{self.note} {self.amount}"


class AwardResult(models.Model):
    """A winner (or, in the objection period, a proposed winner) of an award
    notice: a roster entry of the branch. `winner` and `department` keep the
    text shown when the notice was written (and for older rows no roster entry
    matched)."""

    version = models.ForeignKey(NoticeVersion, on_delete=models.PROTECT, related_name="awards")
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="awards",
        verbose_name=_("member"),
    )  # fmt: skip
    winner = models.CharField(_("winner"), max_length=100)
    department = models.CharField(_("department"), max_length=100, blank=True)
    award = models.CharField(_("award"), max_length=100)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.winner}: {self.award}"


def private_storage():
    return storages["private"]


def notice_file_path(instance, filename):
    return f"notices/{instance.version_id}/{instance.token}"


class NoticeAttachment(models.Model):
    version = models.ForeignKey(NoticeVersion, on_delete=models.PROTECT, related_name="attachments")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=notice_file_path, storage=private_storage)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    def __str__(self):
        return self.name


class Objection(models.Model):
    """A member's objection during the period: private to the officers and chair
    (a confidential objector's name to the chair only), answered to the objector."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    version = models.ForeignKey(NoticeVersion, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="objections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confidential = models.BooleanField(_("show my name to the branch chair only"), default=False)
    # An objection to an award notice that names an officer or chair of the
    # branch goes to the university liaison, never to the branch's officers.
    to_liaison = models.BooleanField(default=False)
    text = models.TextField(_("objection"))
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.notice_id}: {self.text[:30]}"
