"""Issue 16: the dashboard measures waits in working hours on the working-day
calendar (nights, weekends and holidays do not count; make-up days do), and flags
a group that waits more than 1.5 times as long as the others."""

import csv
import io
from datetime import datetime

import pytest
from django.urls import reverse

from grievances import dashboard as stats
from tests.grievances.test_dashboard import SHANGHAI, case
from union_portal.core.calendar import WorkingClock, working_hours_between

pytestmark = pytest.mark.django_db
URL = reverse("grievances:dashboard")
CSV_URL = reverse("grievances:dashboard_csv")


def local(*args):
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "start, end, hours",
    [
        (local(2026, 3, 2, 10), local(2026, 3, 2, 13, 30), 3.5),  # within a day
        (local(2026, 3, 2, 17), local(2026, 3, 3, 10), 2),  # the night does not count
        (local(2026, 3, 2, 7), local(2026, 3, 2, 20), 9),  # before and after hours
        (local(2026, 3, 6, 17), local(2026, 3, 9, 10), 2),  # Friday to Monday
        (local(2026, 3, 7, 11), local(2026, 3, 8, 15), 0),  # a weekend only
        # Tuesday 30 Sept 2025 to Thursday 9 Oct: 1–8 Oct are National Day holidays.
        (local(2025, 9, 30, 17), local(2025, 10, 9, 10), 2),
        # Saturday 11 Oct 2025 is a make-up working day.
        (local(2025, 10, 10, 17), local(2025, 10, 11, 10), 2),
        (local(2026, 3, 2, 9), local(2026, 3, 13, 18), 90),  # two working weeks
    ],
)
def test_working_hours_follow_the_calendar(start, end, hours):
    assert working_hours_between(start, end) == pytest.approx(hours)


def test_one_clock_measures_many_waits_with_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        clock = WorkingClock(local(2025, 9, 1).date(), local(2025, 10, 31).date())
    with django_assert_num_queries(0):
        assert clock.hours_between(local(2025, 9, 30, 17), local(2025, 10, 9, 10)) == 2
        assert clock.hours_between(local(2025, 10, 10, 17), local(2025, 10, 13, 10)) == 11


def test_the_dashboard_counts_a_weekend_as_no_wait(branch):
    # Filed Friday 6 March 17:00, acknowledged Monday 10:00: 2 working hours, not 65.
    case(branch, filed_at=local(2026, 3, 6, 17), ack_after=65)
    (row,) = [r for r in stats._fairness(branch_ids={branch.pk})["hardship"] if r["n"]]
    assert row["ack_median"] == 2.0


@pytest.fixture
def slow_for_hardship(branch):
    """Five filers in hardship wait 27 working hours (three working days) for a
    resolution, six others 9 hours (one working day): 3× as long."""
    for _ in range(5):
        case(branch, filer_member__has_hardship=True, ack_after=2, resolve_after=72)
    for _ in range(6):
        case(branch, ack_after=2, resolve_after=9)


def test_a_group_waiting_over_one_and_a_half_times_the_others_is_flagged(branch, slow_for_hardship):
    hardship, others = stats.fairness(branch_ids={branch.pk})["hardship"]
    assert (hardship["resolve_median"], others["resolve_median"]) == (27.0, 9.0)
    assert hardship["flags"] == [{"measure": "resolve", "ratio": 3.0}]
    assert others["flags"] == []  # faster; the acknowledgement times are equal


def test_the_flag_is_on_the_page_and_in_the_csv_in_both_languages(
    client, people, branch, slow_for_hardship
):
    client.force_login(people["chair"])
    client.cookies["django_language"] = "en"
    page = client.get(URL).content.decode()
    assert page.count('data-testid="wait-flag"') == 1
    assert "Waits 3.0× longer than the others for resolution" in page
    assert "Acknowledgement (working hours)" in page
    rows = list(csv.reader(io.StringIO(client.get(CSV_URL).content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Flag" and "Median working hours to resolution" in rows[0]
    (hardship,) = [r for r in rows if r[1] == "members in hardship"]
    assert hardship[-1] == "Waits 3.0× longer than the others for resolution"
    client.cookies["django_language"] = "zh-hans"
    page = client.get(URL).content.decode()
    assert "办结等待时间为其他职工的 3.0 倍" in page and "工作小时" in page
    rows = list(csv.reader(io.StringIO(client.get(CSV_URL).content.decode("utf-8-sig"))))
    assert "办结等待时间为其他职工的 3.0 倍" in [r[-1] for r in rows]


def test_a_withheld_small_group_is_never_flagged(client, people, branch):
    for _ in range(3):  # three in hardship, very slow: fewer than 5, withheld
        case(branch, filer_member__has_hardship=True, ack_after=2, resolve_after=200)
    for _ in range(10):
        case(branch, ack_after=2, resolve_after=9)
    data = stats.fairness(branch_ids={branch.pk})
    assert all(row["flags"] == [] for key in stats.GROUPINGS for row in data[key])
    client.force_login(people["chair"])
    assert 'data-testid="wait-flag"' not in client.get(URL).content.decode()


def test_the_others_median_equals_the_median_of_the_rest_with_ties():
    import random

    rng = random.Random(16)
    for _ in range(200):
        values = sorted(
            rng.choice([1.0, 2.0, 2.0, 3.5, 7.0, 9.0]) for _ in range(rng.randint(1, 30))
        )
        excluded = sorted(rng.sample(values, rng.randint(0, len(values))))
        rest = list(values)
        for value in excluded:
            rest.remove(value)
        assert stats._median_excluding(values, excluded) == stats.percentile(rest, 0.5)
