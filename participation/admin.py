from django.contrib import admin

from .models import BranchSetting, HandlingOffice, Proposal, Representative, Term


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["name", "branch", "start", "end"]
    list_filter = ["branch"]


@admin.register(Representative)
class RepresentativeAdmin(admin.ModelAdmin):
    list_display = ["member", "term", "delegation"]
    list_filter = ["term__branch"]
    raw_id_fields = ["member", "term"]


@admin.register(HandlingOffice)
class HandlingOfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "branch"]
    filter_horizontal = ["contacts"]


@admin.register(BranchSetting)
class BranchSettingAdmin(admin.ModelAdmin):
    list_display = ["branch", "representatives_only", "cosigners_needed", "public_proposals"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "branch", "status", "office", "created_at"]
    list_filter = ["status", "branch"]
    search_fields = ["title"]
    # Every step goes through the services, which write the history.
    readonly_fields = [f.name for f in Proposal._meta.fields]
