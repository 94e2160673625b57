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
