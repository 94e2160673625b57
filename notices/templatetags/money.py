from decimal import Decimal, InvalidOperation

from django import template

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
