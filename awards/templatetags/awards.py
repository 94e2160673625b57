from django import template
from django.utils import timezone

from awards.selectors import participation_this_year
from events.services import CACHE_VERSION as EVENTS_VERSION
from union_portal.core.cache_versions import cached

register = template.Library()


@register.inclusion_tag("awards/participation.html")
def participation(member):
    """The events `member` attended this year, for award criteria such as
    全年参加不少于3次: one query per change to events or registrations, kept per
    member (the pages showing it, the member's own and the roster's, check
    who reads it first)."""
    year = timezone.localdate().year

    def attended():
        return [
            {"event": {"starts_at": r.event.starts_at, "title": r.event.title}}
            for r in participation_this_year(member, year=year)
        ]

    return {
        "attended": cached(EVENTS_VERSION, f"attended:{member.pk}:{year}", attended),
        "year": year,
    }
