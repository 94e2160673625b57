"""The proposal list pages: 25 a page, the filters kept in the page links."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participation import services
from participation.views import PAGE_SIZE

pytestmark = pytest.mark.django_db


def drafts(people, n, start=0):
    for i in range(start, start + n):
        services.proposal_create(actor=people["member"], title=f"提案{i:03d}", body="b")


def test_the_list_pages_through_every_proposal_keeping_the_filters(client, people, term):
    drafts(people, PAGE_SIZE + 5)
    client.force_login(people["member"])
    first = client.get(reverse("participation:list"), {"status": "draft", "q": "提案"})
    assert len(first.context["proposals"]) == PAGE_SIZE
    page = first.content.decode()
    assert first.context["page"].paginator.count == PAGE_SIZE + 5
    assert "status=draft" in page and "page=2" in page
    second = client.get(reverse("participation:list"),
                        {"status": "draft", "q": "提案", "page": 2})  # fmt: skip
    titles = {p.title for p in second.context["proposals"]} | {
        p.title for p in first.context["proposals"]
    }
    assert len(titles) == PAGE_SIZE + 5  # nothing lost, nothing twice


def test_a_paged_list_costs_the_same_queries_at_two_sizes(client, people, term):
    counts, made = [], 0
    for size in (3, PAGE_SIZE + 10):
        drafts(people, size - made, made)
        made = size
        client.force_login(people["member"])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("participation:list"))
        assert response.status_code == 200
        counts.append(len(queries))
    # The same queries for a page of proposals as for a few: the benchmark compares
    # the count at full scale with a demo-sized one.
    assert counts[0] == counts[1], counts
    # User, roles (2), the offices (those the user answers for and the filter's
    # choices in one), the count, the page's ids, its rows and the unread count.
    assert counts[1] <= 8, counts
    assert first_page_rows(client) == PAGE_SIZE


def first_page_rows(client):
    return len(client.get(reverse("participation:list")).context["proposals"])
