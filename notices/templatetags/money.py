from decimal import Decimal, InvalidOperation
from html import escape

from django import template
from django.utils.safestring import mark_safe

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
    cell, which cost milliseconds a page; every value escaped (html.escape, as
    Django's escape)."""
    rows = []
    for line in lines:
        note = (
            f'<div class="small text-body-secondary">{escape(line.note)}</div>' if line.note else ""
        )
        rows.append(
            f'<tr><td class="text-nowrap">{line.date:%m-%d}</td>'
            f"<td>{escape(line.category__name)}{note}</td><td>{escape(line.payee)}</td>"
            f'<td class="text-end text-nowrap">{escape(yuan(line.amount))}</td>'
            f'<td class="d-none d-md-table-cell">{escape(line.budget_line)}</td></tr>'
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above
