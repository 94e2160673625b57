"""关怀: hardship files and the support given (困难职工建档与帮扶), and welfare
handed out on both campuses (福利发放)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from events.models import new_checkin_code
from members.models import Branch, Campus, Member

# --- hardship files and support records (困难职工建档与帮扶) ---------------------
# --- welfare handouts (福利发放) ----------------------------------------------


class HardshipFile(models.Model):
    """A member's hardship file (困难职工档案), opened by an officer of the member's
    branch. While a file is open the member's `has_hardship` flag is set (the
    services keep it so); a member has at most one open file. Seen by the
    branch's officers and chair only."""

    class Reason(models.TextChoices):
        ILLNESS = "illness", _("Serious illness")
        FAMILY_ILLNESS = "family_illness", _("Illness in the family")
        DISASTER = "disaster", _("Disaster or accident")
        SINGLE_PARENT = "single_parent", _("Single-parent family")
        OTHER = "other", _("Other")

    class Level(models.TextChoices):
        GENERAL = "general", _("General hardship")
        SPECIAL = "special", _("Special hardship")
        DEEP = "deep", _("Deep hardship")

    class CloseReason(models.TextChoices):
        RECOVERED = "recovered", _("Out of hardship")
        LEFT = "left", _("Left the branch")
        OTHER = "other", _("Other")

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="hardship_files", verbose_name=_("member")
    )
    # The member's branch when the file was opened: who may read it.
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    situation = models.TextField(_("situation"), blank=True, max_length=4000)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("responsible officer"),
    )  # fmt: skip
    review_on = models.DateField(_("review date"))
    opened_on = models.DateField(_("opened on"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The date of the latest visit, call or condolence (None: none yet); the
    # contact clock runs from it, or from opened_on before the first one.
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True)
    # The contact clock's reminders: for which start of the clock the
    # responsible officer was reminded, and on which day (the chair follows
    # PORTAL_HARDSHIP_CHAIR_WORKING_DAYS working days later).
    contact_reminder_for = models.DateField(null=True, blank=True)
    contact_reminded_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(
        _("reason for closing"), max_length=10, choices=CloseReason.choices, blank=True
    )
    close_note = models.CharField(_("note"), max_length=300, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hardship file")
        verbose_name_plural = _("hardship files")
        # Not for the admin: no permission rows, whose names ("Can view hardship
        # file") the admin's user page would list beside the member's account.
        default_permissions = ()
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["branch", "closed_on"], name="hardship_branch_open_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(closed_on__isnull=True),
                name="one_open_hardship_file",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True, close_reason="")
                | Q(closed_on__isnull=False) & ~Q(close_reason=""),
                name="closed_hardship_file_has_reason",
            ),
        ]  # fmt: skip

    def __str__(self):
        return f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def contact_clock_from(self):
        return self.last_contact_on or self.opened_on


class SupportRecord(models.Model):
    """Help given on a hardship file (帮扶记录). Money (subsidy, aid) carries an
    amount in CNY and may name the line of a published fund notice of the
    branch it was paid from; other kinds carry no amount."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        PHONE = "phone", _("Phone call")
        CONDOLENCE = "condolence", _("Condolence")
        SUBSIDY = "subsidy", _("Subsidy")
        AID = "aid", _("Aid money")
        REFERRAL = "referral", _("Referral to the university union")

    MONEY_KINDS = (Kind.SUBSIDY, Kind.AID)
    # Kinds that count as contact for the contact clock and the fairness view.
    CONTACT_KINDS = (Kind.VISIT, Kind.PHONE, Kind.CONDOLENCE)

    file = models.ForeignKey(HardshipFile, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    date = models.DateField(_("date"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    note = models.TextField(_("note"), blank=True, max_length=4000)
    amount = models.DecimalField(
        _("amount (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    fund_line = models.ForeignKey(
        "notices.FundLine", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("fund notice line"),
    )  # fmt: skip
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["subsidy", "aid"], amount__gt=0)
                | ~Q(kind__in=["subsidy", "aid"]) & Q(amount__isnull=True, fund_line__isnull=True),
                name="support_amount_for_money_only",
            ),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.get_kind_display()} {self.date}"

    @property
    def is_money(self) -> bool:
        return self.kind in self.MONEY_KINDS


class Handout(models.Model):
    """A welfare handout (福利发放, e.g. 中秋慰问品): members of the branch choose
    one option and a pickup point before the deadline; afterwards the default
    option applies to those who did not choose."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.DRAFT: {Status.OPEN},
        Status.OPEN: {Status.CLOSED},
        Status.CLOSED: set(),
    }

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="handouts", verbose_name=_("branch")
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    include_retired = models.BooleanField(_("retired members too"), default=False)
    campus = models.ForeignKey(
        Campus, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("campus"), help_text=_("Empty: members of every campus."),
    )  # fmt: skip
    deadline = models.DateTimeField(_("choice deadline"))
    default_option = models.ForeignKey(
        "HandoutOption", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("default option"),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once, by the one run that applies the default (a conditional update).
    defaults_applied_at = models.DateTimeField(null=True, blank=True)
    fund_notice = models.ForeignKey(
        "notices.Notice", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("welfare handout")
        verbose_name_plural = _("welfare handouts")
        ordering = ["-deadline", "-id"]

    def __str__(self):
        return self.title

    def is_eligible(self, member) -> bool:
        """Active members of the branch (and retired ones when chosen), of the
        handout's campus when it has one."""
        statuses = [Member.Status.ACTIVE] + (
            [Member.Status.RETIRED] if self.include_retired else []
        )
        return (
            member is not None
            and member.branch_id == self.branch_id
            and member.status in statuses
            and (self.campus_id is None or member.home_campus_id == self.campus_id)
        )

    def eligible_members(self):
        statuses = [Member.Status.ACTIVE] + (
            [Member.Status.RETIRED] if self.include_retired else []
        )
        members = Member.objects.filter(branch_id=self.branch_id, status__in=statuses)
        if self.campus_id:
            members = members.filter(home_campus_id=self.campus_id)
        return members


class HandoutOption(models.Model):
    handout = models.ForeignKey(Handout, on_delete=models.CASCADE, related_name="options")
    name = models.CharField(_("name"), max_length=100)
    unit_price = models.DecimalField(_("unit price (CNY)"), max_digits=10, decimal_places=2)
    stock = models.PositiveIntegerField(
        _("stock"), null=True, blank=True, help_text=_("Empty: no limit.")
    )

    class Meta:
        verbose_name = _("handout option")
        verbose_name_plural = _("handout options")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price__gt=0), name="handout_option_price_positive"
            ),
        ]

    def __str__(self):
        return self.name


class PickupPoint(models.Model):
    handout = models.ForeignKey(Handout, on_delete=models.CASCADE, related_name="points")
    campus = models.ForeignKey(
        Campus, on_delete=models.PROTECT, related_name="+", verbose_name=_("campus")
    )
    place = models.CharField(_("place"), max_length=200)
    hours = models.CharField(_("opening hours"), max_length=200)

    class Meta:
        verbose_name = _("pickup point")
        verbose_name_plural = _("pickup points")
        ordering = ["id"]

    def __str__(self):
        return f"{self.campus} · {self.place}"


class HandoutChoice(models.Model):
    """A member's choice (or the default given to them), with the code they show
    at pickup (the same kind of code as an event check-in)."""

    handout = models.ForeignKey(Handout, on_delete=models.CASCADE, related_name="choices")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="handout_choices")
    option = models.ForeignKey(HandoutOption, on_delete=models.PROTECT, related_name="choices")
    point = models.ForeignKey(PickupPoint, on_delete=models.PROTECT, related_name="choices")
    chosen_at = models.DateTimeField()
    defaulted = models.BooleanField(default=False)
    code = models.CharField(max_length=12, unique=True, default=new_checkin_code)

    class Meta:
        verbose_name = _("handout choice")
        verbose_name_plural = _("handout choices")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["handout", "member"], name="one_choice_per_member_per_handout",
                violation_error_message=_("You have already chosen for this handout."),
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["option"], name="handout_choice_option_idx")]

    def __str__(self):
        return f"{self.member_id} @ {self.handout_id}: {self.option_id}"


class Pickup(models.Model):
    """A collection: for whom (the choice's member), who collected (a colleague
    with the member's code, or the member), where, by which officer, when."""

    class Method(models.TextChoices):
        CODE = "code", _("Code scanned or typed")
        LIST = "list", _("Ticked on the list")

    handout = models.ForeignKey(Handout, on_delete=models.CASCADE, related_name="pickups")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    choice = models.OneToOneField(HandoutChoice, on_delete=models.CASCADE, related_name="pickup")
    collected_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("collected by"), help_text=_("Empty: the member in person."),
    )  # fmt: skip
    point = models.ForeignKey(PickupPoint, on_delete=models.PROTECT, related_name="pickups")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=4, choices=Method.choices)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("pickup")
        verbose_name_plural = _("pickups")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["handout", "member"], name="one_pickup_per_member_per_handout"
            ),
        ]

    def __str__(self):
        return f"{self.member_id} @ {self.handout_id}"
