"""关怀: hardship files and the support given (困难职工建档与帮扶), and welfare
handed out on both campuses (福利发放)."""

# --- welfare handouts (福利发放) ----------------------------------------------

from django.conf import settings  # noqa: E402
from django.db import models  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402

from events.models import new_checkin_code  # noqa: E402
from members.models import Branch, Campus, Member  # noqa: E402


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
