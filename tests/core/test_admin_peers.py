"""The Django admin's changelists that the benchmark times beside the portal's lists
(bench/pages.py ADMIN_PEERS) load for a superuser, list the rows and cost the same
number of queries however many rows there are: the peer stays a fair one."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import CategoryFactory, GrievanceFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def _queries(client, address):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


def test_admin_member_search_costs_the_same_for_3_or_40_members(
    superuser_client, branch, other_branch, django_assert_max_num_queries
):
    address = f"/admin/members/member/?q=王&branch__id__exact={branch.pk}"
    MemberFactory(branch=other_branch, name="王其他")
    for n in range(3):
        MemberFactory(branch=branch, name=f"王{n}号")
    superuser_client.get(address)  # content types and the like, once per process
    few, page = _queries(superuser_client, address)
    assert "王2号" in page and "王其他" not in page
    for n in range(3, 40):
        MemberFactory(branch=branch, name=f"王{n}号")
    with django_assert_max_num_queries(few):
        many, page = _queries(superuser_client, address)
    assert "王39号" in page and "王其他" not in page
    assert many == few <= 10


def test_admin_case_list_costs_the_same_for_3_or_40_cases(
    superuser_client, branch, other_branch, django_assert_max_num_queries
):
    address = f"/admin/grievances/grievance/?branch__id__exact={branch.pk}"
    category = CategoryFactory(branch=branch)
    GrievanceFactory(category=CategoryFactory(branch=other_branch), subject="别处的诉求")
    for n in range(3):
        GrievanceFactory(category=category, subject=f"诉求第{n}件")
    superuser_client.get(address)
    few, page = _queries(superuser_client, address)
    assert "诉求第2件" in page and "别处的诉求" not in page
    for n in range(3, 40):
        GrievanceFactory(category=category, subject=f"诉求第{n}件")
    with django_assert_max_num_queries(few):
        many, page = _queries(superuser_client, address)
    assert "诉求第39件" in page and "别处的诉求" not in page
    assert many == few <= 10
