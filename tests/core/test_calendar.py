from datetime import date

import pytest

from union_portal.core.calendar import (
    add_working_days,
    is_working_day,
    seed_from_chinese_calendar,
    working_days_between,
    years_without_schedule,
)
from union_portal.core.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2025, 10, 1), False),  # National Day
        (date(2025, 10, 8), False),  # National Day and Mid-autumn joined
        (date(2025, 9, 28), True),  # make-up Sunday
        (date(2025, 10, 11), True),  # make-up Saturday
        (date(2025, 1, 26), True),  # make-up Sunday before Spring Festival
        (date(2025, 2, 4), False),  # Spring Festival
        (date(2025, 2, 8), True),  # make-up Saturday after Spring Festival
        (date(2026, 2, 14), True),  # make-up Saturday before Spring Festival 2026
        (date(2026, 2, 23), False),  # last day of Spring Festival 2026
        (date(2026, 2, 28), True),  # make-up Saturday after it
        (date(2026, 10, 7), False),  # National Day 2026
        (date(2026, 10, 10), True),  # make-up Saturday
        (date(2026, 10, 11), False),  # an ordinary Sunday
        (date(2026, 10, 12), True),  # an ordinary Monday
    ],
)
def test_official_days_off_and_make_up_days(day, working):
    assert is_working_day(day) is working


def test_national_day_2025_skips_the_whole_week():
    # Tuesday 30 Sept + 1 working day: 1–8 Oct are off, so Thursday 9 Oct.
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    # Saturday 11 Oct is a make-up day, so 3 working days after 30 Sept land on it.
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)


def test_spring_festival_2026_counts_make_up_saturdays():
    # Friday 13 Feb + 1 is the make-up Saturday 14 Feb.
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    # Then 15–23 Feb are off: the next working day is Tuesday 24 Feb.
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)


def test_spring_festival_2025_three_working_days():
    # Friday 24 Jan 2025: Sunday 26 Jan is a make-up day, 27 Jan a Monday,
    # 28 Jan–4 Feb off.
    assert add_working_days(date(2025, 1, 24), 2) == date(2025, 1, 27)
    assert add_working_days(date(2025, 1, 24), 3) == date(2025, 2, 5)


def test_national_day_2026_fifteen_working_days():
    start = date(2026, 9, 24)  # Thursday before Mid-autumn and National Day
    end = add_working_days(start, 15)
    # 25 Sept (Mid-autumn) and 1–7 Oct are off; Saturday 10 Oct is worked.
    assert end == date(2026, 10, 22)
    assert working_days_between(start, end) == 15


def test_adding_backwards_and_zero():
    assert add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)
    assert add_working_days(date(2025, 10, 9), 0) == date(2025, 10, 9)


def test_working_days_between_is_antisymmetric():
    a, b = date(2025, 9, 26), date(2025, 10, 13)
    assert working_days_between(a, b) == 7
    assert working_days_between(b, a) == -7
    assert working_days_between(a, a) == 0


def test_a_year_without_schedule_counts_monday_to_friday():
    assert years_without_schedule([2026, 2031]) == [2031]
    # 1 May 2031 is a Thursday: with no schedule entered it is a working day.
    assert is_working_day(date(2031, 5, 1))
    assert add_working_days(date(2031, 5, 2), 1) == date(2031, 5, 5)


def test_admin_edits_survive_reseeding():
    CalendarDay.objects.filter(date=date(2026, 10, 10)).update(name="edited")
    assert seed_from_chinese_calendar() == []
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).name == "edited"


def test_seeding_adds_a_missing_year():
    CalendarYear.objects.filter(year=2025).delete()
    CalendarDay.objects.filter(date__year=2025).delete()
    assert seed_from_chinese_calendar() == [2025]
    assert not is_working_day(date(2025, 10, 1))
