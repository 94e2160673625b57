"""At 375×812: an officer finds this month's birthdays and picks another month;
the liaison reads the table of every branch on the home page."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, MemberFactory, user_with_role

pytestmark = pytest.mark.browser


def fits_the_phone(page):
    """Nothing wider than the screen: the page itself never scrolls sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width


def test_officer_reads_the_birthday_list_and_picks_a_month(page, live_server, branch):
    today = timezone.localdate()
    officer = user_with_role("officer", branch)
    MemberFactory(branch=branch, name="本月寿星", date_of_birth=date(1980, today.month, 5))
    other_month = 3 if today.month != 3 else 4
    MemberFactory(branch=branch, name="另月寿星", date_of_birth=date(1979, other_month, 8))
    soon = today + timedelta(days=60)
    MemberFactory(branch=branch, name="将退休者", sex="F",
                  date_of_birth=date(soon.year - 55, soon.month, min(soon.day, 28)))  # fmt: skip

    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/roster/")
    page.get_by_test_id("birthdays-link").click()
    birthdays = page.get_by_test_id("birthdays")
    expect(birthdays).to_contain_text("本月寿星")
    expect(birthdays).not_to_contain_text("另月寿星")
    expect(page.get_by_test_id("retiring")).to_contain_text("将退休者")
    fits_the_phone(page)

    page.get_by_test_id("month-picker").locator("select[name=month]").select_option(
        str(other_month)
    )
    page.get_by_test_id("month-picker").locator("button").click()
    expect(birthdays).to_contain_text("另月寿星")
    expect(birthdays).to_contain_text(f"{other_month}月8日")
    expect(birthdays).not_to_contain_text("本月寿星")
    fits_the_phone(page)


def test_liaison_reads_the_table_of_every_branch(page, live_server, branch, other_branch):
    liaison = user_with_role("liaison", other_branch)
    for _ in range(6):
        MemberFactory(branch=branch)
    branch.name, branch.short_name = "计算机与信息学院分工会", "计信"
    branch.save()
    sign_in(page, live_server, liaison.email, PASSWORD)
    page.goto(f"{live_server.url}/")
    table = page.get_by_test_id("university-table")
    expect(table).to_be_visible()
    # The short name on one line (the full name in its title), not a column of characters.
    short = table.get_by_title("计算机与信息学院分工会")
    expect(short).to_have_text("计信")
    header = table.locator("tbody th").first.bounding_box()
    assert header["height"] < 2 * table.locator("thead th").first.bounding_box()["height"]
    expect(table).to_contain_text(other_branch.name)
    expect(table).to_contain_text("参加率")
    fits_the_phone(page)
