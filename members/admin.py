from django.contrib import admin

from union_portal.core import cache_versions
from union_portal.core.admin import SecretLookupsMixin

from .models import (
    Branch,
    BranchRole,
    Campus,
    Department,
    Member,
    MemberStatusChange,
    RosterExportLog,
)
from .selectors import ROSTER_VERSION


class BumpsRosterVersion:
    """Figures cached from the roster are stale after an edit here."""

    def save_model(self, request, obj, form, change):
        cache_versions.bump(ROSTER_VERSION, at_once=True)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        cache_versions.bump(ROSTER_VERSION, at_once=True)
        super().save_related(request, form, formsets, change)

    def delete_model(self, request, obj):
        cache_versions.bump(ROSTER_VERSION, at_once=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        cache_versions.bump(ROSTER_VERSION, at_once=True)
        super().delete_queryset(request, queryset)


@admin.register(Campus)
class CampusAdmin(BumpsRosterVersion, admin.ModelAdmin):
    list_display = ("name", "address")


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0


@admin.register(Branch)
class BranchAdmin(BumpsRosterVersion, admin.ModelAdmin):
    list_display = ("name", "short_name")
    inlines = [DepartmentInline]


@admin.register(Member)
class MemberAdmin(BumpsRosterVersion, SecretLookupsMixin, admin.ModelAdmin):
    list_display = ("staff_number", "name", "branch", "department", "home_campus", "status")
    list_filter = ("branch", "home_campus", "status", "is_representative")
    list_select_related = ("branch", "department", "home_campus")
    search_fields = ("staff_number", "name", "email")
    raw_id_fields = ("user",)
    # Hardship, sex and date of birth are for the member's own branch officers
    # and chair, in the portal (excluded, so not filters either).
    exclude = ("has_hardship", "sex", "date_of_birth")
    secret_lookups = ("grievances",)  # `?grievances=68` would name a case's filer


@admin.register(BranchRole)
class BranchRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "branch", "role")
    list_filter = ("role", "branch")
    list_select_related = ("user", "branch")
    raw_id_fields = ("user",)


@admin.register(MemberStatusChange)
class MemberStatusChangeAdmin(admin.ModelAdmin):
    list_display = ("member", "old_status", "new_status", "changed_by", "changed_at")
    list_select_related = ("member", "changed_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RosterExportLog)
class RosterExportLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "file_format", "rows", "filters")
    list_select_related = ("user",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
