from django.core.exceptions import PermissionDenied
from django.db import transaction

from union_portal.core.roles import can

from .models import ReportSettings


@transaction.atomic
def report_settings_save(*, actor, branch, public: bool) -> ReportSettings:
    """Only the branch's officers and chair choose who reads its yearly reports."""
    if not can(actor, "report.settings", branch):
        raise PermissionDenied
    settings, _ = ReportSettings.objects.select_for_update().get_or_create(branch=branch)
    settings.public = public
    settings.updated_by = actor
    settings.save()
    return settings
