"""The missing holiday schedule: who is warned, where it is entered, and the
"estimated" mark beside a working-day deadline in a year without one."""

from datetime import UTC, date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone

from grievances.models import Grievance, GrievanceEvent
from tests.factories import CategoryFactory, GrievanceFactory, UserFactory, fund_notice
from union_portal.core.calendar import add_working_days, is_estimated
from union_portal.core.models import CalendarYear

pytestmark = pytest.mark.django_db

WARNING = 'data-testid="calendar-warning"'
ESTIMATED = 'data-testid="estimated-deadline"'
UNSCHEDULED = 2031  # chinese-calendar knows years up to 2026 only


@pytest.fixture
def next_year_missing():
    today = timezone.localdate()
    CalendarYear.objects.get_or_create(year=today.year, defaults={"source": "test"})
    CalendarYear.objects.filter(year__gt=today.year).delete()
    return today.year + 1


@pytest.mark.parametrize(
    "role, warned",
    [
        ("anonymous", False),
        ("member", False),
        ("officer", True),
        ("chair", True),
        ("liaison", True),
        ("other_officer", True),
        ("staff", True),
    ],
)
def test_the_missing_schedule_warning_reaches_those_who_work_on_deadlines(
    client, people, next_year_missing, role, warned
):
    if role == "staff":
        client.force_login(UserFactory(is_staff=True))
    elif role != "anonymous":
        client.force_login(people[role])
    for url in ("/", reverse("notices:list")):
        page = client.get(url).content.decode()
        assert (WARNING in page) is warned
        if warned:
            warning = page[page.index(WARNING) : page.index("</div>", page.index(WARNING))]
            assert str(next_year_missing) in warning
            # Only staff can enter it, so only staff are sent to the admin.
            admin_link = reverse("admin:core_calendaryear_changelist") in warning
            assert admin_link is (role == "staff")


def test_no_warning_once_the_schedule_is_entered(client, people, next_year_missing):
    CalendarYear.objects.create(year=next_year_missing, source="国务院办公厅通知")
    for role in ("officer", "chair", "liaison"):
        client.force_login(people[role])
        assert WARNING not in client.get("/").content.decode()


@pytest.mark.parametrize("changelist", ["calendaryear", "calendarday"])
def test_the_admin_pages_where_the_schedule_is_entered_show_the_warning(
    client, next_year_missing, changelist
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse(f"admin:core_{changelist}_changelist")
    page = client.get(url).content.decode()
    messages = page[page.index('class="messagelist"') :]
    assert 'class="warning"' in messages and str(next_year_missing) in messages

    CalendarYear.objects.create(year=next_year_missing, source="admin")
    assert 'class="messagelist"' not in client.get(url).content.decode()


def test_is_estimated_follows_the_years_entered():
    assert not is_estimated(date(2026, 5, 6))
    assert is_estimated(date(UNSCHEDULED, 5, 6))
    assert is_estimated(date(UNSCHEDULED, 5, 6), years={2026}) is True
    assert is_estimated(date(UNSCHEDULED, 5, 6), years={UNSCHEDULED}) is False
    # An aware datetime counts by its local date: 31 Dec 2030 20:00 UTC is 2031 in Shanghai.
    assert is_estimated(datetime(2030, 12, 31, 20, tzinfo=UTC))
    assert not is_estimated(None)


@pytest.fixture
def category(branch, people):
    return CategoryFactory(branch=branch, name="工作环境", default_assignee=people["officer"])


def _cases(category, people, n, due):
    created = Grievance.objects.bulk_create(
        [
            GrievanceFactory.build(
                category=category,
                branch=category.branch,
                assignee=people["officer"],
                filer=people["member"],
                filer_member=people["member"].member,
                ack_due=due,
                resolve_due=add_working_days(due, 12),
            )  # fmt: skip
            for _ in range(n)
        ]
    )
    GrievanceEvent.objects.bulk_create(
        [
            GrievanceEvent(grievance=g, kind="filed", text="x", level="branch", status="new")
            for g in created
        ]
    )
    return created


def test_a_case_due_in_a_year_without_schedule_is_marked_estimated(client, people, category):
    estimated = _cases(category, people, 1, date(UNSCHEDULED, 1, 6))[0]
    scheduled = _cases(category, people, 1, date(2026, 6, 8))[0]
    client.force_login(people["officer"])

    page = client.get(reverse("grievances:detail", args=[estimated.pk])).content.decode()
    assert page.count(ESTIMATED) == 2  # acknowledgement and resolution
    assert "（预计）" in page and f"{UNSCHEDULED}" in page
    page = client.get(reverse("grievances:detail", args=[scheduled.pk])).content.decode()
    assert ESTIMATED not in page

    queue = client.get(reverse("grievances:queue")).content.decode()
    rows = {int(chunk.split('"', 1)[0]): chunk for chunk in queue.split('data-case="')[1:]}
    assert ESTIMATED in rows[estimated.pk]
    assert ESTIMATED not in rows[scheduled.pk]

    # The filer sees the same mark on their case.
    client.force_login(people["member"])
    page = client.get(reverse("grievances:detail", args=[estimated.pk])).content.decode()
    assert ESTIMATED in page


@pytest.mark.parametrize("size", [2, 40])
def test_estimated_marks_add_no_query_per_row(
    client, people, category, size, django_assert_max_num_queries
):
    _cases(category, people, size, date(UNSCHEDULED, 1, 6))
    client.force_login(people["officer"])
    with django_assert_max_num_queries(9):  # as the queue without marks (test_pages)
        page = client.get(reverse("grievances:queue")).content.decode()
    rows = page.count('data-testid="case-row"')
    assert rows == min(size, 25) and page.count(ESTIMATED) == rows


def test_a_notice_published_into_a_year_without_schedule_shows_its_period_as_estimated(
    client, branch, people
):
    published_at = timezone.make_aware(datetime.combine(date(UNSCHEDULED, 3, 3), time(10)))
    notice = fund_notice(
        branch, people["officer"], chair=people["chair"], status="published", now=published_at
    )
    assert notice.objection_closes_on.year == UNSCHEDULED
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert ESTIMATED in page  # the public sees the mark too

    CalendarYear.objects.create(year=UNSCHEDULED, source="admin")
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert ESTIMATED not in page
