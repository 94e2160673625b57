"""Every write about events. Sign-ups lock the event row, so places are handed
out one at a time in arrival order and never beyond capacity."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from union_portal.core.notifications import notify
from union_portal.core.rules import RuleError

from .models import Event, Registration, Venue

Status = Registration.Status
Shuttle = Registration.Shuttle
HOLDS_PLACE = Registration.HOLDS_PLACE


class EventRuleError(RuleError):
    """A rule of this app refused the request."""


def _local(dt):
    return date_format(timezone.localtime(dt), "Y-m-d H:i")


def _event_url(event):
    return reverse("events:detail", args=[event.pk])


# --- events -----------------------------------------------------------------


@transaction.atomic
def event_save(*, actor, form, venue_formset) -> Event:
    """Creates or edits an event with its venues. Capacity raised → waitlisted
    members move up; the forms refuse a capacity below the confirmed count."""
    event = form.save(commit=False)
    if event.pk is None:
        event.created_by = actor
    else:
        Event.objects.select_for_update().get(pk=event.pk)
    event.save()
    venue_formset.instance = event
    venue_formset.save()
    for venue in event.venues.all():
        _fill_free_places(venue=venue)
    _fill_free_shuttle_seats(event=event)
    return event


def _transition(event, new_status):
    if new_status not in Event.TRANSITIONS[event.status]:
        raise EventRuleError(
            _("An event that is %(status)s cannot be changed that way.")
            % {"status": event.get_status_display()}
        )
    event.status = new_status


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
        status=Status.CANCELLED, shuttle=Shuttle.NONE, cancelled_at=now
    )
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


def _shuttle_taken(event):
    return event.registrations.filter(shuttle=Shuttle.CONFIRMED, status__in=HOLDS_PLACE).count()


def registration_create(*, member, event, venue_id, wants_shuttle=False, now=None) -> Registration:
    """Signs a member up: a free place → confirmed, a full venue → its waiting
    list. Online attendance has no limit. At most one active registration per
    member and event, however fast the clicks."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event.pk)
            venue = _check_signup(member=member, event=event, venue_id=venue_id,
                                  wants_shuttle=wants_shuttle, now=now)  # fmt: skip
            registration = Registration(
                event=event, member=member, venue=venue, wants_shuttle=wants_shuttle
            )
            if venue is None or _confirmed_count(venue) < venue.capacity:
                registration.status = Status.CONFIRMED
                registration.confirmed_at = now
                if wants_shuttle:
                    registration.shuttle = (
                        Shuttle.CONFIRMED
                        if _shuttle_taken(event) < event.shuttle_seats
                        else Shuttle.WAITLISTED
                    )
            else:
                registration.status = Status.WAITLISTED
            registration.save()
            return registration
    except IntegrityError as exc:
        raise EventRuleError(_("You are already registered for this event.")) from exc


def _check_signup(*, member, event, venue_id, wants_shuttle, now):
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
    if event.registrations.filter(member=member, status__in=Registration.ACTIVE).exists():
        raise EventRuleError(_("You are already registered for this event."))
    if venue_id is None:
        if not event.has_online:
            raise EventRuleError(_("This event cannot be attended online."))
        if wants_shuttle:
            raise EventRuleError(_("A shuttle seat goes with a place at a venue, not online."))
        return None
    venue = Venue.objects.filter(pk=venue_id, event=event).first()
    if venue is None:
        raise EventRuleError(_("Choose one of this event's venues."))
    if wants_shuttle and not event.has_shuttle:
        raise EventRuleError(_("This event has no shuttle."))
    return venue


def _promote(registration, now):
    registration.status = Status.CONFIRMED
    registration.confirmed_at = now
    if registration.wants_shuttle:
        # Queued for a seat; _fill_free_shuttle_seats hands out what is free.
        registration.shuttle = Shuttle.WAITLISTED
    registration.save(update_fields=["status", "confirmed_at", "shuttle"])
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
    """Moves waitlisted members of the venue up, in arrival order, while places are free."""
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
    _fill_free_shuttle_seats(event=venue.event)
    return waiting


def _fill_free_shuttle_seats(*, event):
    free = event.shuttle_seats - _shuttle_taken(event)
    if free <= 0:
        return
    waiting = (
        event.registrations.filter(shuttle=Shuttle.WAITLISTED, status__in=HOLDS_PLACE)
        .order_by("confirmed_at", "id")
        .values_list("pk", flat=True)[:free]
    )
    Registration.objects.filter(pk__in=list(waiting)).update(shuttle=Shuttle.CONFIRMED)


def registration_cancel(*, member, registration, now=None) -> Registration:
    """The member gives up their place (or leaves the waiting list); the first
    waitlisted member of the same venue gets it in the same transaction."""
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
        registration.shuttle = Shuttle.NONE
        registration.save(update_fields=["status", "cancelled_at", "shuttle"])
        if held_place and registration.venue_id:
            _fill_free_places(venue=registration.venue, now=now)
        _fill_free_shuttle_seats(event=event)
        return registration


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
        return registration


# --- reminders (Celery beat) -------------------------------------------------


def event_send_reminders(*, now=None) -> int:
    """Reminds everyone confirmed of an event that starts within 24 hours. The
    notification key makes each reminder go out once, whatever the retries."""
    now = now or timezone.now()
    registrations = (
        Registration.objects.filter(
            status=Status.CONFIRMED,
            event__status=Event.Status.PUBLISHED,
            event__starts_at__gt=now,
            event__starts_at__lte=now + timedelta(hours=24),
            member__user__isnull=False,
        )
        .select_related("event", "venue__campus", "member__user")
        .order_by("id")
    )
    sent = 0
    for registration in registrations.iterator(chunk_size=500):
        notify(
            user=registration.member.user,
            key=f"event-reminder:{registration.pk}",
            subject=format_lazy(gettext_lazy("Tomorrow: {title}"), title=registration.event.title),
            body=reminder_text(registration),
            url=_event_url(registration.event),
        )
        sent += 1
    return sent


def reminder_text(registration):
    event = registration.event

    def render():
        lines = [
            _("%(title)s starts at %(time)s.")
            % {"title": event.title, "time": _local(event.starts_at)}
        ]
        if registration.venue_id:
            lines.append(_("Venue: %(venue)s") % {"venue": registration.venue})
        else:
            lines.append(_("Online: %(link)s") % {"link": event.online_url})
        if registration.shuttle == Shuttle.CONFIRMED:
            lines.append(
                _("Your shuttle seat: departs %(time)s from %(place)s.")
                % {
                    "time": _local(event.shuttle_departs_at) if event.shuttle_departs_at else "",
                    "place": event.shuttle_departure_place,
                }
            )
        elif registration.shuttle == Shuttle.WAITLISTED:
            lines.append(_("You are still on the shuttle waiting list."))
        lines.append(_("Your check-in code: %(code)s") % {"code": registration.checkin_code})
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
