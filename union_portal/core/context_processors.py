from django.utils import timezone

from .calendar import years_without_schedule
from .models import Notification
from .roles import roles_of


def portal(request):
    """What the layout needs on every page: the user's offices, unread count, and
    for administrators a warning when the coming year has no holiday schedule."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"portal_roles": roles_of(None)}
    context = {
        "portal_roles": roles_of(user),
        "unread_count": Notification.objects.filter(user=user, read_at__isnull=True).count(),
    }
    if user.is_staff:
        today = timezone.localdate()
        context["calendar_missing_years"] = years_without_schedule({today.year, today.year + 1})
    return context
