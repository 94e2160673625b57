from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from notices import services
from notices.models import Notice
from tests.browser.conftest import PHONE, sign_in
from tests.factories import PASSWORD, fund_notice, user_with_role
from union_portal.core.calendar import add_working_days

pytestmark = pytest.mark.browser


def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    return context.new_page()


def test_fund_notice_drafted_approved_published_objected_and_answered(browser, live_server, branch):
    officer = user_with_role("officer", branch)
    chair = user_with_role("chair", branch)
    member = user_with_role("member", branch)

    page = phone(browser)
    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/notices/new/fund/")
    form = page.get_by_test_id("notice-form")
    form.locator("input[name=title]").fill("三月慰问经费公示")
    form.locator("textarea[name=body]").fill("慰问**困难职工**。")
    lines = form.get_by_test_id("fund-line")
    for index, (purpose, amount) in enumerate([("慰问品", "860.50"), ("交通", "120.00")]):
        line = lines.nth(index)
        line.locator("input[type=date]").fill("2026-03-05")
        line.locator(f"select[name=lines-{index}-category]").select_option(
            label="维权支出 · 送温暖/慰问"
        )
        line.locator(f"input[name=lines-{index}-note]").fill(purpose)
        line.locator(f"input[name=lines-{index}-payee]").fill("校内超市")
        line.locator(f"input[name=lines-{index}-amount]").fill(amount)
    form.locator("button.btn-primary").click()
    expect(page.get_by_test_id("fund-total")).to_have_text("980.50")
    page.get_by_role("button", name="提交审批").click()
    expect(page.get_by_test_id("notice-status")).to_have_text("待审批")
    notice = Notice.objects.get()

    approver = phone(browser)
    sign_in(approver, live_server, chair.email, PASSWORD)
    approver.goto(f"{live_server.url}/notices/{notice.pk}/")
    approver.get_by_role("button", name="批准").click()
    approver.get_by_role("button", name="发布").click()
    expect(approver.get_by_test_id("notice-status")).to_have_text("公示中")

    reader = phone(browser)
    sign_in(reader, live_server, member.email, PASSWORD)
    reader.goto(f"{live_server.url}/notices/{notice.pk}/")
    objection = reader.get_by_test_id("objection-form")
    objection.locator("textarea[name=text]").fill("交通费是否包括私车？")
    objection.locator("button").click()
    expect(reader.get_by_test_id("my-objection")).to_contain_text("交通费是否包括私车")

    page.goto(f"{live_server.url}/notices/{notice.pk}/")
    answer = page.get_by_test_id("answer-form")
    answer.locator("textarea[name=text]").fill("只含租车费用。")
    answer.locator("button").click()
    expect(page.get_by_test_id("objection")).to_contain_text("只含租车费用")

    reader.goto(f"{live_server.url}/inbox/")
    expect(reader.get_by_test_id("notification").first).to_contain_text("只含租车费用")


def test_correction_waits_for_the_chair_then_members_see_it_with_a_new_period(
    browser, live_server, branch
):
    officer = user_with_role("officer", branch)
    chair = user_with_role("chair", branch)
    member = user_with_role("member", branch)
    notice = fund_notice(branch, officer, chair=chair, status="published", title="春季慰问经费公示",
                         amounts=["1200.00", "300.50"],
                         now=timezone.now() - timedelta(days=30))  # fmt: skip
    services.notice_close_periods()

    page = phone(browser)
    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/notices/{notice.pk}/correct/")
    form = page.get_by_test_id("notice-form")
    form.locator("input[name=reason]").fill("第二笔金额录入有误")
    form.locator("input[name=lines-1-amount]").fill("350.50")
    form.locator("button.btn-primary").click()
    expect(page.get_by_test_id("correction-total")).to_have_text("1550.50")

    # Until the chair approves, a member still reads the final version.
    reader = phone(browser)
    sign_in(reader, live_server, member.email, PASSWORD)
    reader.goto(f"{live_server.url}/notices/{notice.pk}/")
    expect(reader.get_by_test_id("fund-total")).to_have_text("1500.50")
    expect(reader.get_by_test_id("notice-status")).to_have_text("公示期满")
    expect(reader.get_by_test_id("objection-form")).to_have_count(0)

    approver = phone(browser)
    sign_in(approver, live_server, chair.email, PASSWORD)
    approver.goto(f"{live_server.url}/notices/{notice.pk}/")
    approver.get_by_role("link", name="审阅更正").click()
    expect(approver.get_by_test_id("diff")).to_contain_text("350.50")
    approver.get_by_role("button", name="批准更正").click()
    expect(approver.get_by_test_id("notice-status")).to_have_text("公示中")

    closes = add_working_days(timezone.localdate(), settings.NOTICE_OBJECTION_WORKING_DAYS)
    reader.reload()
    expect(reader.get_by_test_id("fund-total")).to_have_text("1550.50")
    expect(reader.get_by_test_id("corrected")).to_be_visible()
    expect(reader.get_by_test_id("notice")).to_contain_text(f"公示期至 {closes.isoformat()}")
    expect(reader.get_by_test_id("objection-form")).to_be_visible()
    reader.get_by_role("link", name="修改内容").last.click()
    expect(reader.get_by_test_id("diff")).to_contain_text("300.50")
    reader.goto(f"{live_server.url}/inbox/")
    expect(reader.get_by_test_id("notification").first).to_contain_text("公示已更正")
