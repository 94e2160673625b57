"""Shuttle trips on the pages: the event form, the event page, the member's seat
choice, the .ics files, the passenger list and what each role sees there."""

import time
from datetime import UTC, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Registration, ShuttleSeat, ShuttleTrip
from events.tasks import send_event_reminders
from tests.events.test_pages import FMT, event_post
from tests.factories import EventFactory, MemberFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db


def local(dt):
    return timezone.localtime(dt).strftime(FMT)


def trips_post(trips, initial=0):
    data = {
        "trips-TOTAL_FORMS": str(len(trips)),
        "trips-INITIAL_FORMS": str(initial),
        "trips-MIN_NUM_FORMS": "0",
        "trips-MAX_NUM_FORMS": "10",
    }
    for n, trip in enumerate(trips):
        data.update({f"trips-{n}-{key}": value for key, value in trip.items()})
    return data


def edit_post(event, venue, trips):
    """The event form as it is shown for `event`, with `trips` rows for its trips."""
    data = event_post(
        venue.campus,
        **{
            "title": event.title,
            "starts_at": local(event.starts_at),
            "ends_at": local(event.ends_at),
            "signup_opens_at": local(event.signup_opens_at),
            "signup_closes_at": local(event.signup_closes_at),
            "cancel_deadline": local(event.cancel_deadline),
            "venues-INITIAL_FORMS": "1",
            "venues-0-id": venue.pk,
            "venues-0-capacity": str(venue.capacity),
        },
    )
    data.update(trips_post(trips, initial=sum(1 for t in trips if "id" in t)))
    return data


def trip_row(trip, **changes):
    row = {
        "id": trip.pk,
        "direction": trip.direction,
        "departure_campus": trip.departure_campus_id,
        "departure_place": trip.departure_place,
        "departs_at": local(trip.departs_at),
        "seats": str(trip.seats),
    }
    row.update(changes)
    return row


def test_officer_creates_an_event_with_trips_out_and_back(client, people, campuses):
    near, far = campuses
    client.force_login(people["officer"])
    data = event_post(near)
    start = timezone.localtime(timezone.now() + timedelta(days=10))
    data.update(
        trips_post(
            [
                {"direction": "out", "departure_campus": far.pk, "departure_place": "行政楼前",
                 "departs_at": (start - timedelta(hours=1)).strftime(FMT), "seats": "30"},
                {"direction": "back", "departure_campus": near.pk, "departure_place": "南门",
                 "departs_at": (start + timedelta(hours=5)).strftime(FMT), "seats": "25"},
            ]
        )
    )  # fmt: skip
    response = client.post(reverse("events:create"), data)
    assert response.status_code == 302
    trips = ShuttleTrip.objects.order_by("-direction")
    assert [(t.direction, t.seats, t.departure_campus) for t in trips] == [
        ("out", 30, far),
        ("back", 25, near),
    ]


@pytest.mark.parametrize("problem", ["back before out", "negative seats", "no place"])
def test_bad_trips_are_explained_and_write_nothing(client, people, campuses, problem):
    near, far = campuses
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    start = timezone.localtime(timezone.now() + timedelta(days=10))
    out = {"direction": "out", "departure_campus": far.pk, "departure_place": "行政楼前",
           "departs_at": (start - timedelta(hours=1)).strftime(FMT), "seats": "30"}  # fmt: skip
    back = {**out, "direction": "back", "departs_at": (start + timedelta(hours=5)).strftime(FMT)}
    if problem == "back before out":
        back["departs_at"] = (start - timedelta(hours=2)).strftime(FMT)
    elif problem == "negative seats":
        out["seats"] = "-1"
    else:
        out["departure_place"] = ""
    data = event_post(near)
    data.update(trips_post([out, back]))
    response = client.post(reverse("events:create"), data)
    assert response.status_code == 200
    if problem == "back before out":
        assert "Every trip back must leave after every trip out" in response.content.decode()
    assert not ShuttleTrip.objects.exists()
    assert not response.context["trips"].is_valid()


def test_seats_cannot_drop_below_the_confirmed_count_nor_a_used_trip_go(
    client, people, branch, walk, campuses
):
    event, venue, out, back = walk
    for _ in range(2):
        member = MemberFactory(branch=branch, home_campus=campuses[1])
        services.registration_create(
            member=member, event=event, venue_id=venue.pk, out_trip_id=out.pk
        )
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    url = reverse("events:edit", args=[event.pk])
    response = client.post(url, edit_post(event, venue, [trip_row(out, seats="1"), trip_row(back)]))
    assert response.status_code == 200
    assert "2 members already have a confirmed seat" in response.content.decode()
    assert ShuttleTrip.objects.get(pk=out.pk).seats == 2
    response = client.post(
        url, edit_post(event, venue, [trip_row(out, DELETE="on"), trip_row(back)])
    )
    assert response.status_code == 200 and "has passengers" in response.content.decode()
    assert ShuttleTrip.objects.filter(pk=out.pk).exists()
    # An unused trip may go; raising the seats moves the waiting list up.
    waiting = services.registration_create(
        member=MemberFactory(branch=branch, home_campus=campuses[1]), event=event,
        venue_id=venue.pk, out_trip_id=out.pk,
    ).seats.get()  # fmt: skip
    assert waiting.status == "waitlisted"
    response = client.post(
        url, edit_post(event, venue, [trip_row(out, seats="3"), trip_row(back, DELETE="on")])
    )
    assert response.status_code == 302
    assert not ShuttleTrip.objects.filter(pk=back.pk).exists()
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_event_page_shows_seats_left_and_when_seats_open_to_everyone(
    client, people, walk, branch, campuses, settings
):
    settings.PORTAL_SHUTTLE_PRIORITY_HOURS = 48
    event, venue, out, back = walk
    services.registration_create(
        member=MemberFactory(branch=branch, home_campus=campuses[1]), event=event,
        venue_id=venue.pk, out_trip_id=out.pk,
    )  # fmt: skip
    client.force_login(people["member"])
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    opens = timezone.localtime(out.departs_at - timedelta(hours=48)).strftime("%Y-%m-%d %H:%M")
    assert "剩余 1 个座位" in page and "剩余 2 个座位" in page
    assert f"{opens}起所有会员均可选座" in page
    assert "行政楼前" in page and "南门" in page
    # No phone numbers on the member's page.
    assert "13812345678" not in page


def test_event_page_lists_trips_out_then_back_each_by_departure(client, people, walk, campuses):
    event, venue, out, back = walk
    ShuttleTrip.objects.create(
        event=event, direction="out", departure_campus=campuses[1], departure_place="图书馆",
        departs_at=out.departs_at + timedelta(minutes=30), seats=2,
    )  # fmt: skip
    client.force_login(people["member"])
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    places = [page.index(place) for place in ("行政楼前", "图书馆", "南门")]
    assert places == sorted(places)


def test_member_signs_up_with_trips_then_drops_the_back_seat_and_keeps_the_place(
    client, walk, branch, campuses
):
    event, venue, out, back = walk
    user = UserFactory()
    member = MemberFactory(branch=branch, home_campus=campuses[1], user=user)
    client.force_login(user)
    client.post(
        reverse("events:register", args=[event.pk]),
        {"where": venue.pk, "out_trip": out.pk, "back_trip": back.pk},
    )
    registration = Registration.objects.get(member=member)
    assert sorted(registration.seats.values_list("direction", flat=True)) == ["back", "out"]
    code = registration.checkin_code
    response = client.post(
        reverse("events:choose_trip", args=[registration.pk]),
        {"direction": "back", "trip": ""},
        follow=True,
    )
    assert "您的活动名额仍然保留" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "confirmed" and registration.checkin_code == code
    assert list(registration.seats.values_list("direction", flat=True)) == ["out"]


@pytest.mark.parametrize(
    "post",
    [
        {"direction": "out", "trip": "abc"},
        {"direction": "out", "trip": "９"},
        {"direction": "sideways", "trip": ""},
        {"direction": "back", "trip": "OUT"},
        {"direction": "out", "trip": "\x00"},
        {"direction": "out", "trip": "9" * 5000},
    ],
)
def test_bad_seat_choices_change_nothing(client, walk, branch, campuses, post):
    event, venue, out, _back = walk
    user = UserFactory()
    member = MemberFactory(branch=branch, home_campus=campuses[1], user=user)
    registration = services.registration_create(
        member=member, event=event, venue_id=venue.pk, out_trip_id=out.pk
    )
    client.force_login(user)
    response = client.post(reverse("events:choose_trip", args=[registration.pk]), post)
    assert response.status_code == 302
    assert list(ShuttleSeat.objects.values_list("trip_id", flat=True)) == [out.pk]


def test_a_trip_of_the_other_direction_is_refused_in_chinese(client, walk, branch, campuses):
    event, venue, out, back = walk
    user = UserFactory()
    member = MemberFactory(branch=branch, home_campus=campuses[1], user=user)
    registration = services.registration_create(member=member, event=event, venue_id=venue.pk)
    client.force_login(user)
    response = client.post(
        reverse("events:choose_trip", args=[registration.pk]),
        {"direction": "out", "trip": back.pk},
        follow=True,
    )
    assert "请选择本活动的班车班次。" in response.content.decode()
    assert not ShuttleSeat.objects.exists()


def test_ics_and_feed_carry_the_departure_of_the_members_trips(client, walk, branch, campuses):
    event, venue, out, back = walk
    user = UserFactory()
    member = MemberFactory(branch=branch, home_campus=campuses[1], user=user)
    services.registration_create(
        member=member, event=event, venue_id=venue.pk, out_trip_id=out.pk, back_trip_id=back.pk
    )
    client.force_login(user)
    departs = out.departs_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    body = client.get(reverse("events:ics", args=[event.pk])).content.decode()
    unfolded = body.replace("\r\n ", "")
    assert f"DTSTART:{departs}" in body and "行政楼前" in unfolded
    assert unfolded.count("BEGIN:VEVENT") == 3  # the event, the trip out, the trip back
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    feed_url = client.get(reverse("events:mine")).context["feed_url"]
    client.logout()
    feed = client.get(feed_url.replace("http://testserver", "")).content.decode()
    assert f"DTSTART:{departs}" in feed and "行政楼前" in feed.replace("\r\n ", "")


def test_reminder_on_a_real_worker_carries_the_trip_once(celery_worker, branch, campuses):
    near, far = campuses
    event = EventFactory(
        branch=branch,
        starts_at=timezone.now() + timedelta(hours=5),
        signup_closes_at=timezone.now() + timedelta(hours=1),
    )
    venue = VenueFactory(event=event, campus=near, place="大礼堂")
    trip = ShuttleTrip.objects.create(
        event=event, direction="out", departure_campus=far, departure_place="行政楼前",
        departs_at=event.starts_at - timedelta(hours=1), seats=3,
    )  # fmt: skip
    member = MemberFactory(branch=branch, home_campus=far, user=UserFactory())
    services.registration_create(member=member, event=event, venue_id=venue.pk, out_trip_id=trip.pk)
    send_event_reminders.delay()
    send_event_reminders.delay()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not mail.outbox:
        time.sleep(0.1)
    time.sleep(1.5)
    assert len(mail.outbox) == 1
    departs = timezone.localtime(trip.departs_at).strftime("%Y-%m-%d %H:%M")
    assert "行政楼前" in mail.outbox[0].body and departs in mail.outbox[0].body


@pytest.mark.parametrize(
    "role, status, phone_shown",
    [
        ("officer", 200, True),
        ("chair", 200, True),
        ("member", 403, False),
        ("liaison", 403, False),
        ("other_officer", 404, False),
    ],
)
def test_passenger_list_and_its_phones_only_for_the_branchs_officers(
    client, people, walk, campuses, branch, role, status, phone_shown
):
    event, venue, out, _back = walk
    rider = MemberFactory(branch=branch, home_campus=campuses[1], phone="13900001111")
    services.registration_create(member=rider, event=event, venue_id=venue.pk, out_trip_id=out.pk)
    client.force_login(people[role])
    response = client.get(reverse("events:passengers", args=[event.pk]))
    assert response.status_code == status
    page = response.content.decode()
    assert ("13900001111" in page) is phone_shown
    if phone_shown:
        assert rider.name in page and "行政楼前" in page and "data-print" in page
    # Nowhere else on the event's pages either.
    if role != "officer" and role != "chair":
        detail = client.get(reverse("events:detail", args=[event.pk])).content.decode()
        assert "13900001111" not in detail


def _trips_with_riders(branch, campuses, size):
    near, far = campuses
    events = []
    for _ in range(3):
        event = EventFactory(branch=branch)
        venue = VenueFactory(event=event, campus=near, capacity=size + 5)
        trips = [
            ShuttleTrip.objects.create(
                event=event, direction=d, departure_campus=far if d == "out" else near,
                departure_place="门口", seats=size // 2,
                departs_at=event.starts_at + timedelta(hours=-1 if d == "out" else 3),
            )
            for d in ("out", "back")
        ]  # fmt: skip
        for _ in range(size):
            services.registration_create(
                member=MemberFactory(branch=branch, home_campus=far), event=event,
                venue_id=venue.pk, out_trip_id=trips[0].pk, back_trip_id=trips[1].pk,
            )  # fmt: skip
        events.append(event)
    return events


@pytest.mark.parametrize("size", [4, 60])
def test_pages_listing_trips_cost_a_fixed_number_of_queries(
    client, people, branch, campuses, size, django_assert_max_num_queries
):
    events = _trips_with_riders(branch, campuses, size)
    member = people["member"].member
    member.home_campus = campuses[1]
    member.save()
    for event in events:
        services.registration_create(
            member=member,
            event=event,
            venue_id=event.venues.get().pk,
            out_trip_id=event.trips.get(direction="out").pk,
            back_trip_id=event.trips.get(direction="back").pk,
        )
    client.force_login(people["member"])
    # Measured: 8, 7, 11, 8, 7, 7 queries at 4 and at 60 riders per trip. The list's
    # cards, the member's rows and the event's places and seats are cached: the
    # first reader after a change pays for them (the list also asks when the next
    # event ends), the next does not.
    with django_assert_max_num_queries(10):  # the branch filter's choices are 2 of them
        assert client.get(reverse("events:list")).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(reverse("events:list")).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(reverse("events:mine")).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(reverse("events:mine")).status_code == 200
    with django_assert_max_num_queries(11):
        assert client.get(reverse("events:detail", args=[events[0].pk])).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("events:detail", args=[events[0].pk])).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("events:ics", args=[events[0].pk])).status_code == 200
    client.force_login(people["officer"])
    with django_assert_max_num_queries(7):
        assert client.get(reverse("events:passengers", args=[events[0].pk])).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(reverse("events:roll_call", args=[events[0].pk])).status_code == 200
    # The sheet's tables are cached: the next officer reads the event alone.
    with django_assert_max_num_queries(5):
        assert client.get(reverse("events:roll_call", args=[events[0].pk])).status_code == 200


def test_a_venue_with_registrations_cannot_be_removed(client, people, walk, branch, campuses):
    """The formset skips validation of a form marked for deletion, so the venue's
    own check never ran and its registrations went with it."""
    event, venue, _out, _back = walk
    registration = services.registration_create(
        member=MemberFactory(branch=branch), event=event, venue_id=venue.pk
    )
    client.force_login(people["officer"])
    data = edit_post(event, venue, [])
    data["venues-0-DELETE"] = "on"
    response = client.post(reverse("events:edit", args=[event.pk]), data)
    assert response.status_code == 200
    assert Registration.objects.filter(pk=registration.pk).exists()
