from django import template
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe

WITHHELD = mark_safe('<span class="text-body-secondary">—</span>')

register = template.Library()


@register.filter
def report_figure(figure):
    """One figure of the report: its value (a dash when withheld or unknown), linked
    to the list it counts. A filter, not an include: the university report shows
    some 400 figures, and an include each took most of its rendering time."""
    value = figure["value"]
    if value is None:
        return WITHHELD
    value = localize(value)  # as {{ value }} shows it
    if figure["url"]:
        return format_html(
            '<a href="{}" data-figure="{}">{}{}</a>', figure["url"], figure["key"], value,
            figure["unit"],
        )  # fmt: skip
    return format_html("{}{}", value, figure["unit"])
