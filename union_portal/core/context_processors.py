from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from .calendar import scheduled_years, years_without_schedule
from .models import CalendarYear, Notification, User
from .roles import roles_of


def sees_calendar_warning(user, roles) -> bool:
    """Who is warned that a holiday schedule is missing: those whose work runs
    on working-day deadlines (officers, chairs, the liaison) and administrators.
    Members and the public see the "estimated" mark beside a date instead."""
    return bool(user.is_staff or roles.is_officer_anywhere or roles.liaison)


def _unread_and_scheduled_years(user):
    """The unread count and the scheduled years in the one query the layout
    already made for the count, so neither the warning nor the "estimated"
    marks of a list add a query to any page."""
    unread = (
        Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    years = CalendarYear.objects.order_by().values("year")
    count, scheduled = User.objects.filter(pk=user.pk).values_list(
        Coalesce(Subquery(unread), 0), ArraySubquery(years)
    )[0]
    return count, frozenset(scheduled)


def portal(request):
    """What the layout needs on every page: the user's offices, unread count, the
    scheduled years (for the "estimated" mark beside a working-day deadline), and
    for officers, chairs, the liaison and administrators a warning when this or
    the coming year has no holiday schedule."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        # Read only if the page shows a deadline (a public notice's objection period).
        return {
            "portal_roles": roles_of(None),
            "calendar_scheduled_years": SimpleLazyObject(scheduled_years),
        }
    roles = roles_of(user)
    unread, scheduled = _unread_and_scheduled_years(user)
    context = {
        "portal_roles": roles,
        "unread_count": unread,
        "calendar_scheduled_years": scheduled,
    }
    if sees_calendar_warning(user, roles):
        today = timezone.localdate()
        context["calendar_missing_years"] = years_without_schedule(
            {today.year, today.year + 1}, scheduled
        )
    return context
