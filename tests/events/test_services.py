import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation

from events import services
from events.models import Event, Registration
from events.selectors import waitlist_position
from tests.factories import CampusFactory, EventFactory, MemberFactory, UserFactory, VenueFactory
from union_portal.core.models import Notification

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English here; the Chinese ones are tested on the pages."""
    with translation.override("en"):
        yield


def members(branch, n):
    return [MemberFactory(branch=branch, user=UserFactory()) for _ in range(n)]


@pytest.fixture
def event(branch):
    return EventFactory(branch=branch, online_url="https://meeting.example.cn/1")


def sign_up(member, venue, **kwargs):
    return services.registration_create(
        member=member, event=venue.event, venue_id=venue.pk, **kwargs
    )


def test_first_come_first_served_then_waitlist_with_positions(event, branch):
    venue = VenueFactory(event=event, capacity=2)
    a, b, c, d = members(branch, 4)
    assert sign_up(a, venue).status == Status.CONFIRMED
    assert sign_up(b, venue).status == Status.CONFIRMED
    third, fourth = sign_up(c, venue), sign_up(d, venue)
    assert (third.status, fourth.status) == (Status.WAITLISTED, Status.WAITLISTED)
    assert (waitlist_position(third), waitlist_position(fourth)) == (1, 2)


def test_cancellation_promotes_first_waitlisted_and_notifies_them(event, branch):
    venue = VenueFactory(event=event, capacity=1)
    other_venue = VenueFactory(event=event, capacity=1, campus=CampusFactory(name="临港校区"))
    first, second, third, elsewhere = members(branch, 4)
    place = sign_up(first, venue)
    waiting = sign_up(second, venue)
    sign_up(third, venue)
    sign_up(elsewhere, other_venue)
    services.registration_cancel(member=first, registration=place)
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED
    assert Registration.objects.get(member=third, event=event).status == Status.WAITLISTED
    note = Notification.objects.get(user=second.user)
    assert event.title in note.subject and note.key == f"event-promoted:{waiting.pk}"


def test_leaving_the_waitlist_promotes_nobody(event, branch):
    venue = VenueFactory(event=event, capacity=1)
    a, b, c = members(branch, 3)
    sign_up(a, venue)
    b_reg, c_reg = sign_up(b, venue), sign_up(c, venue)
    services.registration_cancel(member=b, registration=b_reg)
    c_reg.refresh_from_db()
    assert c_reg.status == Status.WAITLISTED and waitlist_position(c_reg) == 1


def test_one_active_registration_per_member(event, branch):
    venue = VenueFactory(event=event)
    (member,) = members(branch, 1)
    sign_up(member, venue)
    with pytest.raises(services.EventRuleError, match="already"):
        sign_up(member, venue)
    with pytest.raises(services.EventRuleError, match="already"):
        services.registration_create(member=member, event=event, venue_id=None)
    assert Registration.objects.filter(member=member).count() == 1


def test_cancelled_registration_can_sign_up_again(event, branch):
    venue = VenueFactory(event=event)
    (member,) = members(branch, 1)
    services.registration_cancel(member=member, registration=sign_up(member, venue))
    assert sign_up(member, venue).status == Status.CONFIRMED


@pytest.mark.parametrize(
    "change, message",
    [
        ({"status": "cancelled"}, "cancelled"),
        ({"status": "draft"}, "not open"),
        ({"signup_opens_at_hours": 5}, "opens"),
        ({"signup_closes_at_hours": -1}, "closed"),
    ],
)
def test_signup_outside_the_rules_is_refused(branch, change, message):
    event = EventFactory(branch=branch)
    now = timezone.now()
    if "status" in change:
        event.status = change["status"]
    if "signup_opens_at_hours" in change:
        event.signup_opens_at = now + timedelta(hours=change["signup_opens_at_hours"])
    if "signup_closes_at_hours" in change:
        event.signup_closes_at = now + timedelta(hours=change["signup_closes_at_hours"])
    event.save()
    venue = VenueFactory(event=event)
    (member,) = members(branch, 1)
    with pytest.raises(services.EventRuleError, match=message):
        sign_up(member, venue)
    assert not Registration.objects.exists()


def test_other_branch_only_when_open_to_all(event, other_branch):
    venue = VenueFactory(event=event)
    (outsider,) = members(other_branch, 1)
    with pytest.raises(services.EventRuleError, match="another branch"):
        sign_up(outsider, venue)
    Event.objects.filter(pk=event.pk).update(open_to_all_branches=True)
    event.refresh_from_db()
    assert sign_up(outsider, venue).status == Status.CONFIRMED


def test_venue_of_another_event_is_refused(event, branch):
    foreign = VenueFactory(event=EventFactory(branch=branch))
    (member,) = members(branch, 1)
    with pytest.raises(services.EventRuleError, match="venues"):
        services.registration_create(member=member, event=event, venue_id=foreign.pk)


def test_online_registration_needs_no_venue(event, branch):
    (member,) = members(branch, 1)
    online = services.registration_create(member=member, event=event, venue_id=None)
    assert online.status == Status.CONFIRMED and online.venue is None


def test_no_cancellation_after_the_deadline(event, branch):
    venue = VenueFactory(event=event)
    (member,) = members(branch, 1)
    registration = sign_up(member, venue)
    late = event.cancel_deadline + timedelta(minutes=1)
    with pytest.raises(services.EventRuleError, match="deadline"):
        services.registration_cancel(member=member, registration=registration, now=late)
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_cancelling_the_event_notifies_everyone_registered(event, branch):
    venue = VenueFactory(event=event, capacity=1)
    a, b = members(branch, 2)
    sign_up(a, venue)
    sign_up(b, venue)
    services.event_cancel(actor=UserFactory(), event=event, reason="天气原因")
    assert not Registration.objects.filter(status__in=Registration.ACTIVE).exists()
    for m in (a, b):
        assert "天气原因" in Notification.objects.get(user=m.user).body
    with pytest.raises(services.EventRuleError):
        services.event_publish(actor=UserFactory(), event=event)


def test_check_in_by_code(event, branch):
    venue = VenueFactory(event=event, capacity=1)
    a, b = members(branch, 2)
    place = sign_up(a, venue)
    waiting = sign_up(b, venue)
    officer = UserFactory()
    services.registration_check_in(actor=officer, event=event, code=place.checkin_code.lower())
    place.refresh_from_db()
    assert place.status == Status.ATTENDED and place.checked_in_by == officer
    with pytest.raises(services.EventRuleError, match="already"):
        services.registration_check_in(actor=officer, event=event, code=place.checkin_code)
    with pytest.raises(services.EventRuleError, match="no confirmed place"):
        services.registration_check_in(actor=officer, event=event, code=waiting.checkin_code)
    with pytest.raises(services.EventRuleError, match="code"):
        services.registration_check_in(actor=officer, event=event, code="NOPE")


def test_reminders_are_sent_once_with_the_details(branch):
    soon = EventFactory(
        branch=branch,
        starts_at=timezone.now() + timedelta(hours=20),
        signup_closes_at=timezone.now() + timedelta(hours=10),
    )
    later = EventFactory(branch=branch)
    venue = VenueFactory(event=soon, place="体育馆")
    (member,) = members(branch, 1)
    registration = sign_up(member, venue)
    sign_up(member, VenueFactory(event=later))
    assert services.event_send_reminders() == 1
    assert services.event_send_reminders() == 1  # a second run adds nothing
    note = Notification.objects.get(user=member.user)
    assert "体育馆" in note.body
    assert registration.checkin_code in note.body


def test_waitlisted_members_hear_when_the_event_starts_without_them(branch):
    event = EventFactory(branch=branch)
    venue = VenueFactory(event=event, capacity=1)
    a, b = members(branch, 2)
    sign_up(a, venue)
    sign_up(b, venue)
    assert services.event_notify_missed_waitlist(now=event.starts_at + timedelta(minutes=5)) == 1
    services.event_notify_missed_waitlist(now=event.starts_at + timedelta(minutes=10))
    assert Notification.objects.filter(user=b.user).count() == 1
    assert not Notification.objects.filter(user=a.user).exists()


@pytest.mark.django_db(transaction=True)
def test_two_hundred_concurrent_signups_for_the_last_ten_places(branch):
    event = EventFactory(branch=branch)
    venue = VenueFactory(event=event, capacity=50)
    for member in members(branch, 40):
        sign_up(member, venue)
    crowd = members(branch, 200)
    start = threading.Barrier(len(crowd))
    errors = []

    def attempt(member):
        try:
            start.wait()
            sign_up(member, venue)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(m,)) for m in crowd]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    crowd_ids = [m.pk for m in crowd]
    registrations = list(Registration.objects.filter(member_id__in=crowd_ids).order_by("id"))
    assert len(registrations) == 200
    statuses = [r.status for r in registrations]
    # Arrival order is the order of the rows: the first ten got the places.
    assert statuses == [Status.CONFIRMED] * 10 + [Status.WAITLISTED] * 190
    assert Registration.objects.filter(venue=venue, status=Status.CONFIRMED).count() == 50
    assert [waitlist_position(r) for r in registrations[10:15]] == [1, 2, 3, 4, 5]


def test_reminding_thirty_members_costs_the_queries_of_reminding_three(
    branch, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def event_with(n):
        event = EventFactory(branch=branch, starts_at=timezone.now() + timedelta(hours=20),
                             signup_closes_at=timezone.now() + timedelta(hours=10))  # fmt: skip
        venue = VenueFactory(event=event, capacity=n)
        for member in members(branch, n):
            sign_up(member, venue)
        return event

    few = event_with(3)
    with CaptureQueriesContext(connection) as three:
        assert services.event_send_reminders() == 3
    Notification.objects.filter(key__startswith="event-reminder").delete()
    many = event_with(30)
    with django_assert_max_num_queries(len(three.captured_queries)):
        assert services.event_send_reminders() == 33
    for event in (few, many):
        for registration in event.registrations.all():
            assert (
                registration.member.user.notifications.filter(
                    key=f"event-reminder:{registration.pk}"
                ).count()
                == 1
            )
