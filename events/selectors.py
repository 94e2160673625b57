"""Reads for the event pages, each at a fixed number of queries."""

from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from union_portal.core.roles import roles_of

from .models import Event, Registration, ShuttleSeat, ShuttleTrip, Venue

HOLDS_PLACE = Registration.HOLDS_PLACE
Seat = ShuttleSeat.Status


def venues_with_counts():
    return Venue.objects.select_related("campus").annotate(
        confirmed=Count("registrations", filter=Q(registrations__status__in=HOLDS_PLACE)),
        waitlisted=Count(
            "registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)
        ),
    )


def _open_to_member(roles):
    if roles.member is None:
        return Q(pk__in=[])
    return Q(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED]) & (
        Q(branch_id=roles.member.branch_id) | Q(open_to_all_branches=True)
    )


def events_visible_to(user):
    """Published events of the member's branch or open to all; for officers also
    their branch's drafts and cancelled events; for the university liaison the
    published (and cancelled) events of every branch."""
    roles = roles_of(user)
    visible = _open_to_member(roles)
    if roles.managed_branch_ids:
        visible |= Q(branch_id__in=roles.managed_branch_ids)
    if roles.liaison:
        visible |= Q(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED])
    return Event.objects.filter(visible)


def visibility_key(user) -> str:
    """What decides which events events_visible_to() shows: the member's branch,
    the branches the user manages and whether they are the liaison."""
    roles = roles_of(user)
    branch = roles.member.branch_id if roles.member is not None else None
    return f"m{branch}:o{sorted(roles.managed_branch_ids)}:l{int(bool(roles.liaison))}"


def next_end(now=None):
    """When the next event ends (None: none is still to end): until then the
    lists of events to come and of past events stay as they are."""
    now = now or timezone.now()
    return Event.objects.filter(ends_at__gte=now).aggregate(at=Min("ends_at"))["at"]


def event_list(*, user, filters: dict):
    events = events_visible_to(user).select_related("branch")
    if filters.get("when") in ("past", "held"):
        events = events.filter(ends_at__lt=timezone.now()).order_by("-starts_at", "-id")
        if filters["when"] == "held":
            events = events.filter(status=Event.Status.PUBLISHED)
    else:
        events = events.filter(ends_at__gte=timezone.now()).order_by("starts_at", "id")
    if filters.get("q"):
        events = events.filter(title__icontains=filters["q"])
    if filters.get("category"):
        events = events.filter(category=filters["category"])
    if filters.get("branch"):
        events = events.filter(branch=filters["branch"])
    if filters.get("campus"):
        events = events.filter(venues__campus=filters["campus"]).distinct()
    if filters.get("year"):
        events = events.filter(starts_at__year=filters["year"])
    return events.annotate(
        has_shuttle=Exists(ShuttleTrip.objects.filter(event=OuterRef("pk")))
    ).prefetch_related(Prefetch("venues", queryset=venues_with_counts()))


def next_registrations(member, now=None):
    """The member's places and waiting-list places at published events that have
    not ended, soonest first, each with `waiting_ahead` (those before them on
    their venue's waiting list, as waitlist_position counts them): one query."""
    now = now or timezone.now()
    ahead = (
        Registration.objects.filter(
            venue_id=OuterRef("venue_id"),
            status=Registration.Status.WAITLISTED,
            id__lt=OuterRef("id"),
        )
        .order_by()
        .values("venue_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Registration.objects.filter(
            member=member,
            status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED],
            event__status=Event.Status.PUBLISHED,
            event__ends_at__gte=now,
        )
        .select_related("event", "venue__campus")
        .annotate(waiting_ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), 0))
        .order_by("event__starts_at", "id")
    )


def trips_with_counts():
    """Trips with their confirmed seats, seats left and waiting members (those
    holding a place: the others wait for a place first). Ordered explicitly:
    Django drops Meta.ordering from a grouped query."""
    return (
        ShuttleTrip.objects.select_related("departure_campus")
        .annotate(
            taken=Count("passengers", filter=Q(passengers__status=Seat.CONFIRMED)),
            waiting=Count(
                "passengers",
                filter=Q(
                    passengers__status=Seat.WAITLISTED,
                    passengers__registration__status__in=HOLDS_PLACE,
                ),
            ),
        )
        .order_by(*ShuttleTrip._meta.ordering)
    )


def seats_with_trips():
    return ShuttleSeat.objects.select_related("trip__departure_campus")


def registrations_of(member):
    return (
        Registration.objects.filter(member=member)
        .select_related("event__branch", "venue__campus")
        .prefetch_related(Prefetch("seats", queryset=seats_with_trips()))
        .order_by("-event__starts_at", "-id")
    )


def seat_position(seat) -> int | None:
    """Where a waiting seat stands in its trip's queue, counting those ahead who
    hold a place (None while the member still waits for a place)."""
    if seat.status != Seat.WAITLISTED or seat.registration.status not in HOLDS_PLACE:
        return None
    return (
        ShuttleSeat.objects.filter(
            trip_id=seat.trip_id,
            status=Seat.WAITLISTED,
            registration__status__in=HOLDS_PLACE,
            id__lt=seat.id,
        ).count()
        + 1
    )


def passenger_list(event):
    """The event's trips, each with its passengers (seat confirmed, place held)
    and its waiting list, in arrival order: two queries."""
    passengers = (
        ShuttleSeat.objects.filter(registration__status__in=HOLDS_PLACE)
        .select_related("registration__member__department", "registration__member__home_campus")
        .order_by("id")
    )
    return event.trips.select_related("departure_campus").prefetch_related(
        Prefetch("passengers", queryset=passengers, to_attr="active_seats")
    )


def waitlist_position(registration) -> int | None:
    if registration.status != Registration.Status.WAITLISTED:
        return None
    return (
        Registration.objects.filter(
            venue_id=registration.venue_id,
            status=Registration.Status.WAITLISTED,
            id__lt=registration.id,
        ).count()
        + 1
    )


def active_registration(event, member, *, seats=True, venues=None):
    """The member's registration for the event (None if none is active), with
    its shuttle seats unless `seats` is false (an event without trips has none:
    one query saved). Given the event's `venues` (with their campus), its venue
    is taken from them: the query then reads the registration alone (its joins
    took longer to plan than to run)."""
    if member is None:
        return None
    # At most one is active (a unique index): no order needed.
    registrations = event.registrations.filter(member=member, status__in=Registration.ACTIVE)
    if venues is None:
        registrations = registrations.select_related("venue__campus", "member")
    if seats:
        registrations = registrations.prefetch_related(
            Prefetch("seats", queryset=seats_with_trips())
        )
    registration = next(iter(registrations.order_by()[:1]), None)
    if registration is not None and venues is not None:
        registration.member = member
        venue = next((v for v in venues if v.pk == registration.venue_id), None)
        if venue is not None:
            registration.venue = venue
    return registration


def roll_call(event, venue=None):
    registrations = (
        event.registrations.filter(status__in=HOLDS_PLACE)
        .select_related("member__department", "venue__campus")
        .prefetch_related(Prefetch("seats", queryset=seats_with_trips()))
        .order_by("venue_id", "member__name")
    )
    if venue is not None:
        registrations = registrations.filter(venue=venue)
    return registrations
