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
