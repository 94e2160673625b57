"""Reads for the award pages, each at a fixed number of queries."""

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from events.models import Registration
from members.models import Member
from notices.models import AwardResult

from .models import Nomination
from .permissions import rounds_visible_to


def round_list(*, user):
    return (
        rounds_visible_to(user)
        .select_related("branch", "notice")
        .annotate(nomination_count=Count("nominations"))
        .order_by("-nominations_open_on", "-id")
    )


def _attended_this_year(prefix, year):
    return Count(
        f"{prefix}registrations",
        filter=Q(
            **{
                f"{prefix}registrations__status": Registration.Status.ATTENDED,
                f"{prefix}registrations__event__starts_at__year": year,
            }
        ),
        distinct=True,
    )


def nominees_of(award_round, *, year=None):
    """The round's nominees, each with their nominations (who, on whose behalf,
    the reasons) and the events they attended this year, so that a criterion
    like 全年参加不少于3次 can be checked. Two queries whatever the size."""
    year = year or timezone.localdate().year
    nominees = (
        Member.objects.filter(nominations__round=award_round)
        .distinct()
        .select_related("department", "user")
        .annotate(attended=_attended_this_year("", year))
        .prefetch_related(
            Prefetch(
                "nominations",
                queryset=Nomination.objects.filter(round=award_round)
                .select_related("nominator", "department")
                .order_by("created_at", "id"),
                to_attr="round_nominations",
            )
        )
        .order_by("department__name", "name")
    )
    return list(nominees)


def my_nominations(award_round, user):
    return award_round.nominations.filter(user=user).select_related("nominee", "department")


def participation_this_year(member, *, year=None):
    """The events `member` attended (checked in) this year, in order."""
    year = year or timezone.localdate().year
    return list(
        Registration.objects.filter(
            member=member, status=Registration.Status.ATTENDED, event__starts_at__year=year
        )
        .select_related("event")
        .only("event__starts_at", "event__title")  # what the list shows
        .order_by("event__starts_at", "id")
    )


def result_of(award_round):
    """The winners, once the shortlist's objection period is over (else None)."""
    notice = award_round.notice
    if notice is None or notice.status != "final":
        return None
    return list(
        AwardResult.objects.filter(version_id=notice.current_id)
        .select_related("member__department")
        .order_by("id")
    )


def shortlist_of(award_round):
    """The proposed winners of the shortlist as published (its current version)."""
    notice = award_round.notice
    if notice is None:
        return []
    return list(
        AwardResult.objects.filter(version_id=notice.current_id)
        .select_related("member__department")
        .order_by("id")
    )
