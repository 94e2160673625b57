from django.contrib import admin

from .models import Category, Grievance


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "branch", "ack_days", "resolve_days", "default_assignee")
    list_filter = ("branch",)
    list_select_related = ("branch", "default_assignee")
    raw_id_fields = ("default_assignee",)


@admin.register(Grievance)
class GrievanceAdmin(admin.ModelAdmin):
    """Cases are handled in the portal; the admin reads them, without the filer:
    a confidential or anonymous filer's identity must not leak here either."""

    list_display = ("id", "subject", "kind", "branch", "status", "level", "filed_at")
    list_filter = ("kind", "status", "level", "branch")
    list_select_related = ("branch",)
    search_fields = ("subject",)
    exclude = ("filer", "filer_member", "receipt_hash")
    readonly_fields = [
        f.name
        for f in Grievance._meta.get_fields()
        if f.concrete and f.name not in ("filer", "filer_member", "receipt_hash", "id")
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
