"""Accepted proposals a branch makes public, read signed out on a phone (375×812):
the list, then a proposal with its office's answers, the rating and the names."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from participation import services
from tests.browser.conftest import PHONE
from tests.factories import user_with_role

pytestmark = pytest.mark.browser


def test_a_stranger_reads_an_accepted_proposal_and_its_answers_on_a_phone(
    page, live_server, branch
):
    proposer, chair = user_with_role("member", branch), user_with_role("chair", branch)
    contact = user_with_role("member", branch)
    today = timezone.localdate()
    start, end = today - timedelta(days=1), today + timedelta(days=700)
    services.term_save(actor=chair, branch_id=branch.pk, name="第五届", start=start, end=end)
    office = services.office_save(actor=chair, branch_id=branch.pk, name="后勤处",
                                  contacts=[contact])  # fmt: skip
    services.setting_save(actor=chair, branch_id=branch.pk, representatives_only=False,
                          cosigners_needed=0, public_proposals=True)  # fmt: skip
    proposal = services.proposal_create(actor=proposer, title="增设早高峰校车班次",
                                        body="早上7点前后校车满员。建议加开一班。")  # fmt: skip
    services.proposal_open(actor=proposer, proposal=proposal)
    services.proposal_submit(actor=proposer, proposal=proposal)
    services.review_start(actor=chair, proposal=proposal)
    services.proposal_decide(actor=chair, proposal=proposal, decision="accepted")
    services.proposal_assign(actor=chair, proposal=proposal, office=office)
    services.proposal_answer(actor=contact, proposal=proposal, text="下月起早7:10加开一班。")
    services.proposal_rate(actor=proposer, proposal=proposal, rating="satisfied")
    draft = services.proposal_create(actor=proposer, title="尚未提交的草稿", body="b")

    page.goto(f"{live_server.url}/proposals/public/")
    expect(page.get_by_test_id("public-list")).to_contain_text("增设早高峰校车班次")
    expect(page.get_by_test_id("public-list")).not_to_contain_text(draft.title)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("link", name="增设早高峰校车班次").click()
    expect(page.get_by_test_id("answer")).to_have_text("下月起早7:10加开一班。")
    expect(page.get_by_test_id("office")).to_contain_text("后勤处")
    expect(page.get_by_test_id("rating")).to_contain_text("满意")
    expect(page.get_by_test_id("proposer")).to_contain_text(proposer.member.name)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
