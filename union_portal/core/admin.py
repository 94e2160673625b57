from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .calendar import years_without_schedule
from .models import CalendarDay, CalendarYear, User


class SecretLookupsMixin:
    """The admin lets a changelist be filtered by any field of its model through
    the address (`?filer=7`, `?has_hardship=1`, `?filed_at__gte=…`), even one the
    admin never shows. A field the admin excludes, or one listed in
    `secret_lookups` (reverse relations, which have no column to exclude), cannot
    be filtered on, so hiding a column also hides what it would reveal."""

    secret_lookups: tuple[str, ...] = ()

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split("__", 1)[0] in (*(self.exclude or ()), *self.secret_lookups):
            return False
        return super().lookup_allowed(lookup, value, request)


@admin.register(User)
class UserAdmin(SecretLookupsMixin, BaseUserAdmin):
    # `?grievances_filed=68` would name the filer of confidential case 68.
    secret_lookups = ("grievances_filed",)
    fieldsets = BaseUserAdmin.fieldsets + ((_("Portal"), {"fields": ("language",)}),)
    list_display = ("email", "username", "first_name", "is_staff", "is_active")
    search_fields = ("email", "username", "first_name")


class CalendarWarningMixin:
    """Where the schedule is entered, the warning that one is missing."""

    def changelist_view(self, request, extra_context=None):
        today = timezone.localdate()
        missing = years_without_schedule({today.year, today.year + 1})
        if missing and request.method == "GET":
            messages.warning(
                request,
                gettext(
                    "No holiday schedule has been entered for %(years)s: until it is, Monday "
                    "to Friday count as working days and deadlines falling then are marked "
                    "estimated. Enter its holidays and make-up working days under Special "
                    "days, then add the year under Calendar years."
                )
                % {"years": ", ".join(str(year) for year in missing)},
                fail_silently=True,
            )
        return super().changelist_view(request, extra_context)


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = ("year", "source")


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("name",)


# No admin for Notification on purpose: an inbox row names its recipient beside a
# case number, so a search for "#68" would name a confidential filer to whoever
# reads the admin. Recipients read their rows in the portal's inbox.
