from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay, CalendarYear, User


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


# No admin for Notification on purpose: an inbox row names its recipient beside a
# case number, so a search for "#68" would name a confidential filer to whoever
# reads the admin. Recipients read their rows in the portal's inbox.
