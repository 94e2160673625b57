"""The liaison sees the university: a table per branch on their home page and the
dashboard (head counts, participation per campus, cases, notices, money), and the
published events of every branch."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Registration
from members.university import university_overview
from tests.factories import (
    BranchFactory,
    CampusFactory,
    CategoryFactory,
    EventFactory,
    GrievanceFactory,
    MemberFactory,
    UserFactory,
    VenueFactory,
    fund_notice,
)

pytestmark = pytest.mark.django_db


def past_event(branch, **kwargs):
    start = timezone.now() - timedelta(hours=5)
    return EventFactory(
        branch=branch, starts_at=start, ends_at=start + timedelta(hours=2),
        signup_opens_at=start - timedelta(days=5), signup_closes_at=start - timedelta(days=1),
        cancel_deadline=start - timedelta(days=1), **kwargs,
    )  # fmt: skip


@pytest.fixture
def university(branch, other_branch, people):
    near, far = CampusFactory(name="江湾校区"), CampusFactory(name="临港校区")
    # branch: 3 people + 7 on 江湾 = 10 there, 6 on 临港; other branch: 2 people on 江湾.
    near_members = [MemberFactory(branch=branch, home_campus=near) for _ in range(7)]
    far_members = [MemberFactory(branch=branch, home_campus=far) for _ in range(6)]
    MemberFactory(branch=branch, home_campus=far, status="retired")
    needy = MemberFactory(
        branch=branch, name="困难会员甲", has_hardship=True, home_campus=near, user=UserFactory()
    )
    event = past_event(branch)
    venue = VenueFactory(event=event, campus=near, capacity=100)
    for member in near_members[:5] + far_members[:3]:
        Registration.objects.create(event=event, member=member, venue=venue, status="attended")
    Registration.objects.create(event=event, member=needy, venue=venue, status="attended")
    category = CategoryFactory(branch=branch)
    late = timezone.localdate() - timedelta(days=30)
    GrievanceFactory(category=category, filer_member=needy, ack_due=late, resolve_due=late)
    GrievanceFactory(category=category)
    GrievanceFactory(category=category, status="closed")
    fund_notice(branch, people["officer"], amounts=("1200.50", "300.00"), status="published",
                chair=people["chair"], visibility="members")  # fmt: skip
    fund_notice(branch, people["officer"], amounts=("999.00",), status="approved",
                chair=people["chair"])  # fmt: skip
    return {"branch": branch, "other": other_branch}


def test_overview_counts_heads_rates_cases_notices_and_money(university):
    overview = university_overview()
    assert overview["campuses"] == ["临港校区", "江湾校区"]
    rows = {row["branch"]: row for row in overview["rows"]}
    ours = rows[university["branch"].name]
    # people 3, 7 + 1 in hardship + 2 filers on 江湾, 6 on 临港; the retired one is not counted.
    assert ours["members"] == 19
    # 临港: 3 of 6 attended, withheld as three people; 江湾: 6 of 13 (5 + the member in hardship).
    assert ours["rates"] == ["<5", round(100 * 6 / 13)]
    assert (ours["open_cases"], ours["overdue_cases"]) == (2, 1)
    assert ours["notices"] == 1
    assert str(ours["spent"]) == "1500.50"  # the approved, unpublished notice is not spent yet
    theirs = rows[university["other"].name]
    assert theirs["members"] == 2
    assert theirs["rates"] == [None, "<5"]  # nobody on 临港; 2 on 江湾: too few to show


def test_liaison_home_and_dashboard_show_the_table_without_names(client, people, university):
    client.force_login(people["liaison"])
    for url in (reverse("core:home"), reverse("grievances:dashboard")):
        page = client.get(url).content.decode()
        assert 'data-testid="university-table"' in page, url
        assert university["branch"].name in page and university["other"].name in page
        assert "1500.50" in page.replace(",", "")
        assert "困难会员甲" not in page


@pytest.mark.parametrize("role", ["member", "officer", "chair", "other_officer"])
def test_nobody_else_sees_the_university_table(client, people, university, role):
    client.force_login(people[role])
    assert b'data-testid="university-table"' not in client.get(reverse("core:home")).content
    dashboard = client.get(reverse("grievances:dashboard"))
    assert b'data-testid="university-table"' not in dashboard.content


@pytest.mark.parametrize("extra_branches", [0, 18])
def test_liaison_home_costs_the_same_at_2_and_20_branches(
    client, people, branch, other_branch, extra_branches, django_assert_max_num_queries
):
    for _ in range(extra_branches):
        other = BranchFactory()
        for _ in range(5):
            MemberFactory(branch=other)
        GrievanceFactory(category=CategoryFactory(branch=other))
        fund_notice(other, people["officer"], status=None)
    client.force_login(people["liaison"])
    # session, user, roles ×2, unread count, the overview's 6, overdue proposals;
    # the home's blocks: forwarded cases, objections, and the 5 of a member
    with django_assert_max_num_queries(19):
        response = client.get(reverse("core:home"))
    rows = response.content.decode().count('<th scope="row" class="text-nowrap">')
    assert rows == 2 + extra_branches


def _listed(response, *events):
    """The titles of `events` the event list shows (its cards are cached HTML)."""
    page = response.content.decode()
    return {e.title for e in events if f'href="/events/{e.pk}/"' in page}


def test_liaison_lists_every_branchs_published_events_and_filters_by_branch(
    client, people, branch, other_branch
):
    ours = EventFactory(branch=branch, title="计院羽毛球赛")
    theirs = EventFactory(branch=other_branch, title="外院读书会")
    draft = EventFactory(branch=other_branch, title="外院草稿活动", status="draft")
    client.force_login(people["liaison"])
    titles = _listed(client.get(reverse("events:list")), ours, theirs, draft)
    assert titles == {"计院羽毛球赛", "外院读书会"}
    filtered = client.get(reverse("events:list"), {"branch": branch.pk})
    assert (
        _listed(filtered, ours, theirs, draft) == {"计院羽毛球赛"}
        and filtered.context["count"] == 1
    )
    assert client.get(reverse("events:detail", args=[ours.pk])).status_code == 200
    assert client.get(reverse("events:detail", args=[theirs.pk])).status_code == 200
    # Seeing is not joining: the liaison (a member of the other branch) cannot sign
    # up for this branch's members-only event.
    venue = VenueFactory(event=ours)
    response = client.post(reverse("events:register", args=[ours.pk]), {"where": venue.pk})
    assert response.status_code == 404
    assert not Registration.objects.filter(event=ours).exists()
    # A member of a branch still sees only their branch's events.
    client.force_login(people["member"])
    assert _listed(client.get(reverse("events:list")), ours, theirs, draft) == {"计院羽毛球赛"}


def test_the_liaisons_table_withholds_a_rate_the_branchs_report_withholds(university):
    from events.report import participation

    report = participation(branch_ids={university["branch"].pk})
    far = next(row for row in report["campus"] if row["name"] == "临港校区")
    assert far["attendance_rate"] == "<5"  # 3 of 6 attended: the branch's report hides it
    rows = {row["branch"]: row for row in university_overview()["rows"]}
    assert rows[university["branch"].name]["rates"][0] == "<5"


def test_liaisons_table_is_cached_until_a_counted_row_changes(
    client, people, university, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(people["liaison"])
    dashboard = reverse("grievances:dashboard")
    client.get(dashboard)
    # Cached: the page reads neither the table's six aggregates nor the figures again.
    with django_assert_max_num_queries(5):
        client.get(dashboard)
    ours = {row["branch"]: row for row in university_overview()["rows"]}[university["branch"].name]
    with django_capture_on_commit_callbacks(execute=True):
        GrievanceFactory(category=CategoryFactory(branch=university["branch"]))
    rows = {row["branch"]: row for row in university_overview()["rows"]}
    assert rows[university["branch"].name]["open_cases"] == ours["open_cases"] + 1
    # The page's table too: the branch's open cases, after the member and rate cells.
    page = client.get(dashboard).content.decode()
    name = university["branch"].name
    row = page[page.index(f'<abbr title="{name}">') :].split("</tr>")[0]
    cells = re.findall(r'<td class="text-end[^"]*">(.*?)</td>', row, re.S)
    assert cells[1 + len(ours["rates"])].strip() == str(ours["open_cases"] + 1)
