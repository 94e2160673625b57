"""Issue 16: the 保密 mark on confidential cases, and the first deadline and the
overdue badge on every row of the handler's queue."""

import itertools
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grievances import selectors
from grievances.models import Grievance, GrievanceEvent
from tests.factories import CategoryFactory, GrievanceFactory

pytestmark = pytest.mark.django_db
Status, Level = Grievance.Status, Grievance.Level
CHAIR_NOTE = "提出人姓名仅您（分工会主席）可见，不向其他任何人公开。"
ROW = re.compile(
    r'<li class="list-group-item" data-testid="case-row" data-case="(\d+)">(.*?)</li>', re.S
)


@pytest.fixture
def category(branch, people):
    return CategoryFactory(branch=branch, name="工作环境", default_assignee=people["officer"])


def case(category, people, **fields):
    return GrievanceFactory(category=category, assignee=people["officer"], **fields)


def day(n):
    return timezone.localdate() + timedelta(days=n)


def rows(page):
    """Each list row's HTML, by case number."""
    return {int(pk): body for pk, body in ROW.findall(page.content.decode())}


def test_overdue_in_sql_agrees_with_is_overdue_in_every_state(category, people):
    today = date(2026, 3, 10)
    made = [
        case(category, people, status=status, level=level, ack_due=ack, resolve_due=resolve)
        for status, level, ack, resolve in itertools.product(
            Status.values,
            Level.values,
            (today - timedelta(days=1), today, today + timedelta(days=1)),
            (today - timedelta(days=1), today, today + timedelta(days=1)),
        )
    ]
    queued = {g.pk: g for g in selectors.with_deadline(Grievance.objects.all(), today)}
    for grievance in made:
        assert queued[grievance.pk].overdue == selectors.is_overdue(grievance, today), (
            grievance.status, grievance.level, grievance.ack_due, grievance.resolve_due,
        )  # fmt: skip


def test_stored_deadline_and_its_kind_agree_with_the_sql_rule_in_every_state(category, people):
    """The queue sorts on the deadline PostgreSQL stores (Grievance.deadline) and
    its rows say which one it is in Python (selectors.deadline_kind): both follow
    with_deadline's rule, whatever the status and level."""
    ack, resolve = date(2026, 3, 12), date(2026, 3, 31)
    made = [
        case(category, people, status=status, level=level, ack_due=ack, resolve_due=resolve)
        for status, level in itertools.product(Status.values, Level.values)
    ]
    queued = {g.pk: g for g in selectors.with_deadline(Grievance.objects.all(), ack)}
    for grievance in made:
        grievance.refresh_from_db()
        kind = selectors.deadline_kind(grievance)
        assert kind == queued[grievance.pk].deadline_kind, (grievance.status, grievance.level)
        assert grievance.deadline == {"ack": ack, "resolve": resolve, "": None}[kind]


def test_first_deadline_is_acknowledgement_until_acknowledged_then_resolution(category, people):
    ack, resolve = date(2026, 3, 12), date(2026, 3, 31)
    new = case(category, people, ack_due=ack, resolve_due=resolve)
    started = case(category, people, status=Status.IN_PROGRESS, ack_due=ack, resolve_due=resolve)
    waiting = case(category, people, status=Status.WAITING_FILER, ack_due=ack, resolve_due=resolve)
    # Escalated before anyone acknowledged it: the chair's resolution deadline counts.
    escalated = case(category, people, level=Level.CHAIR, ack_due=ack, resolve_due=resolve)
    closed = case(category, people, status=Status.CLOSED, ack_due=ack, resolve_due=resolve)
    queued = {g.pk: g for g in selectors.with_deadline(Grievance.objects.all(), date(2026, 3, 1))}
    assert (queued[new.pk].deadline_kind, queued[new.pk].deadline) == ("ack", ack)
    for grievance in (started, waiting, escalated):
        kind_and_date = (queued[grievance.pk].deadline_kind, queued[grievance.pk].deadline)
        assert kind_and_date == ("resolve", resolve)
    assert queued[closed.pk].deadline is None


def test_confidential_cases_carry_the_mark_in_the_queue_and_named_ones_none(
    client, category, people
):
    member = people["member"].member
    secret = case(
        category, people, confidentiality="confidential", filer_member=member,
        filer=people["member"],
    )  # fmt: skip
    named = case(category, people, confidentiality="named")
    for who in ("chair", "officer"):
        client.force_login(people[who])
        queue = rows(client.get(reverse("grievances:queue")))
        assert 'data-testid="case-confidential"' in queue[secret.pk] and "保密" in queue[secret.pk]
        assert "保密" not in queue[named.pk]
        assert member.name not in queue[secret.pk]
    # The filer's own list shows the mark too.
    client.force_login(people["member"])
    mine = rows(client.get(reverse("grievances:mine")))
    assert "保密" in mine[secret.pk]


def test_case_page_tells_the_chair_alone_who_may_know_the_confidential_name(
    client, category, people
):
    member = people["member"].member
    secret = case(
        category, people, confidentiality="confidential", filer_member=member,
        filer=people["member"],
    )  # fmt: skip
    named = case(category, people, confidentiality="named")
    url = reverse("grievances:detail", args=[secret.pk])

    client.force_login(people["chair"])
    page = client.get(url).content.decode()
    assert 'data-testid="case-confidential"' in page and CHAIR_NOTE in page
    assert member.name in page
    named_page = client.get(reverse("grievances:detail", args=[named.pk])).content.decode()
    assert 'data-testid="case-confidential"' not in named_page and CHAIR_NOTE not in named_page

    client.force_login(people["officer"])
    page = client.get(url).content.decode()
    assert 'data-testid="case-confidential"' in page
    assert CHAIR_NOTE not in page and member.name not in page

    client.force_login(people["member"])
    page = client.get(url).content.decode()
    assert 'data-testid="case-confidential"' in page and CHAIR_NOTE not in page


def test_confidential_mark_and_chair_note_in_english(client, category, people):
    secret = case(category, people, confidentiality="confidential")
    client.force_login(people["chair"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("grievances:detail", args=[secret.pk])).content.decode()
    assert ">Confidential</span>" in html
    assert "Only you, the branch chair, can see the filer" in html


def test_queue_shows_each_rows_first_deadline_and_an_overdue_badge_on_every_overdue_row(
    client, category, people
):
    late_ack = case(category, people, ack_due=day(-2), resolve_due=day(10))
    on_time = case(category, people, ack_due=day(2), resolve_due=day(14))
    late_resolve = case(
        category, people, status=Status.IN_PROGRESS, ack_due=day(-20), resolve_due=day(-1)
    )
    started = case(category, people, status=Status.IN_PROGRESS, ack_due=day(-5), resolve_due=day(5))
    for who in ("chair", "officer"):
        client.force_login(people[who])
        queue = rows(client.get(reverse("grievances:queue")))
        assert f"受理期限 {late_ack.ack_due:%Y-%m-%d}" in queue[late_ack.pk]
        assert f"受理期限 {on_time.ack_due:%Y-%m-%d}" in queue[on_time.pk]
        assert f"办结期限 {late_resolve.resolve_due:%Y-%m-%d}" in queue[late_resolve.pk]
        assert f"办结期限 {started.resolve_due:%Y-%m-%d}" in queue[started.pk]
        # An acknowledged case no longer shows its (passed) acknowledgement deadline.
        assert "受理期限" not in queue[started.pk]
        overdue = {pk for pk, row in queue.items() if 'data-testid="case-overdue"' in row}
        assert overdue == {late_ack.pk, late_resolve.pk}
        assert "已逾期" in queue[late_ack.pk]
        # "Overdue only" lists exactly the rows with the badge.
        only = rows(client.get(reverse("grievances:queue"), {"overdue": "on"}))
        assert set(only) == overdue


@pytest.mark.parametrize("size", [10, 500])
def test_chairs_queue_with_marks_and_deadlines_costs_fixed_queries(
    client, category, people, size, django_assert_max_num_queries
):
    states = [
        {"confidentiality": "confidential", "ack_due": day(-1)},
        {"status": Status.IN_PROGRESS, "resolve_due": day(-1), "confidentiality": "confidential"},
        {"confidentiality": "anonymous", "filer": None, "filer_member": None},
        {"level": Level.CHAIR},
    ]
    base = case(category, people)
    Grievance.objects.bulk_create(
        [
            Grievance(
                **{
                    "branch": category.branch, "category": category, "kind": "grievance",
                    "subject": f"诉求{i}", "description": "x", "confidentiality": "named",
                    "assignee": people["officer"], "filer": base.filer,
                    "filer_member": base.filer_member, "ack_due": day(0), "resolve_due": day(0),
                    **states[i % len(states)],
                    **({"receipt_hash": f"{i:064x}"} if i % len(states) == 2 else {}),
                }
            )
            for i in range(size)
        ]
    )  # fmt: skip
    for who in ("chair", "officer"):
        client.force_login(people[who])
        with django_assert_max_num_queries(7):
            page = client.get(reverse("grievances:queue"))
        html = page.content.decode()
        assert 'data-testid="case-overdue"' in html and 'data-testid="case-confidential"' in html


def order(page):
    """The case numbers of a list page, in the order shown."""
    return [int(pk) for pk, _body in ROW.findall(page.content.decode())]


def test_queue_opens_on_what_needs_doing_the_missed_deadline_first_closed_behind_the_filter(
    client, category, people, django_assert_max_num_queries
):
    closed = case(category, people, status=Status.CLOSED, ack_due=day(-30), resolve_due=day(-20))
    later = case(category, people, status=Status.IN_PROGRESS, ack_due=day(-5), resolve_due=day(8))
    # Not acknowledged: its first deadline is the acknowledgement's, missed yesterday.
    overdue = case(category, people, ack_due=day(-1), resolve_due=day(12))
    resolved = case(category, people, status=Status.RESOLVED, ack_due=day(-9), resolve_due=day(3))
    for who in ("chair", "officer"):
        client.force_login(people[who])
        with django_assert_max_num_queries(10):
            default = client.get(reverse("grievances:queue"))
        assert order(default) == [overdue.pk, later.pk, resolved.pk]
        assert default.context["page"].paginator.count == 3
        assert order(client.get(reverse("grievances:queue"), {"status": "closed"})) == [closed.pk]
        with django_assert_max_num_queries(10):
            every = client.get(reverse("grievances:queue"), {"status": "all"})
        assert order(every) == [overdue.pk, later.pk, resolved.pk, closed.pk]
        # The search finds a closed case behind the filter only.
        found = client.get(reverse("grievances:queue"), {"status": "all", "q": closed.subject})
        assert order(found) == [closed.pk]
        assert order(client.get(reverse("grievances:queue"), {"q": closed.subject})) == []
        assert 'value="all" selected' in every.content.decode()


def test_report_filters_still_count_closed_cases_when_the_link_asks_for_every_status(
    client, category, people
):
    closed = case(category, people, status=Status.CLOSED)
    Grievance.objects.filter(pk=closed.pk).update(escalations=1, appealed=True)
    client.force_login(people["chair"])
    year = timezone.localdate().year
    for extra in ({"escalated": 1}, {"appealed": 1}, {}):
        page = client.get(reverse("grievances:queue"), {"year": year, "status": "all", **extra})
        assert order(page) == [closed.pk], extra
    # Without it, the work list opens on open cases only.
    assert order(client.get(reverse("grievances:queue"), {"year": year})) == []


def test_a_chair_who_also_handles_another_branchs_case_finds_it_in_their_queue(
    client, category, people, other_branch
):
    """The chair's queue is read from the index on their branch's open cases unless
    they hold a case elsewhere (here as an officer of another branch): then that
    case is in it too, in deadline order with their branch's cases."""
    from members.models import BranchRole

    chair = people["chair"]
    ours = case(category, people, ack_due=day(3), resolve_due=day(15))
    BranchRole.objects.create(user=chair, branch=other_branch, role="officer")
    elsewhere = GrievanceFactory(
        category=CategoryFactory(branch=other_branch), assignee=chair,
        ack_due=day(1), resolve_due=day(12),
    )  # fmt: skip
    theirs = GrievanceFactory(category=CategoryFactory(branch=other_branch), ack_due=day(2))
    client.force_login(chair)
    page = client.get(reverse("grievances:queue"))
    assert order(page) == [elsewhere.pk, ours.pk]
    assert theirs.pk not in order(page)
    assert page.context["page"].paginator.count == 2


def test_the_clocks_escalations_are_read_only_for_rows_the_reader_holds(client, category, people):
    """ "Now under your supervision": a case the clock passed up to the chair, which
    they hold. A page with none of the chair's cases reads no escalation at all."""
    case(category, people, level=Level.CHAIR)  # the officer's, passed up by the clock
    client.force_login(people["chair"])
    with CaptureQueriesContext(connection) as none_theirs:
        page = client.get(reverse("grievances:queue"))
    assert 'data-testid="case-supervising"' not in page.content.decode()
    theirs = GrievanceFactory(category=category, assignee=people["chair"], level=Level.CHAIR)
    GrievanceEvent.objects.create(
        grievance=theirs, kind="escalated", level="chair", status="new", actor=None
    )
    with CaptureQueriesContext(connection) as one_theirs:
        page = client.get(reverse("grievances:queue"))
    assert len(one_theirs) == len(none_theirs) + 1
    marked = [pk for pk, body in rows(page).items() if 'data-testid="case-supervising"' in body]
    assert marked == [theirs.pk]
