"""The yearly report (工会年度工作报告) keeps no figures: every one is computed from
the other apps' data. It keeps only who may read a branch's report."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models import Branch


class ReportSettings(models.Model):
    """A branch's choice: its yearly reports public (anyone, signed out included)
    or for its members, officers, chair and the liaison (the default)."""

    branch = models.OneToOneField(Branch, on_delete=models.CASCADE, related_name="+")
    public = models.BooleanField(
        _("public: anyone may read the branch's yearly reports"), default=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("yearly report settings")
        verbose_name_plural = _("yearly report settings")

    def __str__(self):
        return str(self.branch)
