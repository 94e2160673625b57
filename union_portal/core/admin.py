from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay, CalendarYear, Notification, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((_("Portal"), {"fields": ("language",)}),)
    list_display = ("email", "username", "first_name", "is_staff", "is_active")
    search_fields = ("email", "username", "first_name")


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("name",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "subject", "created_at", "read_at", "emailed_at")
    list_select_related = ("user",)
    search_fields = ("user__email", "subject", "key")
    readonly_fields = ("user", "key", "created_at", "email_claimed_at", "emailed_at")
