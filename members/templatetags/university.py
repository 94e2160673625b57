"""`{% university_table %}`: the liaison's table of every branch, on their home
page and on the dashboard; nothing for anyone else."""

from django import template
from django.template.loader import render_to_string
from django.utils import timezone

from union_portal.core.cache_versions import cached
from union_portal.core.roles import roles_of
from union_portal.core.small_groups import min_group_size

from ..university import VERSION, university_overview

register = template.Library()


@register.simple_tag(takes_context=True)
def university_table(context):
    request = context.get("request")
    if request is None or not roles_of(request.user).liaison:
        return ""
    # The same table for every liaison: drawn once per version of its figures (as
    # they are cached, members.university) and language, not on every page.
    key = f"table:{timezone.localdate()}:min{min_group_size()}"
    return cached(
        VERSION,
        key,
        lambda: render_to_string(
            "members/_university_table.html", {"overview": university_overview()}
        ),
    )
