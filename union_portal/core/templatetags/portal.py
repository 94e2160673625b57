from datetime import datetime

from django import template

from union_portal.core.markdown import render_markdown
from union_portal.core.small_groups import is_shown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    return render_markdown(text)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")


# Horizontal bar charts drawn as SVG on the server: 14 px a row, 220 px for the largest bar.
@register.filter
def bar_y(index):
    return int(index) * 14


@register.filter
def bar_height(count):
    return max(int(count) * 14, 14)


@register.filter
def bar_width(value, scale):
    if not is_shown(value):
        return 0  # a withheld figure ("<5") draws no bar
    return round(220 * float(value) / float(scale or 1))


@register.tag(name="filters")
def filters_tag(parser, token):
    """Wraps a list page's filter form so that on a phone it folds behind one
    button saying how many filters are set ("筛选（2）"); on wider screens it is
    open (static/css/portal.css, static/js/portal.js). Parameters given as
    `name="value"` are the form's defaults, which do not count as set:
    {% filters status="open" %}<form method="get">…</form>{% endfilters %}"""
    defaults = {}
    for bit in token.split_contents()[1:]:
        name, _, value = bit.partition("=")
        defaults[name] = parser.compile_filter(value)
    nodelist = parser.parse(("endfilters",))
    parser.delete_first_token()
    return FiltersNode(nodelist, defaults)


# Query parameters that page or order a list rather than narrow it.
NOT_FILTERS = {"page", "sort", "order"}


def active_filter_count(query, defaults):
    """How many filters the query sets: each parameter with a non-blank value
    other than its default counts once, whatever the number of its values."""
    count = 0
    for name in query:
        if name in NOT_FILTERS:
            continue
        values = [value.strip() for value in query.getlist(name) if value.strip()]
        if values and values != [defaults.get(name)]:
            count += 1
    return count


class FiltersNode(template.Node):
    def __init__(self, nodelist, defaults):
        self.nodelist = nodelist
        self.defaults = defaults

    def render(self, context):
        from django.template.loader import render_to_string

        request = context.get("request")
        defaults = {name: str(value.resolve(context)) for name, value in self.defaults.items()}
        active = active_filter_count(request.GET, defaults) if request else 0
        return render_to_string(
            "filters.html", {"content": self.nodelist.render(context), "active": active}
        )


@register.simple_tag(takes_context=True)
def estimated_mark(context, day):
    """ "(estimated)" after a working-day deadline that falls in a year without a
    holiday schedule (see calendar.is_estimated). The scheduled years come from
    the context processor (read with the unread count), so a list of cases costs
    no query per row; a template rendered without a request reads them once."""
    from django.utils import timezone
    from django.utils.html import format_html
    from django.utils.translation import gettext

    from union_portal.core.calendar import is_estimated, scheduled_years

    if not day:
        return ""
    if isinstance(day, datetime):
        day = timezone.localdate(day)
    years = context.get("calendar_scheduled_years")
    if years is None:
        years = context.render_context.get("calendar_scheduled_years")
        if years is None:
            years = context.render_context["calendar_scheduled_years"] = scheduled_years()
    if not is_estimated(day, years):
        return ""
    return format_html(
        '<abbr class="estimated-deadline text-warning-emphasis" title="{}" '
        'data-testid="estimated-deadline">{}</abbr>',
        gettext(
            "No official holiday schedule has been entered for %(year)s yet, so Monday to "
            "Friday were counted as working days: the date may move when it is entered."
        )
        % {"year": day.year},
        gettext("(estimated)"),
    )
