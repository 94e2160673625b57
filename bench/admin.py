"""The Django admin changelists a university's IT office would otherwise open for
registrations and fund lines, registered on a site of the benchmark's own.

The portal ships no admin for either: a fund line changelist would show the money
of unpublished notices, which only a branch's officers and chair may read. The
benchmark still needs the peer the issue names, so it mounts this site under
bench/urls.py only (bench.settings), never in the portal's own URLs. The lists
are configured as an IT office would configure them: related rows joined, a
filter by event or notice version, 100 rows a page.
"""

from django.contrib import admin

from events.models import Registration
from notices.models import FundLine

site = admin.AdminSite(name="bench_admin")


@admin.register(Registration, site=site)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("id", "event", "member", "venue", "status", "created_at", "attended_at")
    list_select_related = ("event", "member", "venue__campus")
    list_filter = ("status",)
    search_fields = ("member__name", "member__staff_number")


@admin.register(FundLine, site=site)
class FundLineAdmin(admin.ModelAdmin):
    list_display = ("id", "version", "date", "category", "payee", "amount")
    list_select_related = ("version", "category__parent")
    list_filter = ("date",)
    search_fields = ("payee", "note")
