"""A superuser cannot get round the admin's hidden columns by filtering the
changelist through its address: Django allows `?field=value` for any field of
the model, shown or not."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from tests.factories import CategoryFactory, GrievanceFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def confidential_case(branch):
    return GrievanceFactory(
        category=CategoryFactory(branch=branch), confidentiality="confidential",
        subject="机密诉求-MARKER",
    )  # fmt: skip


def listed(response, text):
    return response.status_code == 200 and text in response.content.decode()


@pytest.mark.parametrize(
    "lookup", ["filer={user}", "filer__id__exact={user}", "filer_member={member}"]
)
def test_admin_case_list_cannot_be_filtered_by_a_confidential_filer(
    superuser_client, confidential_case, lookup
):
    address = "/admin/grievances/grievance/?" + lookup.format(
        user=confidential_case.filer_id, member=confidential_case.filer_member_id
    )
    assert not listed(superuser_client.get(address), "机密诉求-MARKER")


@pytest.mark.parametrize(
    "address",
    [
        "/admin/core/user/?grievances_filed={case}",
        "/admin/core/user/?grievances_filed__isnull=False",
        "/admin/members/member/?grievances={case}",
    ],
)
def test_admin_people_lists_cannot_be_filtered_by_the_case_they_filed(
    superuser_client, confidential_case, address
):
    response = superuser_client.get(address.format(case=confidential_case.pk))
    assert not listed(response, confidential_case.filer.email)
    assert not listed(response, confidential_case.filer_member.name)


def test_admin_cannot_bisect_an_anonymous_filing_minute(superuser_client, branch):
    case = GrievanceFactory(
        category=CategoryFactory(branch=branch), confidentiality="anonymous",
        filer=None, filer_member=None, receipt_hash="a" * 64, subject="匿名-MARKER",
    )  # fmt: skip
    filed = datetime(2026, 11, 24, 10, 37, tzinfo=SHANGHAI)
    type(case).objects.filter(pk=case.pk).update(filed_at=filed)
    # Before 10:37 and from 10:38: if only one of them lists the case, the minute is known.
    early = superuser_client.get("/admin/grievances/grievance/?filed_at__lt=2026-11-24+10:37")
    late = superuser_client.get("/admin/grievances/grievance/?filed_at__gte=2026-11-24+10:38")
    around = superuser_client.get(
        "/admin/grievances/grievance/?filed_at__gte=2026-11-24+10:37&filed_at__lt=2026-11-24+10:38"
    )
    assert not listed(around, "匿名-MARKER")
    assert not listed(early, "匿名-MARKER") and not listed(late, "匿名-MARKER")
    assert superuser_client.get("/admin/grievances/grievance/").status_code == 200
