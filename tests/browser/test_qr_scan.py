"""Scanning a member's QR code where the phone has no BarcodeDetector (Safari on
iPhone, WeChat's browser, Firefox): the vendored jsQR decodes it, from a photo
or from the camera, and the code is submitted like a typed one, once."""

import pytest
from playwright.sync_api import expect

from care import services as care_services
from care.models import Pickup
from events import services as event_services
from events.models import Registration
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, sign_in
from tests.care.welfare_world import open_handout
from tests.factories import PASSWORD, EventFactory, VenueFactory, user_with_role
from union_portal.core.qrcode import qr_code

pytestmark = pytest.mark.browser

NO_DETECTOR = "delete window.BarcodeDetector; delete Window.prototype.BarcodeDetector;"


def phone(browser, **options):
    context = browser.new_context(viewport=PHONE, locale="en-US", **options)
    context.set_default_timeout(10_000)
    context.add_init_script(NO_DETECTOR)
    return context.new_page()


def confirmed_registration(branch):
    member = user_with_role("member", branch)
    event = EventFactory(branch=branch, title="教工合唱排练")
    venue = VenueFactory(event=event, capacity=5)
    registration = event_services.registration_create(
        member=member.member, event=event, venue_id=venue.pk
    )
    assert registration.status == Registration.Status.CONFIRMED
    return member, event, registration


def expect_fallback_scanner(page):
    assert page.evaluate("'BarcodeDetector' in window") is False
    assert page.evaluate("typeof window.jsQR") == "function"


def test_officer_scans_a_photo_of_the_members_qr_code_without_barcode_detector(
    browser, live_server, branch, tmp_path
):
    member, event, registration = confirmed_registration(branch)
    officer = user_with_role("officer", branch)

    # The member opens their registration; the officer photographs the QR code
    # on the member's screen (here: a screenshot of exactly what the page shows).
    member_page = phone(browser)
    sign_in(member_page, live_server, member.email, PASSWORD)
    member_page.goto(f"{live_server.url}/events/{event.pk}/")
    photo = tmp_path / "member-screen.png"
    member_page.locator(".qr-code").screenshot(path=photo)

    page = phone(browser)
    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/events/{event.pk}/check-in/")
    expect_fallback_scanner(page)
    expect(page.locator("#scan-photo-label")).to_be_visible()
    expect(page.locator("#scan-button")).to_be_visible()
    page.get_by_test_id("scan-photo").set_input_files(photo)

    expect(page.locator(".alert-success")).to_contain_text(member.member.name)
    expect(page.get_by_test_id("checkin-counts")).to_contain_text("1")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ATTENDED
    assert registration.checked_in_by == officer
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_photo_without_a_qr_code_says_so_and_checks_nobody_in(
    browser, live_server, branch, tmp_path
):
    member, event, registration = confirmed_registration(branch)
    officer = user_with_role("officer", branch)
    blank = tmp_path / "blank.png"
    page = phone(browser)
    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/events/{event.pk}/check-in/")
    page.locator("h1").screenshot(path=blank)
    page.get_by_test_id("scan-photo").set_input_files(blank)

    expect(page.get_by_test_id("scan-status")).to_contain_text("二维码")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_pickup_point_reads_the_members_code_from_a_photo(browser, live_server, branch, tmp_path):
    member = user_with_role("member", branch)
    officer = user_with_role("officer", branch)
    handout, gift, card, near, far = open_handout(branch, officer, stock=3)
    choice = care_services.choice_make(
        member=member.member, handout=handout, option_id=gift.pk, point_id=near.pk
    )
    photo = tmp_path / "code.png"
    qr_code(choice.code).save(photo, scale=8, border=4)

    page = phone(browser)
    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/care/welfare/point/{near.pk}/")
    expect_fallback_scanner(page)
    page.get_by_test_id("scan-photo").set_input_files(photo)

    expect(page.locator(".alert-success")).to_contain_text(member.member.name)
    assert Pickup.objects.filter(choice=choice).count() == 1


def y4m_of_qr_code(text, path, width=640, height=480, frames=5):
    """A camera film (YUV4MPEG2, grey) of the QR code held still in the middle,
    for Chromium's fake camera."""
    rows = list(qr_code(text).matrix_iter(scale=8, border=4))
    top, left = (height - len(rows)) // 2, (width - len(rows[0])) // 2
    luma = bytearray([235]) * (width * height)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                luma[(top + y) * width + left + x] = 16
    chroma = bytes([128]) * (width // 2 * height // 2)
    with open(path, "wb") as film:
        film.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            film.write(b"FRAME\n" + bytes(luma) + chroma + chroma)


def test_camera_without_barcode_detector_checks_in_once_and_waits_for_the_next_code(
    browser, live_server, branch, tmp_path
):
    member, event, registration = confirmed_registration(branch)
    officer = user_with_role("officer", branch)
    film = tmp_path / "camera.y4m"
    y4m_of_qr_code(registration.checkin_code, film)
    # A browser of its own, whose camera films the member's code.
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={film}",
        ],
    )
    try:
        page = phone(camera_browser, permissions=["camera"])
        sign_in(page, live_server, officer.email, PASSWORD)
        page.goto(f"{live_server.url}/events/{event.pk}/check-in/")
        expect_fallback_scanner(page)
        page.locator("#scan-button").click()

        expect(page.locator(".alert-success")).to_contain_text(member.member.name)
        registration.refresh_from_db()
        assert registration.status == Registration.Status.ATTENDED
        # The camera starts again for the next member, but the code still in
        # front of it is not submitted a second time.
        expect(page.get_by_test_id("scan-video")).to_be_visible()
        page.wait_for_timeout(2500)
        expect(page.locator(".alert-success")).to_contain_text(member.member.name)
        expect(page.locator(".alert-danger")).to_have_count(0)
        assert page.evaluate("document.getElementById('scan-video').readyState") >= 2
    finally:
        camera_browser.close()
