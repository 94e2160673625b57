"""困难职工帮扶 on a phone: the officer opens the list of members overdue for
contact, opens a file, records a visit, and the member leaves the overdue list."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from care import services
from tests.browser.conftest import PHONE, sign_in
from tests.factories import PASSWORD, MemberFactory, user_with_role

pytestmark = pytest.mark.browser


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_officer_records_a_visit_and_the_member_is_no_longer_overdue(browser, live_server,
                                                                     branch):  # fmt: skip
    officer = user_with_role("officer", branch)
    needy = MemberFactory(branch=branch, name="困难职工丁")
    long_ago = timezone.localdate() - timedelta(days=80)
    services.hardship_file_open(
        actor=officer, member=needy, reason="illness", level="special", officer=officer,
        review_on=long_ago + timedelta(days=365), today=long_ago,
    )  # fmt: skip

    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/care/hardship/?overdue=on")
    rows = page.get_by_test_id("file-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("困难职工丁")
    fits(page)
    rows.first.get_by_role("link", name="困难职工丁").click()
    expect(page.get_by_test_id("overdue")).to_be_visible()
    form = page.get_by_test_id("record-form")
    form.locator("select[name=kind]").select_option("visit")
    form.locator("textarea[name=note]").fill("上门看望，了解治疗情况")
    fits(page)
    form.locator("button.btn-primary").click()
    expect(page.get_by_test_id("record")).to_have_count(1)
    expect(page.get_by_test_id("overdue")).to_have_count(0)
    page.goto(f"{live_server.url}/care/hardship/?overdue=on")
    expect(page.get_by_test_id("file-row")).to_have_count(0)
    expect(page.get_by_test_id("empty")).to_be_visible()
    context.close()


def test_officer_links_aid_to_a_line_picked_from_its_notice(browser, live_server, branch):
    from notices.models import FundLine
    from tests.factories import category_id, fund_notice

    officer = user_with_role("officer", branch)
    chair = user_with_role("chair", branch)
    today = timezone.localdate()
    file = services.hardship_file_open(
        actor=officer, member=MemberFactory(branch=branch, name="困难职工戊"), reason="illness",
        level="special", officer=officer, review_on=today + timedelta(days=300),
    )  # fmt: skip
    notice = fund_notice(branch, officer, chair=chair, status="published",
                         amounts=("800.00", "300.00"))  # fmt: skip
    FundLine.objects.filter(version__notice=notice).update(
        category_id=category_id("困难职工帮扶", parent="维权支出"), date=today
    )

    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/care/hardship/{file.pk}/")
    form = page.get_by_test_id("record-form")
    form.locator("select[name=kind]").select_option("aid")
    form.locator("input[name=amount]").fill("300.00")
    expect(form.locator("select[name=fund_line] option")).to_have_count(1)  # the blank only
    # Choosing the notice fetches its lines at once (the page's script presses the
    # button); what was typed stays.
    form.locator("select[name=fund_notice]").select_option(str(notice.pk))
    expect(form.locator("select[name=fund_line] option")).to_have_count(3)
    expect(form.locator("input[name=amount]")).to_have_value("300.00")
    fits(page)
    line = notice.current.fund_lines.get(amount="300.00")
    form.locator("select[name=fund_line]").select_option(str(line.pk))
    form.locator("button.btn-primary").click()
    record = page.get_by_test_id("record")
    expect(record).to_have_count(1)
    expect(record).to_contain_text("¥300.00")
    expect(record.get_by_role("link", name=notice.current.title)).to_be_visible()
    context.close()
