import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from grievances import dashboard as stats
from grievances.models import Grievance, GrievanceEvent
from tests.factories import (
    CampusFactory,
    CategoryFactory,
    GrievanceFactory,
    MemberFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning in March, local time: the filing time of the dated cases.
FILED = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
URL = reverse("grievances:dashboard")
CSV_URL = reverse("grievances:dashboard_csv")


def place(grievance, *, filed_at=FILED, ack_after=None, resolve_after=None):
    """Put a case in time: filed at `filed_at`, acknowledged and resolved so many hours later."""
    Grievance.objects.filter(pk=grievance.pk).update(
        filed_at=filed_at,
        acknowledged_at=None if ack_after is None else filed_at + timedelta(hours=ack_after),
        resolved_at=None if resolve_after is None else filed_at + timedelta(hours=resolve_after),
    )
    return grievance


def local(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def case(branch, *, filed_at=FILED, ack_after=None, resolve_after=None, **kwargs):
    kwargs.setdefault("category", CategoryFactory(branch=branch))
    grievance = GrievanceFactory(**kwargs)
    return place(grievance, filed_at=filed_at, ack_after=ack_after, resolve_after=resolve_after)


def anonymous_case(branch, code, **kwargs):
    kwargs |= {"filer": None, "filer_member": None, "receipt_hash": code * 64}
    return case(branch, confidentiality="anonymous", **kwargs)


def escalate(grievance, assignee):
    GrievanceEvent(
        grievance=grievance,
        kind="escalated",
        assignee=assignee,
        level="chair",
        status="in_progress",
    ).save()


def row(rows, name):
    (found,) = [r for r in rows if r["name"] == name]
    return found


@pytest.fixture(autouse=True)
def every_group_shown(settings):
    """These tests check the arithmetic on a handful of cases; withholding groups
    under PORTAL_MIN_GROUP_SIZE is tested in test_small_groups.py."""
    settings.PORTAL_MIN_GROUP_SIZE = 1


@pytest.fixture(autouse=True)
def round_the_clock(settings):
    """These tests check the percentiles on hours within one working week: a working
    day of 24 hours makes their hours plain hours. Working hours proper (nights,
    weekends, holidays) are tested in test_working_hours.py."""
    settings.WORKING_HOURS = (0, 24)


@pytest.fixture
def officer(people):
    user = people["officer"]
    user.first_name, user.last_name = "Wang", "Fang"
    user.save(update_fields=["first_name", "last_name"])
    return user


# Who may see it ---------------------------------------------------------------


def test_signed_out_visitor_is_sent_to_sign_in(client):
    for url in (URL, CSV_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["member", "officer", "other_officer"])
def test_members_and_officers_who_are_not_chairs_are_refused(client, people, role):
    client.force_login(people[role])
    assert client.get(URL).status_code == 403
    assert client.get(CSV_URL).status_code == 403


@pytest.mark.parametrize("role", ["chair", "liaison"])
def test_chair_and_liaison_see_the_dashboard(client, people, role):
    client.force_login(people[role])
    response = client.get(URL)
    assert response.status_code == 200
    assert client.get(CSV_URL).status_code == 200


def test_a_chair_sees_only_their_own_branchs_cases(client, people, branch, other_branch):
    case(branch, ack_after=2)
    case(branch, ack_after=4)
    case(other_branch, ack_after=50)
    chair = user_with_role("chair", other_branch)
    client.force_login(chair)
    data = client.get(URL).context["data"]
    assert sum(r["n"] for r in data["hardship"]) == 1
    assert [r["ack_median"] for r in data["category"]] == [50.0]
    client.force_login(people["chair"])
    data = client.get(URL).context["data"]
    assert sum(r["n"] for r in data["hardship"]) == 2
    assert [r["ack_median"] for r in data["category"]] == [3.0]


def test_a_chairs_branch_filter_is_ignored(client, people, branch, other_branch):
    case(branch)
    case(other_branch)
    client.force_login(people["chair"])
    response = client.get(URL, {"branch": other_branch.pk})
    assert "branch" not in response.context["form"].fields
    assert sum(r["n"] for r in response.context["data"]["hardship"]) == 1


def test_the_liaison_sees_every_branch_and_may_narrow_to_one(client, people, branch, other_branch):
    case(branch)
    case(branch)
    case(other_branch)
    client.force_login(people["liaison"])
    data = client.get(URL).context["data"]
    assert sum(r["n"] for r in data["hardship"]) == 3
    data = client.get(URL, {"branch": other_branch.pk}).context["data"]
    assert sum(r["n"] for r in data["hardship"]) == 1


def test_the_liaison_sees_which_branch_a_category_belongs_to(people, branch, other_branch):
    case(branch, category=CategoryFactory(branch=branch, name="工作条件"))
    case(other_branch, category=CategoryFactory(branch=other_branch, name="工作条件"))
    names = {r["name"] for r in stats.fairness()["category"]}
    assert names == {f"工作条件 · {branch.name}", f"工作条件 · {other_branch.name}"}
    names = {r["name"] for r in stats.fairness(branch_ids={branch.pk})["category"]}
    assert names == {"工作条件"}


# The figures ------------------------------------------------------------------


def test_median_and_90th_percentile_per_officer_interpolate_like_percentile_cont(branch, officer):
    for ack, resolve in ((2, 10), (4, 20), (30, 50)):
        case(branch, assignee=officer, ack_after=ack, resolve_after=resolve)
    case(branch, assignee=officer, ack_after=1, resolve_after=100)
    # Neither acknowledged nor resolved: counted, but left out of the times.
    case(branch, assignee=officer)
    case(branch, ack_after=8)  # nobody's case
    data = stats.fairness(branch_ids={branch.pk})
    wang = row(data["officer"], "Wang Fang")
    assert (wang["n"], wang["n_ack"], wang["n_resolved"]) == (5, 4, 4)
    # Acknowledged after 1, 2, 4, 30 hours: median 3.0, p90 4 + 0.7 * 26 = 22.2.
    assert (wang["ack_median"], wang["ack_p90"]) == (3.0, 22.2)
    # Resolved after 10, 20, 50, 100 hours: median 35.0, p90 50 + 0.7 * 50 = 85.0.
    assert (wang["resolve_median"], wang["resolve_p90"]) == (35.0, 85.0)
    unassigned = data["officer"][-1]
    assert unassigned["name"] == stats.UNASSIGNED
    assert (unassigned["n"], unassigned["ack_median"], unassigned["resolve_median"]) == (
        1,
        8.0,
        None,
    )


def test_three_acknowledgements_after_2_4_and_30_hours_give_median_4_and_p90_24_8(branch, officer):
    for hours in (2, 4, 30):
        case(branch, assignee=officer, ack_after=hours)
    wang = row(stats.fairness()["officer"], "Wang Fang")
    assert (wang["ack_median"], wang["ack_p90"]) == (4.0, 24.8)
    assert (wang["resolve_median"], wang["resolve_p90"]) == (None, None)


def test_an_officer_without_a_name_is_shown_by_email(branch):
    nameless = UserFactory(first_name="", last_name="")
    case(branch, assignee=nameless, ack_after=6)
    assert row(stats.fairness()["officer"], nameless.email)["ack_median"] == 6.0


def test_per_category_times(branch):
    pay = CategoryFactory(branch=branch, name="薪酬")
    rooms = CategoryFactory(branch=branch, name="办公用房")
    case(branch, category=pay, resolve_after=24)
    case(branch, category=pay, resolve_after=48)
    case(branch, category=rooms, resolve_after=240)
    data = stats.fairness()["category"]
    assert (row(data, "薪酬")["n"], row(data, "薪酬")["resolve_median"]) == (2, 36.0)
    assert row(data, "薪酬")["resolve_p90"] == 45.6
    # 240 hours from a Monday morning run over a weekend: 192 working hours.
    assert row(data, "办公用房")["resolve_median"] == 192.0


def test_per_campus_times_count_anonymous_cases_under_unknown(branch):
    east = CampusFactory(name="东校区")
    west = CampusFactory(name="西校区")
    case(branch, filer_member__home_campus=east, ack_after=3, resolve_after=30)
    case(branch, filer_member__home_campus=east, ack_after=5, resolve_after=50)
    case(branch, filer_member__home_campus=west, ack_after=12)
    anonymous_case(branch, "a", ack_after=70)
    anonymous_case(branch, "b")
    data = stats.fairness()["campus"]
    assert [r["name"] for r in data] == ["东校区", "西校区", stats.UNKNOWN_CAMPUS]
    assert (data[0]["n"], data[0]["ack_median"], data[0]["resolve_median"]) == (2, 4.0, 40.0)
    assert (data[1]["n"], data[1]["ack_median"], data[1]["resolve_median"]) == (1, 12.0, None)
    assert (data[2]["n"], data[2]["n_ack"], data[2]["ack_median"]) == (2, 1, 70.0)


def test_members_in_hardship_against_everyone_else_including_anonymous_filers(branch):
    case(branch, filer_member__has_hardship=True, ack_after=1, resolve_after=10)
    case(branch, filer_member__has_hardship=True, ack_after=3, resolve_after=20)
    case(branch, ack_after=10, resolve_after=100)
    anonymous_case(branch, "c", ack_after=20)
    hardship, others = stats.fairness()["hardship"]
    assert hardship["name"] == stats.HARDSHIP and others["name"] == stats.EVERYONE_ELSE
    assert (hardship["n"], hardship["ack_median"], hardship["resolve_median"]) == (2, 2.0, 15.0)
    assert (others["n"], others["ack_median"], others["resolve_median"]) == (2, 15.0, 100.0)


def test_hardship_split_shows_both_rows_even_when_one_is_empty(branch):
    case(branch, ack_after=5)
    hardship, others = stats.fairness()["hardship"]
    assert (hardship["n"], hardship["ack_median"]) == (0, None)
    assert (others["n"], others["ack_median"]) == (1, 5.0)


def test_open_cases_are_counted_by_days_since_filing(branch):
    now = timezone.now()
    for days, status in [
        (0, "new"),
        (3, "in_progress"),
        (4, "waiting_filer"),
        (7, "new"),
        (8, "new"),
        (15, "in_progress"),
        (16, "new"),
        (40, "waiting_filer"),
        (2, "resolved"),  # not open
        (30, "closed"),  # not open
    ]:
        case(branch, status=status, filed_at=now - timedelta(days=days))
    counts = {r["key"]: r["n"] for r in stats.fairness()["open_by_age"]}
    assert counts == {"days_0_3": 2, "days_4_7": 2, "days_8_15": 2, "days_over_15": 2}


def test_escalations_are_counted_against_whoever_held_the_case_then(branch, officer):
    colleague = UserFactory(first_name="Li", last_name="Lei")
    first = case(branch, assignee=colleague)  # passed on to a colleague since
    escalate(first, officer)
    escalate(first, officer)
    escalate(case(branch, assignee=colleague), colleague)
    escalate(case(branch), None)
    data = stats.fairness()["escalations"]
    assert [(r["name"], r["n"]) for r in data] == [
        ("Li Lei", 1),
        ("Wang Fang", 2),
        (stats.UNASSIGNED, 1),
    ]


def test_period_filter_leaves_out_cases_filed_outside_it(client, people, branch, officer):
    # Local dates: 23:00 on 28 February in Shanghai is 15:00 UTC the same day.
    times = [(2, 28, 23, 0), (3, 1, 0, 30), (3, 31, 23, 0), (4, 1, 0, 30)]
    cases = [
        case(branch, assignee=officer, ack_after=2 * (i + 1), filed_at=local(2026, *when))
        for i, when in enumerate(times)
    ]
    escalate(cases[0], officer)
    client.force_login(people["chair"])
    response = client.get(URL, {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    data = response.context["data"]
    wang = row(data["officer"], "Wang Fang")
    # Filed on a Sunday (acknowledged the same Sunday: 0 working hours) and on a
    # Tuesday night (6 hours later, on Wednesday morning: 6).
    assert (wang["n"], wang["ack_median"]) == (2, 3.0)
    assert data["escalations"] == []
    response = client.get(URL, {"date_to": "2026-02-28"})
    data = response.context["data"]
    assert row(data["officer"], "Wang Fang")["n"] == 1
    assert [r["n"] for r in data["escalations"]] == [1]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"date_from": "2026-13-40"}, "date_from"),
        ({"date_to": "明天"}, "date_to"),
        ({"date_from": "2026-03-31", "date_to": "2026-03-01"}, "date_to"),
    ],
)
def test_bad_filter_input_is_reported_and_ignored(client, people, branch, query, field):
    case(branch, filed_at=local(2026, 3, 15, 9, 0))
    case(branch, filed_at=local(2025, 3, 15, 9, 0))
    client.force_login(people["chair"])
    response = client.get(URL, query)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert sum(r["n"] for r in response.context["data"]["hardship"]) == 2
    assert client.get(CSV_URL, query).status_code == 200


def test_a_bad_branch_for_the_liaison_is_reported_and_ignored(client, people, branch):
    case(branch)
    client.force_login(people["liaison"])
    for value in ("abc", "999999"):
        response = client.get(URL, {"branch": value})
        assert response.status_code == 200
        assert "branch" in response.context["form"].errors
        assert sum(r["n"] for r in response.context["data"]["hardship"]) == 1


# The page and the file ---------------------------------------------------------


def test_page_shows_the_numbers_and_charts_but_never_a_filer(client, people, branch, officer):
    filers = [
        case(
            branch, assignee=officer, ack_after=h, resolve_after=10 * h, status="closed"
        ).filer_member
        for h in (2, 4, 30)
    ]
    case(branch, status="new", filed_at=timezone.now() - timedelta(days=20))
    escalate(case(branch, assignee=officer, filed_at=timezone.now()), officer)
    client.cookies["django_language"] = "en"
    client.force_login(people["chair"])
    page = client.get(URL).content.decode()
    assert "Wang Fang" in page
    # 300 hours from a Monday morning end on the second Saturday: 231 working hours
    # (two weekends out), so the 90th percentile is 40 + 0.8 × 191 = 192.8.
    assert ">24.8<" in page and ">4.0<" in page and ">192.8<" in page
    assert page.count('data-testid="chart"') == 3
    assert 'viewBox="0 0 340 ' in page and "table-responsive" in page
    assert "<script>" not in page
    for member in filers:
        assert member.name not in page and member.staff_number not in page
        assert member.user.email not in page
    ages = dict(re.findall(r'data-key="(\w+)"><td>[^<]*</td><td class="text-end">(\d+)<', page))
    assert ages == {"days_0_3": "1", "days_4_7": "0", "days_8_15": "0", "days_over_15": "1"}


def test_empty_dashboard_renders(client, people):
    client.force_login(people["chair"])
    response = client.get(URL)
    assert response.status_code == 200
    assert 'data-testid="chart"' in response.content.decode()  # open cases by age: zeros


def test_csv_holds_the_same_numbers_with_the_same_filters(client, people, branch, officer):
    for hours in (2, 4, 30):
        case(branch, assignee=officer, ack_after=hours, resolve_after=hours * 10)
    case(branch, assignee=officer, ack_after=1, filed_at=local(2025, 1, 6, 9))
    anonymous_case(branch, "d", status="new", filed_at=timezone.now() - timedelta(days=5))
    escalate(case(branch, assignee=officer), officer)
    client.cookies["django_language"] = "en"
    client.force_login(people["chair"])
    response = client.get(CSV_URL, {"date_from": "2026-01-01"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Grouping", "Name", "Cases"]
    officer_row = next(r for r in rows if r[:2] == ["Per officer", "Wang Fang"])
    # The case filed in 2025 is outside the period; the escalated one is in it.
    assert officer_row[2:] == ["4", "4.0", "24.8", "40.0", "192.8", "3", "3", ""]
    assert ["Per campus", "unknown (anonymous)", "1", "", "", "", "", "0", "0", ""] in rows
    assert ["Open cases by age", "4–7 days", "1"] in rows
    assert ["Escalations", "Wang Fang", "1"] in rows
    groupings = {r[0] for r in rows[1:]}
    assert groupings == {
        "Per officer",
        "Per category",
        "Per campus",
        "Members in hardship and everyone else",
        "Open cases by age",
        "Escalations",
    }


# Cost ------------------------------------------------------------------------------


def bulk_cases(branch, officers, size):
    """`size` cases spread over officers, categories, campuses, hardship and ages."""
    categories = [CategoryFactory(branch=branch, name=f"类别{i}") for i in range(4)]
    campuses = [CampusFactory(name=f"校区{i}") for i in range(3)]
    filers = [
        MemberFactory(
            branch=branch, user=UserFactory(), home_campus=campuses[i % 3], has_hardship=i == 0
        )
        for i in range(6)
    ]
    statuses = ["new", "in_progress", "waiting_filer", "resolved", "closed"]
    cases = []
    for i in range(size):
        filer = filers[i % len(filers)]
        cases.append(
            GrievanceFactory.build(
                category=categories[i % 4],
                branch=branch,
                filer_member=filer,
                filer=filer.user,
                assignee=officers[i % len(officers)] if i % 7 else None,
                status=statuses[i % 5],
            )
        )
    cases = Grievance.objects.bulk_create(cases)
    now = timezone.now()
    for i, days in enumerate((1, 5, 10, 30)):
        Grievance.objects.filter(pk__in=[c.pk for c in cases[i::4]]).update(
            filed_at=now - timedelta(days=days),
            acknowledged_at=now - timedelta(days=days, hours=-3 * (i + 1)),
            resolved_at=now - timedelta(days=days, hours=-20 * (i + 1)) if i % 2 else None,
        )
    GrievanceEvent.objects.bulk_create(
        GrievanceEvent(
            grievance=c, kind="escalated", assignee=c.assignee, level="chair", status="in_progress"
        )
        for c in cases[::3]
    )


@pytest.mark.parametrize("size", [10, 1000])
def test_dashboard_costs_a_fixed_number_of_queries(
    client, people, branch, other_branch, size, django_assert_max_num_queries
):
    officers = [people["officer"], people["chair"], user_with_role("officer", branch)]
    bulk_cases(branch, officers, size)
    assert Grievance.objects.count() == size
    client.force_login(people["chair"])
    with django_assert_max_num_queries(11):
        response = client.get(URL, {"date_from": "2020-01-01"})
    assert sum(r["n"] for r in response.context["data"]["hardship"]) == size
    with django_assert_max_num_queries(10):
        assert client.get(CSV_URL).status_code == 200
    client.force_login(people["liaison"])
    # 12, and 6 for the table of every branch (members.university) above the figures
    with django_assert_max_num_queries(18):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(18):
        response = client.get(URL, {"branch": branch.pk})
    assert sum(r["n"] for r in response.context["data"]["hardship"]) == size
