"""The yearly report on a phone: a member opens last year's report, and follows a
figure to the list it counts."""

import re

import pytest
from playwright.sync_api import expect

from tests.annual_report.conftest import attend, held_event, last_year
from tests.browser.conftest import PHONE, sign_in
from tests.factories import PASSWORD, CampusFactory, MemberFactory, user_with_role

pytestmark = pytest.mark.browser


def test_member_opens_last_years_report_and_checks_a_figure(browser, live_server, branch):
    member = user_with_role("member", branch)
    near, far = CampusFactory(name="江湾校区"), CampusFactory(name="临港校区")
    walk, (venue, _far_venue) = held_event(branch, near, far, month=4, title="春季健步走")
    held_event(branch, far, month=9, title="读书沙龙")
    attend(walk, venue, [MemberFactory(branch=branch, home_campus=near) for _ in range(6)])

    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, member.email, PASSWORD)
    page.goto(f"{live_server.url}/report/")
    page.get_by_role("link", name=str(last_year()), exact=True).click()
    held = page.get_by_test_id("figure-events-events_held").get_by_role("link")
    expect(held).to_have_text("2")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    held.click()
    expect(page.get_by_role("link", name="春季健步走")).to_be_visible()
    expect(page.get_by_role("link", name="读书沙龙")).to_be_visible()
    two_events = re.compile(r"^\s*(2 events|2 个活动)\s*$")
    expect(page.get_by_test_id("event-count")).to_have_text(two_events)
    assert f"year={last_year()}" in page.url
    context.close()
