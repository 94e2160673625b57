import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from members import services as member_services
from members.models import Member
from members.selectors import ROSTER_VERSION
from union_portal.core.branch_choice import chosen_branch
from union_portal.core.cache_versions import bump, cached, current, fragment_key
from union_portal.core.downloads import CSV, ICS, attachment, csv_bytes
from union_portal.core.pagination import paginate
from union_portal.core.preview import is_preview, preview_context, warn_if_removed
from union_portal.core.qrcode import qr_svg_file
from union_portal.core.roles import branches_where, login_required_403, roles_of
from union_portal.core.rules import perform
from union_portal.core.small_groups import is_shown, min_group_size

from . import ics, report, selectors, services
from .forms import (
    CancelEventForm,
    CheckInForm,
    EventFilterForm,
    EventForm,
    FeedResetForm,
    ReportFilterForm,
    SignupChoiceForm,
    SignupForm,
    TripChoiceForm,
    TripFormSet,
    VenueFormSet,
    trip_choices,
)
from .models import Event, Registration, ShuttleSeat, ShuttleTrip, Venue
from .permissions import (
    events_manager_required,
    get_event_for_editor,
    get_event_for_viewer,
    may_manage,
    may_see_passenger_phones,
    may_sign_up,
    report_required,
)

# The key of a personal calendar feed (Member.calendar_feed_key); anything else
# is not looked up at all.
FEED_KEY = re.compile(r"^[A-Za-z0-9_-]{32,43}$")


@login_required_403
def event_list(request):
    form = EventFilterForm(request.GET or None)
    filters = form.filters()
    return render(
        request,
        "events/event_list.html",
        {
            "filter_form": form,
            # The form's choices are the campuses and branches.
            "filter_key": fragment_key(request, current(ROSTER_VERSION)),
            **_event_cards(request, filters),
            "may_create": bool(branches_where(request.user, "events.manage")),
        },
    )


def _event_cards(request, filters):
    """{"count", "cards"}: the list's page of event cards as HTML, the same for
    everyone who sees the same events (selectors.visibility_key), so rendered
    once per change to events, registrations or seats (services.CACHE_VERSION)
    or to branch names (ROSTER_VERSION), per filter and page, and only until the
    next event ends (it then leaves the events to come)."""

    def render_cards():
        events = selectors.event_list(user=request.user, filters=filters)
        page, query = paginate(request, events, 20)
        cards = render_to_string("events/_event_cards.html", {"page": page, "query": query})
        return selectors.next_end(now), page.paginator.count, cards

    now = timezone.now()
    key = "event-list:" + fragment_key(
        request, current(ROSTER_VERSION), selectors.visibility_key(request.user)
    )
    next_end, count, cards = cached(services.CACHE_VERSION, key, render_cards)
    if next_end is not None and now >= next_end:
        bump(services.CACHE_VERSION, at_once=True)  # an event has ended: stale for all
        next_end, count, cards = cached(services.CACHE_VERSION, key, render_cards)
    return {"count": count, "cards": mark_safe(cards)}  # noqa: S308 (rendered above)


@login_required_403
def my_events(request):
    member = roles_of(request.user).member
    feed_url = None
    if member is not None:
        feed_path = reverse("events:feed", args=[member.calendar_feed_key])
        feed_url = request.build_absolute_uri(feed_path)
    return render(
        request,
        "events/my_events.html",
        {**_my_event_rows(member, request.GET.get("page")), "feed_url": feed_url,
         "feed_reset_form": FeedResetForm()},
    )  # fmt: skip


def _my_event_rows(member, page_number):
    """{"count", "rows"}: the page of the member's registrations as HTML, rendered
    once per change to events, registrations or seats (services.CACHE_VERSION) or
    to campus names, per member, page and language."""

    def render_rows():
        registrations = (
            selectors.registrations_of(member) if member else Registration.objects.none()
        )
        page = Paginator(registrations, 20).get_page(page_number)
        return page.paginator.count, render_to_string(
            "events/_my_event_rows.html", {"page": page, "query": ""}
        )

    if member is None:
        count, rows = render_rows()
    else:
        key = f"my-events:{member.pk}:{str(page_number)[:9]}:roster{current(ROSTER_VERSION)}"
        count, rows = cached(services.CACHE_VERSION, key, render_rows)
    return {"count": count, "rows": mark_safe(rows)}  # noqa: S308 (rendered above)


@require_POST
@login_required_403
def feed_reset(request):
    """A new private calendar link; the old one stops working. The box must be
    ticked: calendar apps subscribed to the old link stop updating."""
    member = roles_of(request.user).member
    if member is None:
        raise Http404
    form = FeedResetForm(request.POST)
    if form.is_valid():
        member_services.member_calendar_feed_reset(member=member)
        messages.success(
            request,
            _("You have a new calendar link. Add it to your calendar app; the old one is void."),
        )
    else:
        messages.error(
            request,
            _("Nothing was changed: tick the box to confirm the old link may stop working."),
        )
    return redirect("events:mine")


@login_required_403
def event_detail(request, pk):
    event = get_event_for_viewer(request.user, pk)
    member = roles_of(request.user).member
    venues, trips = _places(event)
    registration = selectors.active_registration(event, member, seats=bool(trips), venues=venues)
    now = timezone.now()
    for trip in trips:
        trip.left = max(trip.seats - trip.taken, 0)
        trip.opens_at = trip.opens_to_everyone_at()
        trip.priority_now = now < trip.opens_at
    context = {
        "event": event,
        "venues": venues,
        "trips": trips,
        "registration": registration,
        "may_manage": may_manage(request.user, event),
        "signup_form": SignupForm(event=event, venues=venues, trips=trips)
        if may_sign_up(request.user, event) and not registration and event.signup_is_open()
        else None,
    }
    if registration:
        context["position"] = selectors.waitlist_position(registration)
        # The QR code is drawn by its own URL (registration_qr), when the browser
        # asks for the image: drawing it costs more than the rest of the page.
        context["show_qr"] = registration.status != Registration.Status.WAITLISTED
        if trips and registration.venue_id and event.status == Event.Status.PUBLISHED:
            context["my_trips"] = _my_trips(registration, trips)
    return render(request, "events/event_detail.html", context)


def _places(event):
    """The event's venues with their places taken and its trips with their seats
    taken, the same for every reader: read once per change to events,
    registrations or seats (services.CACHE_VERSION) or to campus names."""
    return cached(
        services.CACHE_VERSION,
        f"event-places:{event.pk}:roster{current(ROSTER_VERSION)}",
        lambda: (
            list(selectors.venues_with_counts().filter(event=event)),
            list(selectors.trips_with_counts().filter(event=event)),
        ),
    )


def _my_trips(registration, trips):
    """Per direction: the member's seat (with its queue position) and the choice
    of trip to add, change or drop it."""
    seats = {seat.direction: seat for seat in registration.seats.all()}
    rows = []
    for direction, label in ShuttleTrip.Direction.choices:
        options = [t for t in trips if t.direction == direction]
        if not options:
            continue
        seat = seats.get(direction)
        if seat is not None:
            seat.registration = registration
            seat.position = selectors.seat_position(seat)
        rows.append(
            {
                "direction": direction,
                "label": label,
                "seat": seat,
                "choices": trip_choices(options, _("No seat")),
            }
        )
    return rows


@require_POST
@login_required_403
def register(request, pk):
    event = get_event_for_viewer(request.user, pk)
    member = roles_of(request.user).member
    if member is None:
        messages.error(request, _("Only members on the roster can sign up."))
        return redirect(event_url(event))
    if not may_sign_up(request.user, event):
        raise Http404  # another branch's event, seen as the university liaison
    form = SignupChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of this event's venues."))
        return redirect(event_url(event))
    out_trip_id, back_trip_id = form.trip_id("out_trip"), form.trip_id("back_trip")
    registration = perform(
        request,
        lambda: services.registration_create(
            member=member,
            event=event,
            venue_id=form.venue_id(),
            out_trip_id=out_trip_id,
            back_trip_id=back_trip_id,
        ),
    )
    if registration is not None:
        if registration.status == Registration.Status.CONFIRMED:
            messages.success(request, _("You are registered. See you there!"))
        else:
            messages.warning(
                request,
                _("The venue is full: you are number %(position)d on its waiting list.")
                % {"position": registration.waitlist_position},
            )
            # The seats asked for wait with the place (a refused seat refuses the sign-up).
            if out_trip_id is not None or back_trip_id is not None:
                messages.info(
                    request,
                    _("A shuttle seat goes with a confirmed place: you will get one, if any "
                      "is free, when a place becomes yours."),
                )  # fmt: skip
    return redirect(event_url(event))


@never_cache
@login_required_403
def registration_qr(request, pk):
    """The QR code of the member's own check-in code, as an SVG image (the event
    page shows it): only to the member, only while the place is theirs, never
    stored by a cache or a browser."""
    member = roles_of(request.user).member
    registration = (
        Registration.objects.filter(pk=pk, member=member, status__in=Registration.HOLDS_PLACE)
        .only("checkin_code")
        .first()
        if member
        else None
    )
    if registration is None:
        raise Http404
    return HttpResponse(qr_svg_file(registration.checkin_code), content_type="image/svg+xml")


@require_POST
@login_required_403
def choose_trip(request, pk):
    """The member adds, changes or drops a shuttle seat; the place stays theirs."""
    member = roles_of(request.user).member
    registration = (
        Registration.objects.filter(pk=pk, member=member).select_related("event").first()
        if member
        else None
    )
    if registration is None:
        raise Http404
    form = TripChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of this event's shuttle trips."))
        return redirect(event_url(registration.event))
    trip_id = form.cleaned_data["trip"]

    def done(seat):
        if seat is None:
            return _("Your seat was given up; your place at the event is still yours.")
        if seat.status == ShuttleSeat.Status.CONFIRMED:
            return _("Your shuttle seat is confirmed.")
        return _("The trip is full: you are on its waiting list.")

    perform(
        request,
        lambda: services.registration_choose_trip(
            member=member,
            registration=registration,
            direction=form.cleaned_data["direction"],
            trip_id=trip_id,
        ),
        done,
    )
    return redirect(event_url(registration.event))


@require_POST
@login_required_403
def cancel_registration(request, pk):
    member = roles_of(request.user).member
    registration = (
        Registration.objects.filter(pk=pk, member=member).select_related("event").first()
        if member
        else None
    )
    if registration is None:
        raise Http404
    perform(
        request,
        lambda: services.registration_cancel(member=member, registration=registration),
        _("Your registration was cancelled."),
    )
    return redirect(event_url(registration.event))


def event_url(event):
    return reverse("events:detail", args=[event.pk])


@events_manager_required
def event_create(request):
    return _event_form(request, Event())


@events_manager_required
def event_edit(request, pk):
    return _event_form(request, get_event_for_editor(request.user, pk))


def _event_form(request, event):
    if event.status == Event.Status.CANCELLED:
        messages.error(request, _("A cancelled event cannot be edited."))
        return redirect(event_url(event))
    # An officer of several branches picks one (?branch=); the usual case has one.
    choice = chosen_branch(request, "events.manage") if event.pk is None else None
    form = EventForm(request.POST or None, instance=event)
    venues = VenueFormSet(request.POST or None, instance=event, prefix="venues")
    trips = TripFormSet(request.POST or None, instance=event, prefix="trips")
    # Preview shows the description as members will read it and saves nothing.
    previewing = is_preview(request)
    saving = request.method == "POST" and not previewing
    if saving and all([form.is_valid(), venues.is_valid(), trips.is_valid()]):
        if choice is not None:
            form.instance.branch_id = choice.pk
        event = services.event_save(
            actor=request.user, form=form, venue_formset=venues, trip_formset=trips
        )
        messages.success(request, _("The event was saved."))
        warn_if_removed(request, form.cleaned_data["description"])
        return redirect(event_url(event))
    return render(
        request,
        "events/event_form.html",
        {
            "form": form,
            "venues": venues,
            "trips": trips,
            "event": event if event.pk else None,
            "choice": choice,
            "preview": previewing and preview_context(form["description"].value()),
        },  # fmt: skip
    )


@require_POST
@events_manager_required
def event_publish(request, pk):
    event = get_event_for_editor(request.user, pk)
    perform(
        request,
        lambda: services.event_publish(actor=request.user, event=event),
        _("The event is published: members can sign up."),
    )
    return redirect(event_url(event))


@events_manager_required
def event_cancel(request, pk):
    event = get_event_for_editor(request.user, pk)
    form = CancelEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        perform(
            request,
            lambda: services.event_cancel(
                actor=request.user, event=event, reason=form.cleaned_data["reason"]
            ),
            _("The event was cancelled and everyone registered was told."),
        )
        return redirect(event_url(event))
    registered = event.registrations.filter(status__in=Registration.ACTIVE).count()
    return render(
        request,
        "events/event_cancel.html",
        {"event": event, "form": form, "registered": registered},
    )


@events_manager_required
def check_in(request, pk):
    event = get_event_for_editor(request.user, pk)
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        perform(
            request,
            lambda: services.registration_check_in(
                actor=request.user, event=event, code=form.cleaned_data["code"]
            ),
            lambda registration: (
                _("%(name)s is checked in (%(where)s).")
                % {"name": registration.member.name, "where": registration.venue or _("online")}
            ),
        )
        return redirect("events:check_in", pk=event.pk)
    counts = {
        status: event.registrations.filter(status=status).count()
        for status in (Registration.Status.CONFIRMED, Registration.Status.ATTENDED)
    }
    return render(
        request,
        "events/check_in.html",
        {
            "event": event,
            "form": form,
            "confirmed": counts["confirmed"],
            "attended": counts["attended"],
        },
    )


@events_manager_required
def roll_call(request, pk):
    event = get_event_for_editor(request.user, pk)
    return render(
        request, "events/roll_call.html", {"event": event, "sheet": _roll_call_sheet(event)}
    )


def _roll_call_sheet(event):
    """The sheet's tables as HTML, the same for every officer who may open it
    (checked above): rendered once per change to events, registrations or seats
    (services.CACHE_VERSION: a check-in bumps it) or to the roster (names,
    staff numbers, departments), per event and language. It shows no check-in
    code."""
    sheet = cached(
        services.CACHE_VERSION,
        f"roll-call:{event.pk}:roster{current(ROSTER_VERSION)}",
        lambda: render_to_string(
            "events/_roll_call_tables.html", {"registrations": selectors.roll_call(event)}
        ),
    )
    return mark_safe(sheet)  # noqa: S308 (rendered above)


@events_manager_required
def passengers(request, pk):
    """乘车名单: per trip, who rides (and who waits), printable; phone numbers only
    for the branch's officers."""
    event = get_event_for_editor(request.user, pk)
    trips = list(selectors.passenger_list(event))
    for trip in trips:
        trip.riders = [s for s in trip.active_seats if s.status == ShuttleSeat.Status.CONFIRMED]
        trip.queue = [s for s in trip.active_seats if s.status == ShuttleSeat.Status.WAITLISTED]
    return render(
        request,
        "events/passengers.html",
        {
            "event": event,
            "trips": trips,
            "show_phones": may_see_passenger_phones(request.user, event),
        },
    )


def _vevents(request, event, registration):
    """The event, and each shuttle trip the member has a seat on (or waits for)
    at its own departure time and place."""
    url = request.build_absolute_uri(event_url(event))
    host = request.get_host()
    if registration is None:
        location = "; ".join(str(v) for v in event.venues.all())
    else:
        location = str(registration.venue or _("Online"))
    seats = list(registration.seats.all()) if registration is not None else []
    trips = [
        (_("Shuttle %(direction)s: departs %(time)s from %(place)s, %(campus)s")
         + ("" if s.status == ShuttleSeat.Status.CONFIRMED else _(" (waiting list)")))
        % {"direction": s.trip.get_direction_display(), "time": _local_time(s.trip.departs_at),
           "place": s.trip.departure_place, "campus": s.trip.departure_campus}
        for s in seats
    ]  # fmt: skip
    vevents = [ics.vevent(event, url=url, location=location, host=host, extra_lines=trips)]
    for seat in seats:
        vevents.append(
            ics.trip_vevent(
                seat,
                event=event,
                url=url,
                host=host,
                summary=_("Shuttle %(direction)s: %(title)s")
                % {"direction": seat.trip.get_direction_display(), "title": event.title},
            )
        )
    return vevents


def _local_time(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


@login_required_403
def event_ics(request, pk):
    event = get_event_for_viewer(request.user, pk)
    registration = selectors.active_registration(event, roles_of(request.user).member)
    event = Event.objects.prefetch_related(
        Prefetch("venues", queryset=Venue.objects.select_related("campus"))
    ).get(pk=event.pk)
    body = ics.calendar(_vevents(request, event, registration), name=event.title)
    return attachment(body, f"event-{event.pk}.ics", ICS)


def personal_feed(request, token):
    """The member's registrations as a calendar feed; the random key in the link
    is the only credential (calendar apps have no session)."""
    if not FEED_KEY.match(token):
        raise Http404
    member = Member.objects.filter(calendar_feed_key=token).first()
    if member is None:
        raise Http404
    registrations = (
        Registration.objects.filter(member=member, status__in=Registration.ACTIVE)
        .select_related("event", "venue__campus")
        .prefetch_related(Prefetch("seats", queryset=selectors.seats_with_trips()))
    )
    vevents = []
    for registration in registrations:
        vevents += _vevents(request, registration.event, registration)
    return attachment(ics.calendar(vevents, name=_("My union events")), "my-events.ics", ICS)


def _participation(request):
    form = ReportFilterForm(request.GET or None)
    filters = form.filters()
    data = report.cached_participation(
        branch_ids=branches_where(request.user, "events.report"),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    return form, data


@report_required
def participation_report(request):
    form, data = _participation(request)
    shown = [row["registered"] for row in data["campus"] + data["department"]]
    scale = max((n for n in shown if is_shown(n)), default=0) or 1
    # The tables as shown, for every reader of the same branches.
    page_key = fragment_key(
        request,
        current(services.CACHE_VERSION),
        current(ROSTER_VERSION),
        sorted(branches_where(request.user, "events.report")),
        min_group_size(),
    )
    return render(
        request,
        "events/report.html",
        {"form": form, "data": data, "chart_scale": scale, "query": request.GET.urlencode(),
         "page_key": page_key},
    )  # fmt: skip


def _percent(value):
    return f"{value}%" if is_shown(value) else (value if value is not None else "")


@report_required
def participation_report_csv(request):
    _form, data = _participation(request)
    rows = [[
        _("Grouping"), _("Name"), _("Active members"), _("Registration rate"),
        _("Attendance rate"), _("Registered"), _("Attended"), _("No-shows"),
        _("Registrations for events to come"),
    ]]  # fmt: skip
    labels = {"campus": _("Campus"), "department": _("Department"), "event": _("Event")}
    for key, label in labels.items():
        rows += [
            [
                label,
                row["name"],
                row.get("members", ""),
                _percent(row.get("registration_rate")),
                _percent(row.get("attendance_rate")),
                row["registered"],
                row["attended"],
                row["no_show"],
                row["upcoming"],
            ]  # fmt: skip
            for row in data[key]
        ]
    return attachment(csv_bytes(rows), "participation.csv", CSV)
