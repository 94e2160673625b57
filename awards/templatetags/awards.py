from django import template
from django.utils import timezone

from awards.selectors import participation_this_year

register = template.Library()


@register.inclusion_tag("awards/participation.html")
def participation(member):
    """The events `member` attended this year, for award criteria such as
    全年参加不少于3次 (one query)."""
    year = timezone.localdate().year
    return {"attended": participation_this_year(member, year=year), "year": year}
