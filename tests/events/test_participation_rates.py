"""The participation report measured against the roster: rates per campus and
department over active members, past events only, registrations to come apart,
each branch counting its own members at events of any branch."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Registration
from tests.factories import (
    CampusFactory,
    DepartmentFactory,
    EventFactory,
    MemberFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def past_event(branch, **kwargs):
    start = timezone.now() - timedelta(days=3)
    return EventFactory(
        branch=branch, starts_at=start, ends_at=start + timedelta(hours=2),
        signup_opens_at=start - timedelta(days=5), signup_closes_at=start - timedelta(days=1),
        cancel_deadline=start - timedelta(days=1), **kwargs,
    )  # fmt: skip


def register(member, event, status="confirmed"):
    venue = event.venues.first() or VenueFactory(event=event, capacity=100)
    return Registration.objects.create(event=event, member=member, venue=venue, status=status)


@pytest.fixture
def roster(branch, department, people):
    """江湾: 12 active (3 from the people fixture) + 2 retired; 临港: 10 active."""
    near = CampusFactory(name="江湾校区")
    far = CampusFactory(name="临港校区")
    near_members = [MemberFactory(branch=branch, department=department, home_campus=near)
                    for _ in range(9)]  # fmt: skip
    retired = [MemberFactory(branch=branch, department=department, status="retired")
               for _ in range(2)]  # fmt: skip
    far_dept = DepartmentFactory(branch=branch, name="临港教学部")
    far_members = [MemberFactory(branch=branch, department=far_dept, home_campus=far)
                   for _ in range(10)]  # fmt: skip
    return {"near": near_members, "far": far_members, "retired": retired}


def rows(response, table):
    return {row["name"]: row for row in response.context["data"][table]}


def test_rates_divide_by_active_members_and_future_registrations_stand_apart(
    client, people, branch, roster
):
    done = past_event(branch)
    for member in roster["near"][:6]:
        register(member, done, status="attended")
    for member in roster["far"][:5]:
        register(member, done)  # confirmed, never checked in: no-shows
    register(roster["retired"][0], done, status="attended")  # not on the active roster now
    coming = EventFactory(branch=branch)
    for member in roster["near"]:
        register(member, coming)
    client.force_login(people["officer"])
    response = client.get(reverse("events:report"))
    campus = rows(response, "campus")
    # 江湾: 12 active members, 7 took part (6 + the retired one counts as registered).
    assert campus["江湾校区"]["members"] == 12
    assert campus["江湾校区"]["registered"] == 7
    assert campus["江湾校区"]["attendance_rate"] == round(100 * 7 / 12)
    assert campus["江湾校区"]["upcoming"] == 9
    assert campus["临港校区"]["members"] == 10
    assert campus["临港校区"]["registration_rate"] == 50
    assert campus["临港校区"]["attendance_rate"] == 0
    assert campus["临港校区"]["no_show"] == 5
    # The far campus's rate beside the home campus's.
    assert campus["江湾校区"]["home"] and not campus["临港校区"]["home"]
    page = response.content.decode()
    assert 'data-testid="campus-compare"' in page and "50%" in page
    department = rows(response, "department")
    assert department["临港教学部"]["registration_rate"] == 50
    csv_text = client.get(reverse("events:report_csv")).content.decode("utf-8-sig")
    assert "临港校区,10,50%,0%,5,0,5,0" in csv_text


def test_each_branch_counts_its_own_members_at_events_of_any_branch(
    client, people, branch, other_branch, roster
):
    guests = [MemberFactory(branch=other_branch) for _ in range(6)]
    open_event = past_event(branch, open_to_all_branches=True, title="全校运动会")
    for member in roster["near"][:5]:
        register(member, open_event, status="attended")
    for member in guests:
        register(member, open_event, status="attended")
    hosted_elsewhere = past_event(other_branch, open_to_all_branches=True, title="外院读书会")
    for member in roster["far"][:5]:
        register(member, hosted_elsewhere, status="attended")

    client.force_login(people["officer"])
    response = client.get(reverse("events:report"))
    campus, events = rows(response, "campus"), rows(response, "event")
    assert campus["江湾校区"]["attended"] == 5  # the guests of the other branch are not ours
    assert campus["临港校区"]["attended"] == 5  # ours, at the other branch's event
    assert events["全校运动会"]["registered"] == 5
    assert events["外院读书会"]["registered"] == 5 and events["外院读书会"]["hosted_elsewhere"]
    page = client.get(reverse("events:report")).content.decode()
    assert "统计本分工会会员参加各分工会活动的情况" in page

    client.force_login(people["other_officer"])
    response = client.get(reverse("events:report"))
    assert rows(response, "event")["全校运动会"]["registered"] == 6
    assert "外院读书会" not in rows(response, "event")  # only our members went
    assert sum(r["attended"] for r in response.context["data"]["campus"]
               if isinstance(r["attended"], int)) <= 6  # fmt: skip


def test_a_handful_of_ours_at_another_branchs_event_is_withheld(
    client, people, branch, other_branch, roster
):
    hosted_elsewhere = past_event(other_branch, open_to_all_branches=True, title="外院读书会")
    for member in roster["far"][:2]:
        register(member, hosted_elsewhere, status="attended")
    big = past_event(other_branch, open_to_all_branches=True, title="外院合唱节")
    for member in roster["near"][:7]:
        register(member, big)
    client.force_login(people["officer"])
    events = rows(client.get(reverse("events:report")), "event")
    assert events["外院读书会"]["registered"] == "<5"
    assert events["外院合唱节"]["registered"] == "<5"  # 9 − 7 would tell


def test_a_department_under_five_members_shows_no_rate(client, people, branch, roster):
    small = DepartmentFactory(branch=branch, name="小教研室")
    few = [MemberFactory(branch=branch, department=small) for _ in range(3)]
    done = past_event(branch)
    for member in few + roster["far"][:5]:
        register(member, done, status="attended")
    client.force_login(people["officer"])
    department = rows(client.get(reverse("events:report")), "department")
    assert department["小教研室"]["members"] == "<5"
    assert department["小教研室"]["attendance_rate"] == "<5"
    csv_text = client.get(reverse("events:report_csv")).content.decode("utf-8-sig")
    assert "小教研室,<5,<5,<5" in csv_text


@pytest.mark.parametrize("size", [5, 60])
def test_report_query_count_is_fixed(
    client, people, branch, other_branch, size, django_assert_max_num_queries
):
    for n in range(size):
        event = past_event(branch if n % 2 else other_branch, open_to_all_branches=True)
        department = DepartmentFactory(branch=branch)
        campus = CampusFactory(name=f"校区{n % 3}")
        for _ in range(3):
            register(MemberFactory(branch=branch, department=department, home_campus=campus), event)
    client.force_login(people["officer"])
    # session, user, roles ×2, unread count, cells, roster, events
    with django_assert_max_num_queries(9):
        assert client.get(reverse("events:report")).status_code == 200


def test_the_cached_report_counts_an_event_again_once_it_has_ended(branch, roster):
    from events.report import cached_participation

    now = timezone.now()
    event = EventFactory(
        branch=branch, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1),
        signup_opens_at=now - timedelta(days=5), signup_closes_at=now - timedelta(days=1),
        cancel_deadline=now - timedelta(days=1),
    )  # fmt: skip
    for member in roster["near"][:6]:
        register(member, event)

    def event_row(at):
        (row,) = cached_participation(branch_ids=[branch.pk], now=at)["event"]
        return row["registered"], row["upcoming"]

    assert event_row(now) == (0, 6)
    assert event_row(now + timedelta(minutes=30)) == (0, 6)  # from the cache
    # Nothing was written, but the event has ended: its places now count as taken part.
    assert event_row(now + timedelta(hours=2)) == (6, 0)
