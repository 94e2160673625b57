"""`{% university_table %}`: the liaison's table of every branch, on their home
page and on the dashboard; nothing for anyone else."""

from django import template

from union_portal.core.roles import roles_of

from ..university import university_overview

register = template.Library()


@register.inclusion_tag("members/_university_table.html", takes_context=True)
def university_table(context):
    request = context.get("request")
    if request is None or not roles_of(request.user).liaison:
        return {"overview": None}
    return {"overview": university_overview()}
