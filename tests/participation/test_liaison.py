"""An answer still missing after its escalation to the branch chair is listed on
the university liaison's page: per branch the count, and each proposal's branch,
title, office and working days overdue (titles and offices only: no names)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.university import university_overview
from participation import services
from participation.models import Proposal
from union_portal.core.calendar import add_working_days, working_days_between

from .conftest import assigned, member_of

pytestmark = pytest.mark.django_db


def overdue(people, term, colleagues, office, today, *, working_days=4, escalate=True):
    proposal = assigned(people, term, colleagues, office)
    due = add_working_days(today, -working_days)
    Proposal.objects.filter(pk=proposal.pk).update(answer_due=due)
    if escalate:
        services.proposal_escalate_overdue()
    return Proposal.objects.get(pk=proposal.pk)


def test_the_liaison_sees_answers_overdue_after_escalation(
    client, people, branch, term, colleagues, office, today
):
    late = overdue(people, term, colleagues, office, today)
    # On time, and overdue but not yet escalated (the beat has not run): not listed.
    assigned(people, term, colleagues, office)
    not_escalated = overdue(people, term, colleagues, office, today, escalate=False)
    client.force_login(people["liaison"])
    response = client.get(reverse("core:home"))
    page = response.content.decode()
    overview = university_overview()  # what the page's table was drawn from
    assert [p["pk"] for p in overview["overdue_proposals"]] == [late.pk]
    assert not_escalated.pk not in [p["pk"] for p in overview["overdue_proposals"]]
    row = next(r for r in overview["rows"] if r["branch"] == branch.name)
    assert row["overdue_answers"] == 1
    listed = overview["overdue_proposals"][0]
    assert listed["working_days_late"] == working_days_between(late.answer_due, today) == 4
    table = page.split('data-testid="overdue-proposals"')[1].split("</table>")[0]
    assert late.title in table and "教务办" in table and branch.name in table and ">4<" in table
    assert member_of(people["member"]).name not in page
    # The dashboard carries the same table.
    dashboard = client.get(reverse("grievances:dashboard")).content.decode()
    assert 'data-testid="overdue-proposals"' in dashboard


def test_an_answered_proposal_leaves_the_list(client, people, term, colleagues, office, today):
    late = overdue(people, term, colleagues, office, today)
    services.proposal_answer(actor=office.contacts.get(), proposal=late, text="已办。")
    client.force_login(people["liaison"])
    page = client.get(reverse("core:home")).content.decode()
    assert late.title not in page
    assert university_overview()["overdue_proposals"] == []


@pytest.mark.parametrize("role", ["member", "officer", "chair", "other_officer"])
def test_nobody_else_sees_the_overdue_list(client, people, term, colleagues, office, today, role):
    overdue(people, term, colleagues, office, today)
    client.force_login(people[role])
    assert b'data-testid="overdue-proposals"' not in client.get(reverse("core:home")).content


def test_the_liaisons_page_costs_the_same_queries_at_two_sizes(
    client, people, term, colleagues, office, today
):
    counts = []
    client.force_login(people["liaison"])
    client.get(reverse("core:home"))  # what a process reads once, out of the count
    for size in (1, 6):
        while Proposal.objects.filter(escalated_due__isnull=False).count() < size:
            overdue(people, term, colleagues, office, today,
                    working_days=Proposal.objects.count() + 1)  # fmt: skip
        cache.clear()  # the table computed, not read from the cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("core:home"))
        table = response.content.decode().split('data-testid="overdue-proposals"')[1]
        assert table.split("<tbody>")[1].split("</tbody>")[0].count("<tr>") == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_working_days_late_counts_as_working_days_between(db, today):
    from union_portal.core.calendar import working_days_late

    dues = [today - timedelta(days=n) for n in (1, 3, 9, 40)]
    assert working_days_late(dues, today) == [working_days_between(d, today) for d in dues]
    assert working_days_late([], today) == []
