from django.contrib import admin

from .models import AwardRound, Nomination


@admin.register(AwardRound)
class AwardRoundAdmin(admin.ModelAdmin):
    list_display = ["title", "branch", "status", "nominations_open_on", "nominations_close_on"]
    list_filter = ["status", "branch"]
    search_fields = ["title"]
    # Published criteria and the shortlist change only through the portal's flow.
    readonly_fields = ["status", "published_at", "notice", "created_by"]


@admin.register(Nomination)
class NominationAdmin(admin.ModelAdmin):
    list_display = ["round", "nominee", "nominator", "department", "picked", "created_at"]
    list_filter = ["round__branch"]
    raw_id_fields = ["round", "nominee", "nominator", "department", "user"]
    readonly_fields = ["picked"]
