from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from union_portal.core.admin import SecretLookupsMixin

from .models import Category, Grievance


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "branch", "ack_days", "resolve_days", "default_assignee")
    list_filter = ("branch",)
    list_select_related = ("branch", "default_assignee")
    raw_id_fields = ("default_assignee",)


# An anonymous filer's own moments (filing, accepting) show their day only.
FILER_TIMES = ("filed_at", "closed_at")
# Neither shown nor filtered on: `?filer=7` would tie a confidential case to its
# filer, `?filed_at__gte=…` would bisect an anonymous filing's minute.
HIDDEN = ("filer", "filer_member", "receipt_hash", *FILER_TIMES)


@admin.register(Grievance)
class GrievanceAdmin(SecretLookupsMixin, admin.ModelAdmin):
    """Cases are handled in the portal; the admin reads them, without the filer:
    a confidential or anonymous filer's identity must not leak here either."""

    list_display = ("id", "subject", "kind", "branch", "status", "level", "filed_on")
    list_filter = ("kind", "status", "level", "branch")
    list_select_related = ("branch",)
    search_fields = ("subject",)
    exclude = HIDDEN
    secret_lookups = ("events", "attachments")  # the history names the filer's steps
    readonly_fields = [
        f.name for f in Grievance._meta.get_fields() if f.concrete and f.name not in ("id", *HIDDEN)
    ] + ["filed_on", "closed_on"]

    @staticmethod
    def _moment(grievance, value):
        if value is None:
            return "-"
        value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d" if grievance.is_anonymous else "%Y-%m-%d %H:%M")

    @admin.display(description=_("filed"), ordering="filed_at")
    def filed_on(self, obj):
        return self._moment(obj, obj.filed_at)

    @admin.display(description=_("closed"))
    def closed_on(self, obj):
        return self._moment(obj, obj.closed_at)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
