"""Lists that open on what needs doing: the chair's notices awaiting approval
first (and a filter for them), the objections waiting for an answer (a filter
on the list; on the notice, unanswered first, the answered ones folded away)."""

import re

import pytest
from django.urls import reverse

from notices import services
from tests.factories import fund_notice

pytestmark = pytest.mark.django_db


def titles(response):
    return re.findall(r'<a href="/notices/\d+/">([^<]+)</a>', response.content.decode())


@pytest.fixture
def notices(branch, people):
    officer, chair, member = people["officer"], people["chair"], people["member"]
    published = fund_notice(branch, officer, title="已发布的公示", status="published", chair=chair)
    awaiting = fund_notice(branch, officer, title="等待审批的公示", status="awaiting")
    fund_notice(branch, officer, title="草稿公示")
    objection = services.objection_file(
        user=member, member=member.member, notice=published, text="金额偏高"
    )
    return {"published": published, "awaiting": awaiting, "objection": objection}


def test_chairs_list_opens_on_what_awaits_approval_with_a_filter_for_it(client, people, notices):
    client.force_login(people["chair"])
    listed = titles(client.get(reverse("notices:list")))
    assert listed[0] == "等待审批的公示"
    assert set(listed) == {"等待审批的公示", "草稿公示", "已发布的公示"}
    assert titles(client.get(reverse("notices:list"), {"status": "awaiting"})) == ["等待审批的公示"]
    # A member never reaches an unpublished notice through the filter.
    client.force_login(people["member"])
    assert titles(client.get(reverse("notices:list"), {"status": "awaiting"})) == []
    assert titles(client.get(reverse("notices:list"))) == ["已发布的公示"]


def test_objections_filter_lists_notices_waiting_for_an_answer_until_answered(
    client, people, notices
):
    url = reverse("notices:list")
    for who, expected in (("officer", ["已发布的公示"]), ("chair", ["已发布的公示"]),
                          ("other_officer", []), ("member", [])):  # fmt: skip
        client.force_login(people[who])
        assert titles(client.get(url, {"objections": "to_answer"})) == expected, who
    # Signed out, the filter (a link an officer's home page carries) shows nothing.
    client.logout()
    for status in ("", "awaiting"):
        response = client.get(url, {"objections": "to_answer", "status": status})
        assert response.status_code == 200 and titles(response) == []
    answer = services.objection_answer
    answer(actor=people["officer"], objection=notices["objection"], text="已核对")
    client.force_login(people["officer"])
    assert titles(client.get(url, {"objections": "to_answer"})) == []


def test_notice_page_shows_unanswered_objections_first_and_folds_the_answered(
    client, people, notices
):
    member, notice = people["member"], notices["published"]
    answer = services.objection_answer
    answer(actor=people["officer"], objection=notices["objection"], text="已核对")
    services.objection_file(user=member, member=member.member, notice=notice, text="第二条异议")
    client.force_login(people["officer"])
    html = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    folded = html[html.index('data-testid="objections-answered"') :]
    assert html.index("第二条异议") < html.index('data-testid="objections-answered"')
    assert "金额偏高" in folded and "已核对" in folded and "第二条异议" not in folded
    assert html.count('data-testid="answer-form"') == 1


@pytest.mark.parametrize("size", [1, 15])
def test_objections_filter_costs_fixed_queries(
    client, branch, people, size, django_assert_max_num_queries
):
    member = people["member"]
    for i in range(size):
        notice = fund_notice(
            branch, people["officer"], title=f"公示{i}", status="published", chair=people["chair"]
        )
        services.objection_file(user=member, member=member.member, notice=notice, text="异议")
    client.force_login(people["officer"])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notices:list"), {"objections": "to_answer"})
    assert response.context["page"].paginator.count == size


def test_an_officers_own_objection_is_not_theirs_to_answer(client, people, notices):
    """Review r4: an officer is a member of the branch too and may object to its
    notice; their objection then waited on their own home page as one to answer,
    and they could answer it themselves. Another officer (or the chair) answers
    it; the officer's page says so where the answer form was."""
    officer, notice = people["officer"], notices["published"]
    own = services.objection_file(
        user=officer, member=officer.member, notice=notice, text="我自己的异议QOWNQ"
    )
    client.force_login(officer)
    home = client.get(reverse("core:home")).content.decode()
    block = home[home.index('data-testid="home-objections"') :]
    assert block[: block.index("</section>")].count('data-testid="home-row"') == 1  # the member's
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert page.count('data-testid="answer-form"') == 1
    assert 'data-testid="own-objection"' in page and "QOWNQ" in page
    response = client.post(
        reverse("notices:answer", args=[notice.pk, own.pk]), {"text": "我认为没问题"}
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.answered_at is None
    services.objection_answer(actor=people["chair"], objection=own, text="已核对")
    services.objection_answer(actor=officer, objection=notices["objection"], text="已核对")
    assert titles(client.get(reverse("notices:list"), {"objections": "to_answer"})) == []
