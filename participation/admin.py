from django.contrib import admin

from .models import (
    BranchSetting,
    HandlingOffice,
    Poll,
    PollQuestion,
    PollVoter,
    Proposal,
    Representative,
    Term,
)


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


# Polls: who voted (PollVoter) and what was voted (Ballot, BallotAnswer) are kept
# apart; Ballot and BallotAnswer are not registered, so nothing in the admin can
# put a ballot beside a member. Changes go through the services.


class NoBallotLookups:
    """The address bar can filter a changelist on any relation (`?ballots__…`,
    `?poll__ballots__answers__option=…`): refused for ballots and their answers,
    which would put what was voted beside who voted."""

    hidden = {"ballots", "ballot", "answers", "voters"}

    def lookup_allowed(self, lookup, value, request=None):
        if self.hidden & set(lookup.split("__")):
            return False
        return super().lookup_allowed(lookup, value, request)


class PollQuestionInline(admin.TabularInline):
    model = PollQuestion
    fields = ["position", "kind", "text", "required", "max_choices"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Poll)
class PollAdmin(NoBallotLookups, admin.ModelAdmin):
    list_display = ["title", "branch", "status", "secret", "opens_at", "closes_at"]
    list_filter = ["status", "branch"]
    search_fields = ["title"]
    readonly_fields = [f.name for f in Poll._meta.fields]
    inlines = [PollQuestionInline]


@admin.register(PollVoter)
class PollVoterAdmin(NoBallotLookups, admin.ModelAdmin):
    """Who answered, and the day: never what they answered."""

    list_display = ["member", "poll", "voted_on"]
    list_filter = ["poll__branch"]
    search_fields = ["poll__title"]
    readonly_fields = ["poll", "member", "voted_on"]
    ordering = ["poll", "member__name", "pk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
