"""Shuttle trips: seats per trip out and back, first claim for the far campus,
seats added and dropped without touching the place, waiting lists that move up."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation

from events import services
from events.models import Registration, ShuttleSeat, ShuttleTrip
from events.selectors import seat_position
from tests.factories import EventFactory, MemberFactory, UserFactory, VenueFactory
from union_portal.core.models import Notification

pytestmark = pytest.mark.django_db
Seat = ShuttleSeat.Status


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def far_members(branch, campuses, n):
    return [
        MemberFactory(branch=branch, home_campus=campuses[1], user=UserFactory()) for _ in range(n)
    ]


def register(member, venue, out=None, back=None, **kwargs):
    return services.registration_create(
        member=member,
        event=venue.event,
        venue_id=venue.pk,
        out_trip_id=out.pk if out else None,
        back_trip_id=back.pk if back else None,
        **kwargs,
    )


def choose(registration, direction, trip, **kwargs):
    return services.registration_choose_trip(
        member=registration.member,
        registration=registration,
        direction=direction,
        trip_id=trip.pk if trip else None,
        **kwargs,
    )


def test_member_registers_with_a_trip_out_and_back(walk, branch, campuses):
    _event, venue, out, back = walk
    (member,) = far_members(branch, campuses, 1)
    registration = register(member, venue, out, back)
    seats = {s.direction: s for s in registration.seats.all()}
    assert seats["out"].trip == out and seats["out"].status == Seat.CONFIRMED
    assert seats["back"].trip == back and seats["back"].status == Seat.CONFIRMED


def test_dropping_and_adding_a_seat_keeps_the_place(walk, branch, campuses):
    _event, venue, out, back = walk
    (member,) = far_members(branch, campuses, 1)
    registration = register(member, venue, out, back)
    before = Registration.objects.get(pk=registration.pk)
    assert choose(registration, "back", None) is None
    after = Registration.objects.get(pk=registration.pk)
    assert (after.status, after.checkin_code, after.confirmed_at) == (
        before.status,
        before.checkin_code,
        before.confirmed_at,
    )
    assert list(after.seats.values_list("direction", flat=True)) == ["out"]
    assert choose(registration, "back", back).status == Seat.CONFIRMED
    assert Registration.objects.get(pk=registration.pk).status == "confirmed"


def test_full_trip_waitlists_and_a_freed_seat_goes_to_the_first_waiting_once(
    walk, branch, campuses
):
    _event, venue, out, _back = walk
    a, b, c, d = far_members(branch, campuses, 4)
    first = register(a, venue, out)
    register(b, venue, out)
    third, fourth = register(c, venue, out), register(d, venue, out)
    waiting = [third.seats.get(), fourth.seats.get()]
    assert [s.status for s in waiting] == [Seat.WAITLISTED, Seat.WAITLISTED]
    assert [seat_position(s) for s in waiting] == [1, 2]
    choose(first, "out", None)
    waiting = [ShuttleSeat.objects.get(pk=s.pk) for s in waiting]
    assert [s.status for s in waiting] == [Seat.CONFIRMED, Seat.WAITLISTED]
    assert seat_position(waiting[1]) == 1
    note = Notification.objects.get(user=c.user)
    assert note.key == f"shuttle-seat:{waiting[0].pk}" and "健步走" in note.subject
    # Nothing else moves: nobody else is told, the place of the member who
    # dropped the seat is still theirs.
    assert not Notification.objects.filter(user=d.user).exists()
    assert Registration.objects.get(pk=first.pk).status == "confirmed"


def test_cancelling_the_registration_hands_its_seats_on(walk, branch, campuses):
    _event, venue, out, back = walk
    a, b, c = far_members(branch, campuses, 3)
    first = register(a, venue, out, back)
    register(b, venue, out, back)
    third = register(c, venue, out, back)
    assert set(third.seats.values_list("status", flat=True)) == {Seat.WAITLISTED}
    services.registration_cancel(member=a, registration=first)
    assert set(third.seats.values_list("status", flat=True)) == {Seat.CONFIRMED}
    assert not first.seats.exists()


def test_a_seat_waits_for_the_place_then_comes_with_it(walk, branch, campuses):
    event, venue, out, _back = walk
    venue.capacity = 1
    venue.save()
    a, b = far_members(branch, campuses, 2)
    place = register(a, venue, out)
    waiting = register(b, venue, out)
    assert waiting.status == "waitlisted"
    seat = waiting.seats.get()
    # A free seat is not handed to someone without a place.
    assert seat.status == Seat.WAITLISTED and seat_position(seat) is None
    services.registration_cancel(member=a, registration=place)
    seat.refresh_from_db()
    assert seat.status == Seat.CONFIRMED


def test_far_campus_members_have_first_claim_until_the_cut_off(walk, branch, campuses, settings):
    settings.PORTAL_SHUTTLE_PRIORITY_HOURS = 48
    _event, venue, out, _back = walk
    near_member = MemberFactory(branch=branch, home_campus=campuses[0], user=UserFactory())
    (far_member,) = far_members(branch, campuses, 1)
    cut_off = out.departs_at - timedelta(hours=48)
    before = cut_off - timedelta(minutes=1)
    with pytest.raises(services.EventRuleError, match="Seats open to everyone from"):
        register(near_member, venue, out, now=before)
    # Refused as a whole: no registration without the seat asked for.
    assert not Registration.objects.filter(member=near_member).exists()
    assert register(far_member, venue, out, now=before).seats.get().status == Seat.CONFIRMED
    registration = register(near_member, venue, now=before)
    with pytest.raises(services.EventRuleError, match="another campus"):
        choose(registration, "out", out, now=before)
    assert choose(registration, "out", out, now=cut_off).status == Seat.CONFIRMED


def test_the_cut_off_follows_the_setting(walk, branch, campuses, settings):
    _event, venue, out, _back = walk
    near_member = MemberFactory(branch=branch, home_campus=campuses[0], user=UserFactory())
    registration = register(near_member, venue)
    with pytest.raises(services.EventRuleError, match="another campus"):
        choose(registration, "out", out)
    # Opening seats to everyone 30 days before departure: already open.
    settings.PORTAL_SHUTTLE_PRIORITY_HOURS = 24 * 30
    assert choose(registration, "out", out).status == Seat.CONFIRMED


@pytest.mark.parametrize("case", ["other event", "wrong direction", "online", "left"])
def test_bad_seat_requests_are_refused_and_change_nothing(walk, branch, campuses, case):
    event, venue, out, back = walk
    (member,) = far_members(branch, campuses, 1)
    if case == "online":
        event.online_url = "https://meeting.example.cn/1"
        event.save()
        registration = services.registration_create(member=member, event=event, venue_id=None)
        trip, message = out, "not online"
    else:
        registration = register(member, venue)
        trip, message = out, "Choose one"
        if case == "other event":
            other = EventFactory(branch=branch)
            trip = ShuttleTrip.objects.create(
                event=other, direction="out", departure_campus=campuses[1],
                departure_place="x", departs_at=other.starts_at, seats=5,
            )  # fmt: skip
        elif case == "wrong direction":
            trip = back
        else:
            trip, message = out, "already left"
    now = out.departs_at + timedelta(minutes=1) if case == "left" else None
    with pytest.raises(services.EventRuleError, match=message):
        choose(registration, "out", trip, now=now)
    assert not ShuttleSeat.objects.exists()


def test_seats_of_someone_else_cannot_be_changed(walk, branch, campuses):
    _event, venue, out, _back = walk
    a, b = far_members(branch, campuses, 2)
    registration = register(a, venue, out)
    with pytest.raises(services.EventRuleError, match="not yours"):
        services.registration_choose_trip(
            member=b, registration=registration, direction="out", trip_id=None
        )
    assert registration.seats.count() == 1


def test_changing_trip_moves_the_seat_and_frees_the_old_one(walk, branch, campuses):
    event, venue, out, _back = walk
    later = ShuttleTrip.objects.create(
        event=event, direction="out", departure_campus=campuses[1], departure_place="图书馆",
        departs_at=out.departs_at + timedelta(minutes=20), seats=5,
    )  # fmt: skip
    a, b, c = far_members(branch, campuses, 3)
    first = register(a, venue, out)
    register(b, venue, out)
    waiting = register(c, venue, out).seats.get()
    moved = choose(first, "out", later)
    assert moved.trip == later and moved.status == Seat.CONFIRMED
    assert first.seats.count() == 1
    waiting.refresh_from_db()
    assert waiting.status == Seat.CONFIRMED


def test_reminder_carries_the_departure_of_the_members_trips(branch, campuses):
    near, far = campuses
    event = EventFactory(
        branch=branch,
        starts_at=timezone.now() + timedelta(hours=20),
        signup_closes_at=timezone.now() + timedelta(hours=10),
    )
    venue = VenueFactory(event=event, campus=near, place="体育馆")
    out = ShuttleTrip.objects.create(
        event=event, direction="out", departure_campus=far, departure_place="行政楼前",
        departs_at=event.starts_at - timedelta(minutes=75), seats=1,
    )  # fmt: skip
    a, b = far_members(branch, campuses, 2)
    register(a, venue, out)
    register(b, venue, out)
    assert services.event_send_reminders() == 2
    services.event_send_reminders()
    body = Notification.objects.get(user=a.user, key__startswith="event-reminder").body
    departs = timezone.localtime(out.departs_at).strftime("%Y-%m-%d %H:%M")
    assert "行政楼前" in body and departs in body and "临港校区" in body
    waiting = Notification.objects.get(user=b.user, key__startswith="event-reminder").body
    assert "候补" in waiting and departs in waiting  # in the member's language
    assert Notification.objects.filter(key__startswith="event-reminder").count() == 2


def test_cancelling_the_event_releases_every_seat(walk, branch, campuses):
    event, venue, out, back = walk
    (member,) = far_members(branch, campuses, 1)
    register(member, venue, out, back)
    services.event_cancel(actor=UserFactory(), event=event, reason="下雨")
    assert not ShuttleSeat.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_thirty_members_race_for_five_seats(branch, campuses):
    near, far = campuses
    event = EventFactory(branch=branch)
    venue = VenueFactory(event=event, campus=near, capacity=100)
    trip = ShuttleTrip.objects.create(
        event=event, direction="out", departure_campus=far, departure_place="行政楼前",
        departs_at=event.starts_at - timedelta(hours=1), seats=5,
    )  # fmt: skip
    crowd = [MemberFactory(branch=branch, home_campus=far) for _ in range(30)]
    registrations = [register(m, venue) for m in crowd]
    start = threading.Barrier(len(crowd))
    errors = []

    def attempt(registration):
        try:
            start.wait()
            choose(registration, "out", trip)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(r,)) for r in registrations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    seats = list(ShuttleSeat.objects.filter(trip=trip).order_by("id"))
    assert [s.status for s in seats] == [Seat.CONFIRMED] * 5 + [Seat.WAITLISTED] * 25
    assert [seat_position(s) for s in seats[5:8]] == [1, 2, 3]
    assert Registration.objects.filter(event=event, status="confirmed").count() == 30


@pytest.mark.django_db(transaction=True)
def test_the_old_single_shuttle_becomes_a_trip_out_and_a_trip_back():
    executor = MigrationExecutor(connection)
    # The roster's later columns (性别, 出生日期) go too: the old models know nothing of them.
    old = [("events", "0001_initial"), ("members", "0005_member_calendar_feed_key")]
    executor.migrate(old)
    apps = executor.loader.project_state(old).apps
    Campus = apps.get_model("members", "Campus")
    Branch = apps.get_model("members", "Branch")
    Department = apps.get_model("members", "Department")
    Member = apps.get_model("members", "Member")
    User = apps.get_model("core", "User")
    Event = apps.get_model("events", "Event")
    Venue = apps.get_model("events", "Venue")
    Registration = apps.get_model("events", "Registration")
    near = Campus.objects.create(name="江湾校区")
    far = Campus.objects.create(name="临港校区")
    branch = Branch.objects.create(name="计算机学院分工会")
    department = Department.objects.create(name="软件工程系", branch=branch)
    user = User.objects.create(username="officer", email="o@example.cn")
    start = timezone.now() + timedelta(days=7)
    event = Event.objects.create(
        branch=branch, title="健步走", starts_at=start, ends_at=start + timedelta(hours=2),
        signup_opens_at=start - timedelta(days=7), signup_closes_at=start - timedelta(days=1),
        cancel_deadline=start - timedelta(days=1), created_by=user, status="published",
        shuttle_seats=2, shuttle_departs_at=start - timedelta(hours=1),
        shuttle_departure_place="临港校区行政楼前",
    )  # fmt: skip
    venue = Venue.objects.create(event=event, campus=near, place="田径场", capacity=10)
    states = [("confirmed", "confirmed"), ("confirmed", "confirmed"),
              ("confirmed", "waitlisted"), ("confirmed", "none"),
              ("cancelled", "none")]  # fmt: skip
    ids = []
    for n, (status, shuttle) in enumerate(states):
        member = Member.objects.create(
            staff_number=f"T{n}", name=f"成员{n}", branch=branch, department=department,
            home_campus=far, joined_on=start.date(),
        )  # fmt: skip
        ids.append(
            Registration.objects.create(
                event=event,
                member=member,
                venue=venue,
                status=status,
                shuttle=shuttle,
                wants_shuttle=shuttle != "none",
                checkin_code=f"CODE{n}",
                confirmed_at=timezone.now() + timedelta(seconds=n),
            ).pk  # fmt: skip
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    out, back = ShuttleTrip.objects.filter(event_id=event.pk).order_by("departs_at")
    assert (out.direction, out.seats, out.departure_place) == ("out", 2, "临港校区行政楼前")
    assert out.departure_campus.name == "临港校区"
    assert out.departs_at == start - timedelta(hours=1)
    assert (back.direction, back.seats, back.departure_campus.name) == ("back", 2, "江湾校区")
    assert back.departs_at >= start + timedelta(hours=2)
    for trip in (out, back):
        seats = {s.registration_id: s.status for s in trip.passengers.all()}
        assert seats == {ids[0]: "confirmed", ids[1]: "confirmed", ids[2]: "waitlisted"}
