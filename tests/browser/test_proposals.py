"""提案 on phones: the proposer drafts, two colleagues co-sign on their phones, the
chair accepts and assigns, the office answers, the proposer rates 不满意, the office
answers again and the proposer closes it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from participation import services
from participation.models import Proposal
from tests.browser.conftest import PHONE, sign_in
from tests.factories import PASSWORD, user_with_role

pytestmark = pytest.mark.browser


def phone(browser, live_server, user):
    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, user.email, PASSWORD)
    return page


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_proposal_from_draft_to_second_answer(browser, live_server, branch):
    proposer, chair = user_with_role("member", branch), user_with_role("chair", branch)
    first, second = user_with_role("member", branch), user_with_role("member", branch)
    contact = user_with_role("member", branch)
    today = timezone.localdate()
    start, end = today - timedelta(days=1), today + timedelta(days=700)
    services.term_save(actor=chair, branch_id=branch.pk, name="第五届", start=start, end=end)
    services.office_save(actor=chair, branch_id=branch.pk, name="后勤处", contacts=[contact])

    page = phone(browser, live_server, proposer)
    page.goto(f"{live_server.url}/proposals/")
    page.get_by_role("link", name="新建提案").click()
    form = page.get_by_test_id("proposal-form")
    form.locator("input[name=title]").fill("增设早高峰校车班次")
    form.locator("textarea[name=body]").fill("早上7点前后校车满员。建议加开一班。")
    fits(page)
    form.locator("button.btn-primary").click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("草稿")
    page.get_by_test_id("open").click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("征集附议中")
    url = page.url

    for colleague in (first, second):
        other = phone(browser, live_server, colleague)
        other.goto(f"{live_server.url}/proposals/")
        other.get_by_role("link", name="增设早高峰校车班次").click()
        other.get_by_test_id("cosign").click()
        expect(other.get_by_test_id("withdraw")).to_be_visible()
        fits(other)

    page.goto(url)
    expect(page.get_by_test_id("cosigners").locator("li")).to_have_count(2)
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("已提交")

    reviewer = phone(browser, live_server, chair)
    reviewer.goto(url)
    reviewer.get_by_test_id("review").click()
    reviewer.get_by_test_id("decide-form").locator("button").click()
    expect(reviewer.get_by_test_id("proposal-status")).to_have_text("已立案")
    reviewer.get_by_test_id("assign-form").locator("button").click()
    expect(reviewer.get_by_test_id("proposal-status")).to_have_text("承办中")

    office = phone(browser, live_server, contact)
    office.goto(url)
    office.locator("textarea[name=text]").fill("将与公交公司协调。")
    office.get_by_test_id("answer-form").locator("button").click()
    expect(office.get_by_test_id("answer")).to_have_text("将与公交公司协调。")

    page.goto(url)
    rate = page.get_by_test_id("rate-form")
    rate.locator("select[name=rating]").select_option("dissatisfied")
    rate.locator("textarea[name=reason]").fill("没有时间表。")
    rate.locator("button").click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("承办中")

    office.goto(url)
    office.locator("textarea[name=text]").fill("下月起早7:10加开一班。")
    office.get_by_test_id("answer-form").locator("button").click()

    page.goto(url)
    rate = page.get_by_test_id("rate-form")
    rate.locator("select[name=rating]").select_option("satisfied")
    rate.locator("button").click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("已办结")
    expect(page.get_by_test_id("first-answer")).to_have_text("将与公交公司协调。")
    expect(page.get_by_test_id("answer")).to_have_text("下月起早7:10加开一班。")
    fits(page)
    assert Proposal.objects.get().status == Proposal.Status.CLOSED
