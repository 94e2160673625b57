from django.contrib import admin

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


@admin.register(Campus)
class CampusAdmin(admin.ModelAdmin):
    list_display = ("name", "address")


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name")
    inlines = [DepartmentInline]


@admin.register(Member)
class MemberAdmin(SecretLookupsMixin, admin.ModelAdmin):
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
