"""评优: an award round of a branch, from its criteria to its result.

评选条件 (criteria, published with a nomination period) → 推荐 (nominations of
roster entries, with reasons) → 拟表彰人选公示 (the officers' shortlist, published
as an award notice with its objection period, through the notices' approval
flow) → 表彰结果 (the notice's winners once its period is over).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from members.models import Branch, Department, Member


class AwardRound(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Criteria published")

    # The stage a reader sees: the round's own status, then its notice's.
    class Stage(models.TextChoices):
        DRAFT = "draft", _("Draft")
        BEFORE = "before", _("Nominations not open yet")
        NOMINATING = "nominating", _("Nominations open")
        CLOSED = "closed", _("Nominations closed")
        AWAITING = "awaiting", _("Shortlist awaiting the chair's approval")
        PUBLICITY = "publicity", _("Shortlist in its objection period")
        RESULT = "result", _("Result")

    TRANSITIONS = {Status.DRAFT: {Status.OPEN}, Status.OPEN: set()}

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="award_rounds", verbose_name=_("branch")
    )
    title = models.CharField(_("title"), max_length=150)
    award = models.CharField(_("award"), max_length=100, help_text=_("For example 优秀工会会员."))
    places = models.PositiveSmallIntegerField(_("places"), default=1)
    criteria = models.TextField(_("criteria (评选条件)"))
    nominations_open_on = models.DateField(_("nominations open on"))
    nominations_close_on = models.DateField(_("nominations close on"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The award notice (拟表彰人选公示) of the current shortlist; a withdrawn one
    # is replaced when the officers pick again.
    notice = models.ForeignKey(
        "notices.Notice", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("award round")
        verbose_name_plural = _("award rounds")
        ordering = ["-nominations_open_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nominations_close_on__gte=F("nominations_open_on")),
                name="award_round_period_in_order",
            ),
            models.CheckConstraint(condition=Q(places__gte=1), name="award_round_has_places"),
        ]

    def __str__(self):
        return self.title

    def stage(self, today):
        """Where the round stands for its readers, from its status, the dates
        and its notice's status (a withdrawn shortlist puts it back to picking)."""
        if self.status == self.Status.DRAFT:
            return self.Stage.DRAFT
        notice = self.notice
        if notice is not None and notice.status != "withdrawn":
            if notice.status == "final":
                return self.Stage.RESULT
            if notice.status == "published":
                return self.Stage.PUBLICITY
            return self.Stage.AWAITING
        if today < self.nominations_open_on:
            return self.Stage.BEFORE
        if today <= self.nominations_close_on:
            return self.Stage.NOMINATING
        return self.Stage.CLOSED


class Nomination(models.Model):
    """One nominator's nomination of one roster entry of the branch: a member
    for themselves, or a department (工会小组) through an officer. Nobody
    nominates themselves."""

    round = models.ForeignKey(AwardRound, on_delete=models.PROTECT, related_name="nominations")
    nominee = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="nominations", verbose_name=_("nominee")
    )
    # The member who nominates (for a department's nomination: the officer who
    # entered it); the department, when a group nominates.
    nominator = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("on behalf of the department"),
    )  # fmt: skip
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reasons"))
    created_at = models.DateTimeField(auto_now_add=True)
    picked = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "nominee", "nominator"],
                condition=Q(department__isnull=True),
                name="one_nomination_per_member_and_nominee",
            ),
            models.UniqueConstraint(
                fields=["round", "nominee", "department"],
                condition=Q(department__isnull=False),
                name="one_nomination_per_department_and_nominee",
            ),
            models.CheckConstraint(condition=~Q(nominee=F("nominator")), name="no_self_nomination"),
        ]

    def __str__(self):
        return f"{self.round_id}: {self.nominee_id}"
