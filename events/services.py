"""Every write about events. Sign-ups lock the event row, so places are handed
out one at a time in arrival order and never beyond capacity."""

from collections import defaultdict
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from union_portal.core import cache_versions
from union_portal.core.models import Notification
from union_portal.core.notifications import Note, Reader, notify, notify_each
from union_portal.core.rules import RuleError

from .models import Event, Registration, ShuttleSeat, ShuttleTrip, Venue

Status = Registration.Status
Seat = ShuttleSeat.Status
Direction = ShuttleTrip.Direction
HOLDS_PLACE = Registration.HOLDS_PLACE


class EventRuleError(RuleError):
    """A rule of this app refused the request."""


def _local(dt):
    return date_format(timezone.localtime(dt), "Y-m-d H:i")


def _event_url(event):
    return reverse("events:detail", args=[event.pk])


# The version of what is cached from events, registrations and seats (the
# participation report, the event list's cards, an event's places and seats left):
# every service below that changes an event, a registration or a seat bumps it.
CACHE_VERSION = "events"


def _changed():
    cache_versions.bump(CACHE_VERSION, at_once=True)


# --- events -----------------------------------------------------------------


@transaction.atomic
def event_save(*, actor, form, venue_formset, trip_formset=None) -> Event:
    """Creates or edits an event with its venues and shuttle trips. Capacity or
    seats raised → waitlisted members move up; the forms refuse a capacity or a
    seat count below the confirmed count and removing a trip with passengers."""
    event = form.save(commit=False)
    if event.pk is None:
        event.created_by = actor
    else:
        Event.objects.select_for_update().get(pk=event.pk)
    event.save()
    _changed()
    venue_formset.instance = event
    venue_formset.save()
    if trip_formset is not None:
        trip_formset.instance = event
        trip_formset.save()
    for venue in event.venues.all():
        _fill_free_places(venue=venue)
    _fill_trips(event=event)
    return event


def _transition(event, new_status):
    if new_status not in Event.TRANSITIONS[event.status]:
        raise EventRuleError(
            _("An event that is %(status)s cannot be changed that way.")
            % {"status": event.get_status_display()}
        )
    event.status = new_status
    _changed()


@transaction.atomic
def event_publish(*, actor, event) -> Event:
    event = Event.objects.select_for_update().get(pk=event.pk)
    _transition(event, Event.Status.PUBLISHED)
    if not event.venues.exists() and not event.has_online:
        raise EventRuleError(_("Add at least one venue or an online link before publishing."))
    event.save(update_fields=["status"])
    return event


@transaction.atomic
def event_cancel(*, actor, event, reason: str) -> Event:
    """Cancels the event and tells everyone registered."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    _transition(event, Event.Status.CANCELLED)
    event.cancelled_reason = reason
    event.save(update_fields=["status", "cancelled_reason"])
    registrations = list(
        event.registrations.filter(status__in=[Status.CONFIRMED, Status.WAITLISTED]).select_related(
            "member__user"
        )
    )
    now = timezone.now()
    event.registrations.filter(pk__in=[r.pk for r in registrations]).update(
        status=Status.CANCELLED, cancelled_at=now
    )
    ShuttleSeat.objects.filter(registration__event=event).delete()
    for registration in registrations:
        if registration.member.user_id:
            notify(
                user=registration.member.user,
                key=f"event-cancelled:{registration.pk}",
                subject=format_lazy(gettext_lazy("Cancelled: {title}"), title=event.title),
                body=format_lazy(
                    gettext_lazy("The event “{title}” on {start} has been cancelled. {reason}"),
                    title=event.title,
                    start=_local(event.starts_at),
                    reason=reason,
                ),
                url=_event_url(event),
            )
    return event


# --- registrations ----------------------------------------------------------


def _confirmed_count(venue):
    return venue.registrations.filter(status__in=HOLDS_PLACE).count()


def registration_create(
    *, member, event, venue_id, out_trip_id=None, back_trip_id=None, now=None
) -> Registration:
    """Signs a member up: a free place → confirmed, a full venue → its waiting
    list. Online attendance has no limit. At most one active registration per
    member and event, however fast the clicks. A trip out and a trip back may be
    chosen at once (see registration_choose_trip for the seat rules); a refused
    seat refuses the whole sign-up, so nothing is half done.

    The registration comes back with `waitlist_position`: its number on the
    venue's waiting list (None when it got a place), counted under the lock.

    Under the event's lock a sign-up costs three queries: the lock, one read of
    the venue with its places taken, its waiting list and whether the member is
    already registered, and the insert. The read must come after the lock (its
    own statement, so it sees every sign-up committed before the lock was ours)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event.pk)
            venue = _check_signup(member=member, event=event, venue_id=venue_id, now=now)
            registration = Registration(event=event, member=member, venue=venue)
            registration.waitlist_position = None
            if venue is None or venue.taken < venue.capacity:
                registration.status = Status.CONFIRMED
                registration.confirmed_at = now
            else:
                registration.status = Status.WAITLISTED
                registration.waitlist_position = venue.waiting + 1
            registration.save()
            _changed()
            registration.member = member
            registration.venue = venue
            for direction, trip_id in (
                (Direction.OUT, out_trip_id),
                (Direction.BACK, back_trip_id),
            ):
                if trip_id is not None:
                    trip = _trip_of(event, direction, trip_id)
                    _take_seat(registration=registration, trip=trip, now=now)
            return registration
    except IntegrityError as exc:
        raise EventRuleError(_("You are already registered for this event.")) from exc


def _check_signup(*, member, event, venue_id, now):
    """The rules of a sign-up, on the locked event; returns the venue (None for
    online) with `taken` (places held) and `waiting` (its waiting list)."""
    if event.status == Event.Status.CANCELLED:
        raise EventRuleError(_("This event has been cancelled."))
    if event.status != Event.Status.PUBLISHED:
        raise EventRuleError(_("This event is not open for sign-up."))
    if member.branch_id != event.branch_id and not event.open_to_all_branches:
        raise EventRuleError(_("This event is for members of another branch."))
    if now < event.signup_opens_at:
        raise EventRuleError(
            _("Sign-up opens on %(time)s.") % {"time": _local(event.signup_opens_at)}
        )
    if now > event.signup_closes_at or now >= event.starts_at:
        raise EventRuleError(_("Sign-up for this event has closed."))
    already = event.registrations.filter(member=member, status__in=Registration.ACTIVE)
    venue = None
    if venue_id is not None:
        # One query: the venue, its queue and the member's registration, if any.
        venue = (
            Venue.objects.filter(pk=venue_id, event=event)
            .annotate(
                taken=Count("registrations", filter=Q(registrations__status__in=HOLDS_PLACE)),
                waiting=Count("registrations", filter=Q(registrations__status=Status.WAITLISTED)),
                already=Exists(already),
            )
            .first()
        )
    if venue.already if venue is not None else already.exists():
        raise EventRuleError(_("You are already registered for this event."))
    if venue_id is None:
        if not event.has_online:
            raise EventRuleError(_("This event cannot be attended online."))
        return None
    if venue is None:
        raise EventRuleError(_("Choose one of this event's venues."))
    return venue


def _promote(registration, now):
    registration.status = Status.CONFIRMED
    registration.confirmed_at = now
    registration.save(update_fields=["status", "confirmed_at"])
    event = registration.event
    if registration.member.user_id:
        venue = registration.venue
        notify(
            user=registration.member.user,
            key=f"event-promoted:{registration.pk}",
            subject=format_lazy(gettext_lazy("You have a place: {title}"), title=event.title),
            body=format_lazy(
                gettext_lazy(
                    "A place became free and it is yours: {title}, {start}, {venue}. "
                    "If you cannot come, please cancel so the next person can go."
                ),
                title=event.title,
                start=_local(event.starts_at),
                venue=str(venue) if venue else "",
            ),
            url=_event_url(event),
        )


def _fill_free_places(*, venue, now=None):
    """Moves waitlisted members of the venue up, in arrival order, while places
    are free; the seats they asked for then wait in their trips' queues."""
    now = now or timezone.now()
    free = venue.capacity - _confirmed_count(venue)
    if free <= 0:
        return []
    waiting = list(
        venue.registrations.filter(status=Status.WAITLISTED)
        .select_related("member__user", "event", "venue__campus")
        .order_by("id")[:free]
    )
    for registration in waiting:
        _promote(registration, now)
    if waiting:
        _fill_trips(event=venue.event, now=now)
    return waiting


def registration_cancel(*, member, registration, now=None) -> Registration:
    """The member gives up their place (or leaves the waiting list); the first
    waitlisted member of the same venue gets it in the same transaction, and
    their shuttle seats go to the first waiting members of those trips."""
    now = now or timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.member_id != member.pk:
            raise EventRuleError(_("This registration is not yours."))
        if registration.status not in (Status.CONFIRMED, Status.WAITLISTED):
            raise EventRuleError(_("This registration cannot be cancelled any more."))
        held_place = registration.status == Status.CONFIRMED
        if held_place and now > event.cancel_deadline:
            raise EventRuleError(
                _("The cancellation deadline (%(time)s) has passed. Please tell an officer.")
                % {"time": _local(event.cancel_deadline)}
            )
        registration.status = Status.CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["status", "cancelled_at"])
        _changed()
        registration.seats.all().delete()
        if held_place and registration.venue_id:
            _fill_free_places(venue=registration.venue, now=now)
        _fill_trips(event=event, now=now)
        return registration


# --- shuttle seats ------------------------------------------------------------


def has_first_claim(*, member, venue) -> bool:
    """Members who come from another campus than their venue's need the shuttle
    most: they may take seats before everyone else."""
    return venue is not None and member.home_campus_id != venue.campus_id


def _trip_of(event, direction, trip_id) -> ShuttleTrip:
    trip = (
        ShuttleTrip.objects.select_related("departure_campus")
        .filter(pk=trip_id, event=event, direction=direction)
        .first()
    )
    if trip is None:
        raise EventRuleError(_("Choose one of this event's shuttle trips."))
    return trip


def _check_seat(*, registration, trip, now):
    if registration.venue_id is None:
        raise EventRuleError(_("A shuttle seat goes with a place at a venue, not online."))
    if now >= trip.departs_at:
        raise EventRuleError(_("This shuttle trip has already left."))
    if now < trip.opens_to_everyone_at() and not has_first_claim(
        member=registration.member, venue=registration.venue
    ):
        raise EventRuleError(
            _(
                "The seats on this trip go first to members coming from another campus. "
                "Seats open to everyone from %(time)s."
            )
            % {"time": _local(trip.opens_to_everyone_at())}
        )


def _seats_taken(trip) -> int:
    return trip.passengers.filter(status=Seat.CONFIRMED).count()


def _take_seat(*, registration, trip, now) -> ShuttleSeat:
    """A free seat → confirmed, if the registration holds a place; otherwise the
    trip's waiting list (arrival order)."""
    _check_seat(registration=registration, trip=trip, now=now)
    seat = ShuttleSeat(trip=trip, registration=registration, direction=trip.direction)
    if registration.status in HOLDS_PLACE and _seats_taken(trip) < trip.seats:
        seat.status = Seat.CONFIRMED
        seat.confirmed_at = now
    else:
        seat.status = Seat.WAITLISTED
    seat.save()
    return seat


def _fill_trip(trip, now):
    """Hands the trip's free seats to the first waiting members who hold a place,
    in arrival order, and tells each of them once."""
    free = trip.seats - _seats_taken(trip)
    if free <= 0:
        return []
    waiting = list(
        trip.passengers.filter(status=Seat.WAITLISTED, registration__status__in=HOLDS_PLACE)
        .select_related("registration__member__user", "trip__event", "trip__departure_campus")
        .order_by("id")[:free]
    )
    for seat in waiting:
        seat.status = Seat.CONFIRMED
        seat.confirmed_at = now
        seat.save(update_fields=["status", "confirmed_at"])
        user = seat.registration.member.user
        if user is not None:
            event = seat.trip.event
            notify(
                user=user,
                key=f"shuttle-seat:{seat.pk}",
                subject=format_lazy(
                    gettext_lazy("You have a shuttle seat: {title}"), title=event.title
                ),
                body=format_lazy(
                    gettext_lazy(
                        "A seat became free and it is yours: {trip}, departs {time}. "
                        "If you do not need it, please drop it so the next person can ride."
                    ),
                    trip=seat.trip,  # rendered in the recipient's language
                    time=_local(seat.trip.departs_at),
                ),
                url=_event_url(event),
            )
    return waiting


def _fill_trips(*, event, now=None):
    now = now or timezone.now()
    _changed()
    for trip in event.trips.all():
        _fill_trip(trip, now)


def registration_choose_trip(
    *, member, registration, direction, trip_id, now=None
) -> ShuttleSeat | None:
    """Adds, changes or drops the member's seat in one direction (trip_id None
    drops it). The place at the event is untouched. A seat given up goes to the
    first waiting member of that trip in the same transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("member", "venue")
            .get(pk=registration.pk)
        )
        if registration.member_id != member.pk:
            raise EventRuleError(_("This registration is not yours."))
        if registration.status not in (Status.CONFIRMED, Status.WAITLISTED):
            raise EventRuleError(_("This registration is not active."))
        if event.status != Event.Status.PUBLISHED:
            raise EventRuleError(_("This event is not open for sign-up."))
        _changed()  # the trips' seat counts
        current = registration.seats.select_related("trip").filter(direction=direction).first()
        trip = None if trip_id is None else _trip_of(event, direction, trip_id)
        if current is not None and trip is not None and current.trip_id == trip.pk:
            return current
        if current is not None and now >= current.trip.departs_at:
            raise EventRuleError(_("This shuttle trip has already left."))
        if trip is not None:
            _check_seat(registration=registration, trip=trip, now=now)
        if current is not None:
            current.delete()
            if current.status == Seat.CONFIRMED:
                _fill_trip(current.trip, now)
        if trip is None:
            return None
        return _take_seat(registration=registration, trip=trip, now=now)


def registration_check_in(*, actor, event, code: str, now=None) -> Registration:
    """Marks attendance for the registration with this code at this event."""
    now = now or timezone.now()
    code = (code or "").strip().upper().replace(" ", "")
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update()
            .select_related("member")
            .filter(event=event, checkin_code=code)
            .first()
        )
        if registration is None:
            raise EventRuleError(_("No registration for this event has the code “%s”.") % code)
        if registration.status == Status.ATTENDED:
            raise EventRuleError(
                _("%(name)s was already checked in at %(time)s.")
                % {"name": registration.member.name, "time": _local(registration.attended_at)}
            )
        if registration.status != Status.CONFIRMED:
            raise EventRuleError(
                _("%(name)s has no confirmed place (%(status)s).")
                % {"name": registration.member.name, "status": registration.get_status_display()}
            )
        registration.status = Status.ATTENDED
        registration.attended_at = now
        registration.checked_in_by = actor
        registration.save(update_fields=["status", "attended_at", "checked_in_by"])
        _changed()
        return registration


# --- reminders (Celery beat) -------------------------------------------------


REMINDER_KEY = "event-reminder:"  # + the registration's id


def event_send_reminders(*, now=None) -> int:
    """Reminds everyone confirmed of an event that starts within 24 hours, once.
    The inbox row is the mark: its key (event-reminder:<registration>) makes each
    reminder go out once whatever the retries, the query leaves out the
    registrations reminded already, and the rows are written a thousand at a
    time (notify_each), their emails sent in batches. Reads plain rows (10 000
    reminders are 10 000 tuples, not 60 000 model instances): the events, venues
    and shuttle seats once for all. Returns how many reminders are due, told now
    or before."""
    now = now or timezone.now()
    due = Registration.objects.filter(
        status=Status.CONFIRMED,
        event__status=Event.Status.PUBLISHED,
        event__starts_at__gt=now,
        event__starts_at__lte=now + timedelta(hours=24),
        member__user__isnull=False,
    )
    reminded = Notification.objects.filter(
        user_id=OuterRef("member__user_id"),
        key=Concat(Value(REMINDER_KEY), Cast(OuterRef("pk"), CharField())),
    )
    rows = list(
        due.exclude(Exists(reminded))
        .order_by("id")
        .values_list("pk", "event_id", "venue_id", "checkin_code", "member__user_id",
                     "member__user__language", "member__user__email")
    )  # fmt: skip
    if rows:
        events = Event.objects.in_bulk({row[1] for row in rows})
        urls = {pk: _event_url(event) for pk, event in events.items()}
        starts = {pk: _local(event.starts_at) for pk, event in events.items()}
        subjects = {
            pk: format_lazy(gettext_lazy("Tomorrow: {title}"), title=event.title)
            for pk, event in events.items()
        }
        venues = Venue.objects.select_related("campus").in_bulk({row[2] for row in rows} - {None})
        seats = defaultdict(list)
        if ShuttleTrip.objects.filter(event_id__in=events).exists():
            for seat in ShuttleSeat.objects.filter(
                registration__in=due, trip__event_id__in=events
            ).select_related("trip__departure_campus"):
                seats[seat.registration_id].append(seat)
        notify_each(
            Note(
                user=Reader(user_id, language, email),
                key=f"{REMINDER_KEY}{pk}",
                subject=subjects[event],
                body=reminder_text(
                    events[event], venues.get(venue), seats[pk], code, starts=starts[event]
                ),
                url=urls[event],
            )
            for pk, event, venue, code, user_id, language, email in rows
        )
    return due.count()


def reminder_text(event, venue, seats, checkin_code, *, starts=None):
    """The reminder of one registration: the event, its venue or link, the
    member's shuttle seats and their check-in code (rendered later, in the
    member's language). `starts`: the event's local start, formatted once for
    all its registrations."""

    def render():
        lines = [
            _("%(title)s starts at %(time)s.")
            % {"title": event.title, "time": starts or _local(event.starts_at)}
        ]
        if venue is not None:
            lines.append(_("Venue: %(venue)s") % {"venue": venue})
        else:
            lines.append(_("Online: %(link)s") % {"link": event.online_url})
        for seat in seats:
            trip = seat.trip
            values = {
                "direction": trip.get_direction_display(),
                "time": _local(trip.departs_at),
                "place": trip.departure_place,
                "campus": trip.departure_campus,
            }
            if seat.status == Seat.CONFIRMED:
                lines.append(
                    _(
                        "Your shuttle seat (%(direction)s): departs %(time)s "
                        "from %(place)s, %(campus)s."
                    )
                    % values
                )
            else:
                lines.append(
                    _("Shuttle (%(direction)s, departs %(time)s from %(place)s, %(campus)s): "
                      "you are still on the waiting list.") % values
                )  # fmt: skip
        lines.append(_("Your check-in code: %(code)s") % {"code": checkin_code})
        return "\n".join(lines)

    return render


def event_notify_missed_waitlist(*, now=None) -> int:
    """Tells members still waitlisted when an event has started that no place came free."""
    now = now or timezone.now()
    registrations = Registration.objects.filter(
        status=Status.WAITLISTED,
        event__status=Event.Status.PUBLISHED,
        event__starts_at__lte=now,
        event__starts_at__gt=now - timedelta(days=2),
        member__user__isnull=False,
    ).select_related("event", "member__user")
    sent = 0
    for registration in registrations.iterator(chunk_size=500):
        notify(
            user=registration.member.user,
            key=f"event-missed:{registration.pk}",
            subject=format_lazy(
                gettext_lazy("No place came free: {title}"), title=registration.event.title
            ),
            body=format_lazy(
                gettext_lazy(
                    "“{title}” has started and you were still on the waiting list. "
                    "We hope to see you next time."
                ),
                title=registration.event.title,
            ),
            url=_event_url(registration.event),
        )
        sent += 1
    return sent
