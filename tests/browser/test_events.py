import pytest
from playwright.sync_api import expect

from events.models import Registration
from tests.browser.conftest import PHONE, sign_in
from tests.factories import PASSWORD, EventFactory, VenueFactory, user_with_role

pytestmark = pytest.mark.browser


def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    # The cancel button asks "are you sure?" in a dialog; say yes.
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def sign_up(page, live_server, event):
    page.goto(f"{live_server.url}/events/{event.pk}/")
    form = page.get_by_test_id("signup-form")
    form.locator("select[name=where]").select_option(index=0)
    form.locator("button").click()
    return page.get_by_test_id("registration-status")


def test_full_venue_waitlists_then_a_cancellation_promotes_and_officer_checks_in(
    browser, live_server, branch
):
    first, second = user_with_role("member", branch), user_with_role("member", branch)
    officer = user_with_role("officer", branch)
    event = EventFactory(branch=branch, title="周末羽毛球")
    VenueFactory(event=event, capacity=1, place="体育馆")

    first_page, second_page, officer_page = phone(browser), phone(browser), phone(browser)
    sign_in(first_page, live_server, first.email, PASSWORD)
    expect(sign_up(first_page, live_server, event)).to_have_text("已确认")

    sign_in(second_page, live_server, second.email, PASSWORD)
    expect(sign_up(second_page, live_server, event)).to_have_text("候补中")
    expect(second_page.get_by_test_id("waitlist-position")).to_contain_text("1")
    # The venue shows as full to everyone.
    first_page.reload()
    expect(first_page.get_by_test_id("venues")).to_contain_text("已满")

    first_page.get_by_test_id("cancel-registration").click()
    expect(first_page.get_by_test_id("signup-form")).to_be_visible()

    second_page.goto(f"{live_server.url}/inbox/")
    expect(second_page.get_by_test_id("notification").first).to_contain_text("周末羽毛球")
    expect(second_page.get_by_test_id("unread-count")).to_have_text("1")
    second_page.goto(f"{live_server.url}/events/{event.pk}/")
    expect(second_page.get_by_test_id("registration-status")).to_have_text("已确认")
    code = second_page.get_by_test_id("checkin-code").inner_text()

    sign_in(officer_page, live_server, officer.email, PASSWORD)
    officer_page.goto(f"{live_server.url}/events/{event.pk}/check-in/")
    form = officer_page.get_by_test_id("checkin-form")
    form.locator("input[name=code]").fill(code.lower())
    form.get_by_role("button", name="签到", exact=True).click()
    expect(officer_page.locator(".alert-success")).to_contain_text(second.member.name)
    assert Registration.objects.get(member=second.member, event=event).status == "attended"
