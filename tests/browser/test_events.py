from datetime import timedelta

import pytest
from playwright.sync_api import expect

from events.models import Registration, ShuttleTrip
from tests.browser.conftest import PHONE, sign_in
from tests.factories import PASSWORD, CampusFactory, EventFactory, VenueFactory, user_with_role

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


def test_far_campus_member_rides_out_and_back_drops_the_back_seat_officer_prints_passengers(
    browser, live_server, branch
):
    near, far = CampusFactory(name="江湾校区"), CampusFactory(name="临港校区")
    rider = user_with_role("member", branch, home_campus=far, phone="13900002222")
    officer = user_with_role("officer", branch)
    event = EventFactory(branch=branch, title="两校区健步走")
    VenueFactory(event=event, campus=near, capacity=20, place="田径场")
    ShuttleTrip.objects.create(
        event=event, direction="out", departure_campus=far, departure_place="行政楼前",
        departs_at=event.starts_at - timedelta(hours=1), seats=3,
    )  # fmt: skip
    ShuttleTrip.objects.create(
        event=event, direction="back", departure_campus=near, departure_place="南门",
        departs_at=event.ends_at + timedelta(minutes=30), seats=3,
    )  # fmt: skip

    page = phone(browser)
    sign_in(page, live_server, rider.email, PASSWORD)
    page.goto(f"{live_server.url}/events/{event.pk}/")
    expect(page.get_by_test_id("trips")).to_contain_text("剩余 3 个座位")
    expect(page.get_by_test_id("trip-priority").first).to_contain_text("起所有会员均可选座")
    form = page.get_by_test_id("signup-form")
    form.locator("select[name=where]").select_option(index=0)
    form.locator("select[name=out_trip]").select_option(index=1)
    form.locator("select[name=back_trip]").select_option(index=1)
    form.locator("button").click()
    expect(page.get_by_test_id("registration-status")).to_have_text("已确认")
    expect(page.get_by_test_id("seat-out")).to_contain_text("座位已确认")
    expect(page.get_by_test_id("seat-back")).to_contain_text("座位已确认")
    expect(page.get_by_test_id("trips")).to_contain_text("剩余 2 个座位")
    code = page.get_by_test_id("checkin-code").inner_text()

    back = page.get_by_test_id("trip-back")
    back.locator("select[name=trip]").select_option(value="")
    back.get_by_role("button").click()
    expect(page.locator(".alert-success")).to_contain_text("活动名额仍然保留")
    expect(page.get_by_test_id("registration-status")).to_have_text("已确认")
    expect(page.get_by_test_id("checkin-code")).to_have_text(code)
    expect(page.get_by_test_id("seat-back")).to_have_count(0)
    expect(page.get_by_test_id("seat-out")).to_contain_text("座位已确认")
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    officer_page = phone(browser)
    sign_in(officer_page, live_server, officer.email, PASSWORD)
    officer_page.goto(f"{live_server.url}/events/{event.pk}/")
    officer_page.get_by_test_id("passenger-list-link").click()
    trips = officer_page.get_by_test_id("passenger-trip")
    expect(trips.first).to_contain_text(rider.member.name)
    expect(trips.first).to_contain_text("13900002222")
    expect(trips.nth(1)).to_contain_text("暂无乘客")
    expect(officer_page.locator("[data-print]")).to_be_visible()
