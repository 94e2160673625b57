from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from grievances.models import Grievance
from tests.browser.conftest import PHONE, sign_in
from tests.factories import PASSWORD, CategoryFactory, GrievanceFactory, user_with_role

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


def test_chair_sees_the_confidential_mark_and_overdue_badge_in_the_queue_on_a_phone(
    browser, live_server, branch
):
    officer = user_with_role("officer", branch)
    chair = user_with_role("chair", branch)
    category = CategoryFactory(branch=branch, name="薪酬待遇", default_assignee=officer)
    today = timezone.localdate()
    secret = GrievanceFactory(
        category=category, assignee=officer, confidentiality="confidential", subject="课时费少算",
        ack_due=today - timedelta(days=2), resolve_due=today + timedelta(days=9),
    )  # fmt: skip
    named = GrievanceFactory(
        category=category, assignee=officer, subject="办公室空调坏了",
        ack_due=today + timedelta(days=2), resolve_due=today + timedelta(days=14),
    )  # fmt: skip

    page = phone(browser)
    sign_in(page, live_server, chair.email, PASSWORD)
    page.goto(f"{live_server.url}/grievances/")
    secret_row = page.locator(f"[data-testid=case-row][data-case='{secret.pk}']")
    named_row = page.locator(f"[data-testid=case-row][data-case='{named.pk}']")
    expect(secret_row.get_by_test_id("case-confidential")).to_have_text("保密")
    expect(secret_row.get_by_test_id("case-confidential")).to_be_in_viewport()
    expect(secret_row.get_by_test_id("case-overdue")).to_have_text("已逾期")
    expect(secret_row.get_by_test_id("case-deadline")).to_contain_text("受理期限")
    expect(named_row.get_by_test_id("case-confidential")).to_have_count(0)
    expect(named_row.get_by_test_id("case-overdue")).to_have_count(0)
    # Nothing spills sideways at 375 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    secret_row.get_by_role("link").click()
    expect(page.get_by_test_id("case-confidential")).to_have_text("保密")
    expect(page.get_by_test_id("confidential-note")).to_contain_text("仅您（分工会主席）可见")


def test_chair_sees_the_case_escalated_to_them_and_the_officer_keeps_notes_on_a_phone(
    browser, live_server, branch
):
    from datetime import datetime, time

    from grievances import services

    officer = user_with_role("officer", branch)
    chair = user_with_role("chair", branch)
    category = CategoryFactory(branch=branch, name="薪酬待遇", default_assignee=officer)
    today = timezone.localdate()
    late = GrievanceFactory(
        category=category, assignee=officer, subject="课时费少算",
        ack_due=today - timedelta(days=2), resolve_due=today + timedelta(days=9),
    )  # fmt: skip
    services.grievance_escalate_overdue(now=timezone.make_aware(datetime.combine(today, time(10))))
    late.refresh_from_db()
    assert (late.level, late.assignee) == ("chair", chair)

    page = phone(browser)
    sign_in(page, live_server, chair.email, PASSWORD)
    page.goto(f"{live_server.url}/grievances/")
    row = page.locator(f"[data-testid=case-row][data-case='{late.pk}']")
    expect(row.get_by_test_id("case-supervising")).to_have_text("逾期未办结，已转由您督办")
    expect(row.get_by_test_id("case-supervising")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    row.get_by_role("link").click()
    expect(page.get_by_test_id("case-level")).to_have_text("分工会主席")
    expect(page.get_by_test_id("handler-actions")).to_be_visible()

    # The officer who missed the deadline still reads it and adds a note, nothing else.
    earlier = phone(browser)
    sign_in(earlier, live_server, officer.email, PASSWORD)
    earlier.goto(f"{live_server.url}/grievances/{late.pk}/")
    expect(earlier.get_by_test_id("handler-actions")).to_have_count(0)
    note = earlier.get_by_test_id("note-only").get_by_test_id("note-form")
    note.locator("textarea[name=text]").fill("我这周在外培训，请主席督办")
    note.get_by_role("button", name="保存内部备注").click()
    expect(earlier.get_by_test_id("timeline")).to_contain_text("我这周在外培训")


def test_officer_routes_a_far_campus_category_on_a_phone(browser, live_server, branch):
    from grievances.models import Route
    from tests.factories import CampusFactory

    officer = user_with_role("officer", branch)
    far = CampusFactory(name="临港校区")
    lingang = user_with_role("officer", branch, home_campus=far)
    lingang.first_name = "秦雅"
    lingang.save(update_fields=["first_name"])
    category = CategoryFactory(branch=branch, name="后勤服务")

    page = phone(browser)
    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/grievances/")
    page.get_by_role("link", name="新诉求分派").click()
    form = page.get_by_test_id("route-form")
    form.locator("select[name=category]").select_option(label="后勤服务")
    form.locator("select[name=campus]").select_option(label="临港校区")
    form.locator("select[name=officer]").select_option(label=lingang.get_full_name())
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("route")).to_contain_text("秦雅")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert Route.objects.get(category=category, campus=far).officer == lingang


def test_case_page_shows_the_latest_history_and_opens_older_entries_on_a_phone(
    browser, live_server, branch
):
    from grievances.models import GrievanceEvent

    officer = user_with_role("officer", branch)
    category = CategoryFactory(branch=branch, name="工作环境", default_assignee=officer)
    case = GrievanceFactory(category=category, assignee=officer, subject="实验室通风差")
    GrievanceEvent.objects.bulk_create(
        GrievanceEvent(
            grievance=case,
            kind="reply",
            actor=officer,
            text=f"进展第{k}条",
            level="branch",
            status="in_progress",
        )  # fmt: skip
        for k in range(1, 26)
    )

    page = phone(browser)
    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/grievances/{case.pk}/")
    timeline = page.get_by_test_id("timeline")
    # The latest first, 20 of them; the oldest wait behind a link.
    expect(timeline.locator("li").first).to_contain_text("进展第25条")
    expect(timeline.locator("li")).to_have_count(20)
    expect(timeline).not_to_contain_text("进展第5条")
    older = page.get_by_test_id("older-entries")
    older.scroll_into_view_if_needed()
    expect(older).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    older.click()

    expect(page).to_have_url(f"{live_server.url}/grievances/{case.pk}/history/?page=2")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("li").first).to_contain_text("进展第5条")
    expect(timeline).to_contain_text("进展第1条")
    expect(timeline).not_to_contain_text("进展第6条")
    expect(page.get_by_test_id("older-entries")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_test_id("newer-entries").click()
    expect(page).to_have_url(f"{live_server.url}/grievances/{case.pk}/")
