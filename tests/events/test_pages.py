import time
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event, Registration, Venue
from events.tasks import send_event_reminders
from tests.factories import CampusFactory, EventFactory, MemberFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db
FMT = "%Y-%m-%dT%H:%M"


def at(hours):
    return timezone.localtime(timezone.now() + timedelta(hours=hours)).strftime(FMT)


def event_post(campus, **overrides):
    data = {
        "title": "秋季登山",
        "category": "outing",
        "description": "带好水",
        "starts_at": at(24 * 10),
        "ends_at": at(24 * 10 + 4),
        "signup_opens_at": at(0),
        "signup_closes_at": at(24 * 9),
        "cancel_deadline": at(24 * 8),
        "online_url": "",
        "trips-TOTAL_FORMS": "0",
        "trips-INITIAL_FORMS": "0",
        "trips-MIN_NUM_FORMS": "0",
        "trips-MAX_NUM_FORMS": "10",
        "venues-TOTAL_FORMS": "1",
        "venues-INITIAL_FORMS": "0",
        "venues-MIN_NUM_FORMS": "0",
        "venues-MAX_NUM_FORMS": "10",
        "venues-0-campus": campus.pk,
        "venues-0-place": "北门集合",
        "venues-0-capacity": "30",
    }
    data.update(overrides)
    return data


@pytest.fixture
def campus(db):
    return CampusFactory(name="江湾校区")


def test_officer_creates_a_draft_event_then_publishes_it(client, people, campus, branch):
    client.force_login(people["officer"])
    response = client.post(reverse("events:create"), event_post(campus))
    event = Event.objects.get(title="秋季登山")
    assert response["Location"] == reverse("events:detail", args=[event.pk])
    assert event.status == "draft" and event.branch == branch
    assert event.venues.get().capacity == 30
    # A member does not see the draft.
    client.force_login(people["member"])
    assert client.get(reverse("events:detail", args=[event.pk])).status_code == 404
    client.force_login(people["officer"])
    client.post(reverse("events:publish", args=[event.pk]))
    client.force_login(people["member"])
    page = client.get(reverse("events:detail", args=[event.pk]))
    assert page.status_code == 200 and 'data-testid="signup-form"' in page.content.decode()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"ends_at": at(24 * 9)}, "ends_at"),
        ({"signup_closes_at": at(24 * 11)}, "signup_closes_at"),
        ({"cancel_deadline": at(24 * 11)}, "cancel_deadline"),
        ({"starts_at": at(-5), "ends_at": at(-1)}, "starts_at"),
        ({"starts_at": "明天"}, "starts_at"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_event_input_is_explained_and_writes_nothing(client, people, campus, overrides, field):
    client.force_login(people["officer"])
    response = client.post(reverse("events:create"), event_post(campus, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Event.objects.exists()


def test_bad_venue_input_writes_nothing(client, people, campus):
    client.force_login(people["officer"])
    response = client.post(
        reverse("events:create"), event_post(campus, **{"venues-0-capacity": "-1"})
    )
    assert response.status_code == 200 and not Event.objects.exists()
    response = client.post(
        reverse("events:create"), event_post(campus, **{"venues-TOTAL_FORMS": "abc"})
    )
    assert response.status_code == 200 and not Event.objects.exists()


def test_capacity_cannot_drop_below_the_confirmed_count(client, people, branch):
    event = EventFactory(branch=branch)
    venue = VenueFactory(event=event, capacity=3)
    for _ in range(2):
        services.registration_create(
            member=MemberFactory(branch=branch), event=event, venue_id=venue.pk
        )
    client.force_login(people["officer"])
    data = event_post(
        venue.campus,
        **{
            "title": event.title,
            "starts_at": timezone.localtime(event.starts_at).strftime(FMT),
            "ends_at": timezone.localtime(event.ends_at).strftime(FMT),
            "signup_opens_at": timezone.localtime(event.signup_opens_at).strftime(FMT),
            "signup_closes_at": timezone.localtime(event.signup_closes_at).strftime(FMT),
            "cancel_deadline": timezone.localtime(event.cancel_deadline).strftime(FMT),
            "venues-INITIAL_FORMS": "1",
            "venues-0-id": venue.pk,
            "venues-0-capacity": "1",
        },
    )
    client.cookies["django_language"] = "en"
    response = client.post(reverse("events:edit", args=[event.pk]), data)
    assert response.status_code == 200
    assert "2 members already have a confirmed place" in response.content.decode()
    assert Venue.objects.get(pk=venue.pk).capacity == 3

    # Raising it moves the waiting list up.
    services.registration_create(
        member=MemberFactory(branch=branch), event=event, venue_id=venue.pk
    )
    waiting = services.registration_create(
        member=MemberFactory(branch=branch), event=event, venue_id=venue.pk
    )
    assert waiting.status == "waitlisted"
    data["venues-0-capacity"] = "4"
    client.post(reverse("events:edit", args=[event.pk]), data)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_member_signs_up_sees_code_and_cancels(client, people, branch):
    event = EventFactory(branch=branch, online_url="https://meeting.example.cn/9")
    venue = VenueFactory(event=event, capacity=5)
    client.force_login(people["member"])
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert "https://meeting.example.cn/9" not in page  # only for registered members
    client.post(reverse("events:register", args=[event.pk]), {"where": venue.pk})
    registration = Registration.objects.get(member=people["member"].member)
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert registration.checkin_code in page
    # The QR code is an image of its own: the member's code, stored by nobody.
    qr_url = reverse("events:registration_qr", args=[registration.pk])
    assert f'src="{qr_url}"' in page
    qr = client.get(qr_url)
    assert qr["Content-Type"] == "image/svg+xml" and "no-store" in qr["Cache-Control"]
    svg = qr.content.decode()
    assert svg.startswith("<svg") and f"<title>{registration.checkin_code}</title>" in svg
    assert "https://meeting.example.cn/9" in page
    client.post(reverse("events:register", args=[event.pk]), {"where": venue.pk})
    assert Registration.objects.filter(member=people["member"].member).count() == 1
    client.post(reverse("events:cancel_registration", args=[registration.pk]))
    registration.refresh_from_db()
    assert registration.status == "cancelled"
    assert client.get(qr_url).status_code == 404


@pytest.mark.parametrize("where", ["", "online", "999999", "abc", "\x00"])
def test_bad_signup_choices_change_nothing(client, people, branch, where):
    event = EventFactory(branch=branch)
    VenueFactory(event=event)
    client.force_login(people["member"])
    response = client.post(reverse("events:register", args=[event.pk]), {"where": where})
    assert response.status_code == 302
    assert not Registration.objects.exists()


def test_officer_checks_in_by_code(client, people, branch):
    event = EventFactory(branch=branch)
    venue = VenueFactory(event=event)
    registration = services.registration_create(
        member=people["member"].member, event=event, venue_id=venue.pk
    )
    client.force_login(people["officer"])
    client.post(reverse("events:check_in", args=[event.pk]), {"code": "bad code"})
    registration.refresh_from_db()
    assert registration.status == "confirmed"
    response = client.post(
        reverse("events:check_in", args=[event.pk]), {"code": registration.checkin_code.lower()}
    )
    page = client.get(response["Location"]).content.decode()
    assert people["member"].member.name in page
    registration.refresh_from_db()
    assert registration.status == "attended"
    roll = client.get(reverse("events:roll_call", args=[event.pk])).content.decode()
    assert people["member"].member.staff_number in roll and "✓" in roll


def test_ics_file_and_personal_feed(client, people, branch):
    event = EventFactory(branch=branch, title="羽毛球赛, 第一轮")
    venue = VenueFactory(event=event)
    services.registration_create(member=people["member"].member, event=event, venue_id=venue.pk)
    client.force_login(people["member"])
    body = client.get(reverse("events:ics", args=[event.pk])).content.decode()
    assert body.startswith("BEGIN:VCALENDAR") and "SUMMARY:羽毛球赛\\, 第一轮" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    feed_url = client.get(reverse("events:mine")).context["feed_url"]
    client.logout()
    feed = client.get(feed_url.replace("http://testserver", "")).content.decode()
    assert "羽毛球赛" in feed
    assert client.get(reverse("events:feed", args=["forged:token"])).status_code == 404


def test_participation_report_counts_per_campus_and_exports(client, people, branch, settings):
    settings.PORTAL_MIN_GROUP_SIZE = 1  # one person per campus, shown (small groups: below)
    far = CampusFactory(name="临港校区")
    event = EventFactory(branch=branch)
    venue = VenueFactory(event=event, capacity=10)
    near_member = MemberFactory(branch=branch)
    far_member = MemberFactory(branch=branch, home_campus=far)
    for member in (near_member, far_member):
        services.registration_create(member=member, event=event, venue_id=venue.pk)
    attended = Registration.objects.get(member=near_member)
    services.registration_check_in(actor=people["officer"], event=event, code=attended.checkin_code)
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    client.force_login(people["officer"])
    response = client.get(reverse("events:report"))
    by_campus = {r["name"]: r for r in response.context["data"]["campus"]}
    assert (by_campus["江湾校区"]["attended"], by_campus["江湾校区"]["no_show"]) == (1, 0)
    assert (by_campus["临港校区"]["attended"], by_campus["临港校区"]["no_show"]) == (0, 1)
    assert 'data-testid="chart"' in response.content.decode()
    csv_text = client.get(reverse("events:report_csv")).content.decode("utf-8-sig")
    # 1 active member on the far campus: registered 100%, attended 0%.
    assert "临港校区,1,100%,0%,1,0,1,0" in csv_text
    bad = client.get(reverse("events:report"), {"date_from": "2026-13-45", "date_to": "x"})
    assert bad.status_code == 200 and bad.context["form"].errors


def _events_with_registrations(branch, n):
    campuses = [CampusFactory(name="江湾校区"), CampusFactory(name="临港校区")]
    events = [EventFactory(branch=branch) for _ in range(n)]
    for event in events:
        for campus in campuses:
            VenueFactory(event=event, campus=campus)
    return events


@pytest.mark.parametrize("size", [10, 500])
def test_list_pages_cost_a_fixed_number_of_queries(
    client, people, branch, size, django_assert_max_num_queries
):
    events = _events_with_registrations(branch, size)
    member = people["member"].member
    for event in events[:size]:
        services.registration_create(member=member, event=event, venue_id=event.venues.first().pk)
    client.force_login(people["member"])
    # The first reader after a change renders the cards (count, page, venues and
    # when the next event ends) and the filter form (campuses, branches); the
    # next reads them from the cache: only what every signed-in page does.
    with django_assert_max_num_queries(10):
        assert client.get(reverse("events:list")).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(reverse("events:list")).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("events:mine")).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(reverse("events:mine")).status_code == 200
    # An event without shuttle trips: the member's registration alone (its venue
    # comes with the cached places, it has no seats); the QR code is its own URL.
    client.get(reverse("events:detail", args=[events[0].pk]))
    with django_assert_max_num_queries(6):
        page = client.get(reverse("events:detail", args=[events[0].pk])).content.decode()
    assert 'data-testid="checkin-qr"' in page and str(events[0].venues.first()) in page
    client.force_login(people["officer"])
    with django_assert_max_num_queries(10):
        assert client.get(reverse("events:report")).status_code == 200


@pytest.mark.parametrize(
    ("before_me", "status", "message"),
    [
        (2, "confirmed", "报名成功，期待您的参与！"),
        (6, "waitlisted", "该场地名额已满：您在候补名单中排第 3 位。"),
        (40, "waitlisted", "该场地名额已满：您在候补名单中排第 37 位。"),
    ],
    ids=["a place", "third on the waiting list", "37th on the waiting list"],
)
def test_a_sign_up_costs_nine_queries_however_full_the_venue(
    client, people, branch, before_me, status, message, django_assert_max_num_queries
):
    """The sign-up rush: the session's user and roles, the event, then under the
    event's lock one read of the venue with its queue and the insert (9 with the
    test's savepoint and its release; 11 queries before issue 14, 13 on the
    waiting list). The place or the waiting-list number is still right."""
    event = EventFactory(branch=branch)
    venue = VenueFactory(event=event, capacity=4)
    for _ in range(before_me):
        services.registration_create(
            member=MemberFactory(branch=branch), event=event, venue_id=venue.pk
        )
    client.force_login(people["member"])
    with django_assert_max_num_queries(9):
        response = client.post(reverse("events:register", args=[event.pk]), {"where": venue.pk})
    assert response["Location"] == reverse("events:detail", args=[event.pk])
    assert Registration.objects.get(member=people["member"].member).status == status
    assert message in client.get(response["Location"]).content.decode()


def test_reminder_task_on_a_real_worker_sends_one_email(celery_worker, branch):
    event = EventFactory(
        branch=branch,
        starts_at=timezone.now() + timedelta(hours=5),
        signup_closes_at=timezone.now() + timedelta(hours=1),
    )
    venue = VenueFactory(event=event, place="大礼堂")
    member = MemberFactory(branch=branch, user=UserFactory())
    services.registration_create(member=member, event=event, venue_id=venue.pk)
    send_event_reminders.delay()
    send_event_reminders.delay()  # as if beat fired twice, or the task was retried
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not mail.outbox:
        time.sleep(0.1)
    time.sleep(1.5)
    assert len(mail.outbox) == 1
    assert "大礼堂" in mail.outbox[0].body and mail.outbox[0].to == [member.user.email]


def test_refusals_reach_the_member_in_chinese(client, people, branch):
    event = EventFactory(branch=branch, status="cancelled")
    VenueFactory(event=event)
    client.force_login(people["member"])
    response = client.post(
        reverse("events:register", args=[event.pk]), {"where": event.venues.get().pk}, follow=True
    )
    assert "此活动已取消。" in response.content.decode()
    assert not Registration.objects.exists()


def test_participation_report_withholds_campuses_and_departments_under_five(client, people, branch):
    """Two far-campus staff at an event: their campus shows "<5" for registrations,
    attendance and no-shows, on the page, its chart and the CSV; so does the
    next-smallest group, or the total would give them away."""
    far = CampusFactory(name="临港校区")
    event = EventFactory(branch=branch, title="春季健步走")
    venue = VenueFactory(event=event, capacity=20)
    near = [MemberFactory(branch=branch) for _ in range(6)]
    distant = [MemberFactory(branch=branch, home_campus=far) for _ in range(2)]
    for member in near + distant:
        services.registration_create(member=member, event=event, venue_id=venue.pk)
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    client.force_login(people["officer"])
    response = client.get(reverse("events:report"))
    assert response.status_code == 200
    by_campus = {r["name"]: r for r in response.context["data"]["campus"]}
    assert by_campus["临港校区"]["registered"] == "<5"
    assert by_campus["临港校区"]["attended"] == "<5"
    assert by_campus["江湾校区"]["registered"] == "<5"  # 8 - 6 would tell
    events_row = response.context["data"]["event"][0]
    assert events_row["registered"] == 8  # the event's own count is on its page anyway
    csv_text = client.get(reverse("events:report_csv")).content.decode("utf-8-sig")
    assert "临港校区,<5,<5,<5,<5,<5,<5,<5" in csv_text
    assert ",2," not in csv_text


def test_the_event_list_shows_an_event_once_published_and_places_as_they_are_taken(
    client, people, branch, other_branch
):
    """The list's cards are cached per kind of reader: publishing an event, a
    sign-up or an event ending shows in the list at once."""
    draft = EventFactory(branch=branch, title="冬季长跑", status="draft")
    VenueFactory(event=draft, capacity=5)
    EventFactory(branch=other_branch, title="外院读书会")
    client.cookies["django_language"] = "en"
    client.force_login(people["member"])
    page = client.get(reverse("events:list")).content.decode()
    assert "冬季长跑" not in page and "外院读书会" not in page
    services.event_publish(actor=people["officer"], event=draft)
    response = client.get(reverse("events:list"))
    page = response.content.decode()
    assert "冬季长跑" in page and "0 of 5 places taken" in page
    assert "外院读书会" not in page and response.context["count"] == 1
    services.registration_create(
        member=people["member"].member, event=draft, venue_id=draft.venues.get().pk
    )
    assert "1 of 5 places taken" in client.get(reverse("events:list")).content.decode()
    # Another branch's officer, reading the same list, sees their own events only.
    client.force_login(people["other_officer"])
    page = client.get(reverse("events:list")).content.decode()
    assert "外院读书会" in page and "冬季长跑" not in page
    # Once the event has ended it leaves the events to come for the past ones.
    later = draft.ends_at + timedelta(minutes=1)
    client.force_login(people["member"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later)
        assert "冬季长跑" not in client.get(reverse("events:list")).content.decode()
        past = client.get(reverse("events:list"), {"when": "past"}).content.decode()
        assert "冬季长跑" in past


def test_my_events_and_the_event_page_show_a_sign_up_at_once(client, people, branch):
    event = EventFactory(branch=branch, title="读书分享会")
    venue = VenueFactory(event=event, capacity=3)
    client.force_login(people["member"])
    assert "读书分享会" not in client.get(reverse("events:mine")).content.decode()
    detail = client.get(reverse("events:detail", args=[event.pk]))
    assert [v.confirmed for v in detail.context["venues"]] == [0]
    services.registration_create(member=people["member"].member, event=event, venue_id=venue.pk)
    assert "读书分享会" in client.get(reverse("events:mine")).content.decode()
    services.registration_create(member=MemberFactory(branch=branch), event=event,
                                 venue_id=venue.pk)  # fmt: skip
    detail = client.get(reverse("events:detail", args=[event.pk]))
    assert [v.confirmed for v in detail.context["venues"]] == [2]
