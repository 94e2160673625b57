from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.filter
def yuan(value):
    """A full amount in CNY with two decimals: never
    shortened ("1.2万") or rounded away. None shows as a dash."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(value):.2f}"
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


@register.filter
def share(part, whole):
    """part / whole in percent for a bar, 0–100."""
    try:
        if not whole:
            return 0
        return max(0, min(100, round(float(part) * 100 / float(whole))))
    except (TypeError, ValueError):
        return 0


@register.simple_tag
def fund_rows(lines):
    """The table rows of a page of fund lines (a notice's page shows 50, as rows
    of selectors.version_page): written here rather than as template tags per
    cell, which cost milliseconds a page."""
    return format_html_join(
        "",
        '<tr><td class="text-nowrap">{}</td><td>{}{}</td><td>{}</td>'
        '<td class="text-end text-nowrap">{}</td><td class="d-none d-md-table-cell">{}</td></tr>',
        (
            (
                line.date.strftime("%m-%d"),
                line.category__name,
                format_html('<div class="small text-body-secondary">{}</div>', line.note)
                if line.note
                else "",
                line.payee,
                yuan(line.amount),
                line.budget_line,
            )
            for line in lines
        ),
    )
