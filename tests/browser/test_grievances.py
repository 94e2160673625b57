import pytest
from playwright.sync_api import expect

from grievances.models import Grievance
from tests.browser.conftest import PHONE, sign_in
from tests.factories import PASSWORD, CategoryFactory, user_with_role

pytestmark = pytest.mark.browser


def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    return context.new_page()


def test_anonymous_case_followed_by_receipt_code_answered_and_appealed(
    browser, live_server, branch
):
    member = user_with_role("member", branch)
    officer = user_with_role("officer", branch)
    user_with_role("chair", branch)
    CategoryFactory(branch=branch, name="工作环境", default_assignee=officer)

    filer = phone(browser)
    sign_in(filer, live_server, member.email, PASSWORD)
    filer.goto(f"{live_server.url}/grievances/new/")
    form = filer.get_by_test_id("file-form")
    form.locator("select[name=category]").select_option(label="工作环境")
    form.locator("input[name=subject]").fill("实验楼夜间无照明")
    form.locator("textarea[name=description]").fill("晚上九点后三楼走廊全黑。")
    form.locator("input[name=confidentiality][value=anonymous]").check()
    form.locator("button").click()
    receipt = filer.get_by_test_id("receipt-code").inner_text()
    grievance = Grievance.objects.get()
    assert grievance.filer_id is None and grievance.filer_member_id is None

    # Another browser, nobody signed in: the code alone opens the case.
    stranger = phone(browser)
    stranger.goto(f"{live_server.url}/grievances/receipt/")
    stranger.locator("input[name=code]").fill(receipt.lower())
    stranger.get_by_test_id("lookup-form").locator("button").click()
    expect(stranger.get_by_test_id("case-status")).to_have_text("已提交")

    handler = phone(browser)
    sign_in(handler, live_server, officer.email, PASSWORD)
    handler.goto(f"{live_server.url}/grievances/{grievance.pk}/")
    expect(handler.get_by_test_id("filer")).to_contain_text("匿名")
    # The internal note has a form of its own, with no button that reaches the filer.
    note = handler.get_by_test_id("note-form")
    note.locator("textarea[name=text]").fill("内部：后勤处长不配合")
    note.get_by_role("button", name="保存内部备注").click()
    expect(handler.get_by_test_id("timeline")).to_contain_text("内部：后勤处长不配合")
    reply = handler.get_by_test_id("reply-form")
    expect(reply.locator("input[name=internal]")).to_have_count(0)
    reply.locator("textarea[name=text]").fill("已联系后勤处，本周内修复。")
    reply.get_by_role("button", name="提出处理意见").click()
    expect(handler.get_by_test_id("case-status")).to_have_text("已提出处理意见")

    stranger.reload()
    expect(stranger.get_by_test_id("timeline")).to_contain_text("已联系后勤处")
    expect(stranger.get_by_test_id("timeline")).not_to_contain_text("后勤处长不配合")
    appeal = stranger.get_by_test_id("appeal-form")
    appeal.locator("textarea[name=text]").fill("上周也说修，至今没修。")
    appeal.locator("button").click()
    expect(stranger.get_by_test_id("case-level")).to_have_text("分工会主席")
    expect(stranger.get_by_test_id("timeline")).to_contain_text("上周也说修")
    grievance.refresh_from_db()
    assert grievance.appealed and grievance.level == "chair"
