"""A member's hardship is known to their own branch's officers and chair only, and
no dashboard figure describes fewer than PORTAL_MIN_GROUP_SIZE cases."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from grievances import services
from grievances.models import Grievance
from tests.factories import CampusFactory, CategoryFactory, GrievanceFactory, UserFactory
from tests.grievances.test_dashboard import anonymous_case, case, escalate, local
from union_portal.core.small_groups import withhold_small_groups

pytestmark = pytest.mark.django_db
URL = reverse("grievances:dashboard")
CSV_URL = reverse("grievances:dashboard_csv")
COUNT_COLUMNS = (2, 7, 8)  # Cases, Acknowledged, Resolved


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _small(cell):
    return cell.isdigit() and 0 < int(cell) < 5


# Hardship ------------------------------------------------------------------------


def test_hardship_is_shown_to_the_branch_officers_and_chair_but_not_the_liaison(
    client, branch, people
):
    member = people["member"].member
    member.has_hardship = True
    member.save(update_fields=["has_hardship"])
    grievance = GrievanceFactory(
        category=CategoryFactory(branch=branch), assignee=people["officer"],
        filer=people["member"], filer_member=member,
    )  # fmt: skip
    detail = reverse("grievances:detail", args=[grievance.pk])
    for role in ("officer", "chair"):
        client.force_login(people[role])
        client.cookies["django_language"] = "en"
        assert "Hardship" in client.get(detail).content.decode(), role
    services.grievance_forward(actor=people["chair"], grievance=grievance, text="请校工会协调")
    client.force_login(people["liaison"])
    page = client.get(detail).content.decode()
    assert member.name in page  # a named case: the liaison handling it may know who
    assert "Hardship" not in page and "困难" not in page
    client.cookies["django_language"] = "zh-hans"
    assert "困难" not in client.get(detail).content.decode()


# Small groups ---------------------------------------------------------------------


def test_a_one_day_filter_does_not_single_out_a_filer_in_hardship(client, people, branch):
    """The review's case: filtered to one day, the CSV held one case with its campus
    and hardship = 1, out of 3 candidates."""
    far = CampusFactory(name="临港校区")
    day = local(2026, 3, 4, 9, 0)
    case(branch, filed_at=day, ack_after=5, resolve_after=30,
         filer_member__has_hardship=True, filer_member__home_campus=far)  # fmt: skip
    for hours in range(20):  # other days, enough for every group to be shown
        case(branch, filed_at=day + timedelta(days=3), ack_after=hours, resolve_after=50)
    client.cookies["django_language"] = "en"
    for role in ("chair", "liaison"):
        client.force_login(people[role])
        rows = _csv(client.get(CSV_URL, {"date_from": "2026-03-04", "date_to": "2026-03-04"}))
        for row in rows[1:]:
            counts = [row[i] for i in COUNT_COLUMNS if i < len(row)]
            assert not any(_small(c) for c in counts), row
        hardship = [r for r in rows if r[1] == "members in hardship"][0]
        campus = [r for r in rows if r[1] == "临港校区"][0]
        for row in (hardship, campus):
            assert row[2:] == ["<5"] * 7 + [""], row  # neither the count, a time nor a flag
        page = client.get(URL, {"date_from": "2026-03-04", "date_to": "2026-03-04"})
        html = page.content.decode()
        assert "&lt;5" in html and ">5.0<" not in html and ">30.0<" not in html
        # Without the filter the category is large enough to be shown; hardship
        # (1 case) is not, and "everyone else" is withheld with it (21 − 20 = 1).
        rows = _csv(client.get(CSV_URL))
        assert [r for r in rows if r[0] == "Per category"][0][2] == "21"
        assert [r for r in rows if r[1] == "everyone else"][0][2] == "<5"


def test_one_small_group_beside_large_ones_takes_the_smallest_other_with_it(branch, people):
    """Officer A 7 cases, officer B 2: showing A's 7 beside a category total of 9
    would give B's 2 away, so both are withheld; the category's 9 is shown."""
    from grievances import dashboard as stats

    category = CategoryFactory(branch=branch, name="薪酬")
    other = UserFactory(first_name="Li", last_name="Lei")
    for _ in range(7):
        case(branch, category=category, assignee=people["officer"], ack_after=2)
    for _ in range(2):
        case(branch, category=category, assignee=other, ack_after=40)
    data = stats.fairness(branch_ids={branch.pk})
    assert [(r["n"], r["n_ack"], r["ack_median"]) for r in data["officer"]] == [
        ("<5", "<5", "<5"),
        ("<5", "<5", "<5"),
    ]
    (pay,) = data["category"]
    assert (pay["n"], pay["n_ack"], pay["ack_median"]) == (9, 9, 2.0)


def test_open_cases_by_age_and_escalations_per_officer_withhold_small_groups(
    client, people, branch
):
    now = timezone.now()
    for days in (0, 1, 2, 3, 4, 5, 6, 20, 30):
        case(branch, status="new", filed_at=now - timedelta(days=days))
    for _ in range(3):
        escalate(case(branch, assignee=people["officer"], filed_at=now), people["officer"])
    anonymous_case(branch, "e", status="new", filed_at=now - timedelta(days=10))
    client.force_login(people["chair"])
    data = client.get(URL).context["data"]
    ages = {r["key"]: r["n"] for r in data["open_by_age"]}
    # 0–3 days: 4 + the 3 escalated ones filed now = 7; 4–7: 3; 8–15: 1; over 15: 2.
    assert ages == {"days_0_3": 7, "days_4_7": "<5", "days_8_15": "<5", "days_over_15": "<5"}
    assert [r["n"] for r in data["escalations"]] == ["<5"]
    assert Grievance.objects.count() == 13


def test_withholding_keeps_zero_and_pairs_a_lone_small_group():
    rows = [{"n": 0, "m": 1.0}, {"n": 3, "m": 2.0}, {"n": 9, "m": 3.0}, {"n": 6, "m": 4.0}]
    out = withhold_small_groups(rows, figures=("m",))
    # 3 is withheld; the smallest other (0) goes with it; 9 and 6 are shown.
    assert [(r["n"], r["m"]) for r in out] == [("<5", "<5"), ("<5", "<5"), (9, 3.0), (6, 4.0)]
    assert rows[1]["n"] == 3  # the input is left alone
    two_small = withhold_small_groups([{"n": 1}, {"n": 2}, {"n": 50}])
    assert [r["n"] for r in two_small] == ["<5", "<5", 50]
    assert [r["n"] for r in withhold_small_groups([{"n": 0}, {"n": 7}])] == [0, 7]
