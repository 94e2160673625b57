"""福利发放 at 375×812: a member chooses a gift and a pickup point on the far
campus; an officer working on that campus types the code at the pickup point;
the branch's yearly report counts the pickup."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from care import services
from care.models import Pickup
from tests.browser.conftest import PHONE, sign_in
from tests.care.welfare_world import open_handout
from tests.factories import PASSWORD, CampusFactory, MemberFactory, user_with_role

pytestmark = pytest.mark.browser


def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    return context.new_page()


def test_member_chooses_a_gift_and_point_officer_on_the_other_campus_scans_the_code(
    browser, live_server, branch
):
    member = user_with_role("member", branch, home_campus=CampusFactory(name="江湾校区"))
    far_officer = user_with_role("officer", branch, home_campus=CampusFactory(name="临港校区"))
    handout, gift, card, near, far = open_handout(branch, far_officer, stock=3)

    page = phone(browser)
    sign_in(page, live_server, member.email, PASSWORD)
    page.goto(f"{live_server.url}/care/welfare/mine/")
    page.get_by_test_id("my-handouts").get_by_text("中秋慰问品").click()
    expect(page.get_by_test_id("stock")).to_contain_text("月饼礼盒")
    form = page.get_by_test_id("choice-form")
    form.locator(f"input[name=option][value='{gift.pk}']").check()
    form.locator(f"input[name=point][value='{far.pk}']").check()
    form.locator("button").click()
    expect(page.locator(".alert-success")).to_contain_text("月饼礼盒")
    code = page.get_by_test_id("pickup-code").inner_text()
    assert page.locator(".qr-code svg").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    officer_page = phone(browser)
    sign_in(officer_page, live_server, far_officer.email, PASSWORD)
    officer_page.goto(f"{live_server.url}/care/welfare/{handout.pk}/")
    officer_page.get_by_test_id("pickup-link").nth(1).click()
    expect(officer_page.get_by_test_id("pickup-point")).to_contain_text("临港")
    expect(officer_page.get_by_test_id("pickup-list")).to_contain_text(member.member.name)
    form = officer_page.get_by_test_id("pickup-form")
    form.locator("input[name=code]").fill(code.lower())
    form.locator("button.btn-primary").click()
    expect(officer_page.locator(".alert-success")).to_contain_text(member.member.name)
    expect(officer_page.get_by_test_id("recent-pickups")).to_contain_text(member.member.name)
    assert officer_page.evaluate("document.documentElement.scrollWidth") <= 375
    # A second scan says who collected and when.
    form.locator("input[name=code]").fill(code)
    form.locator("button.btn-primary").click()
    expect(officer_page.locator(".alert-danger")).to_contain_text(member.member.name)
    assert Pickup.objects.get().point == far

    page.reload()
    expect(page.get_by_test_id("collected")).to_be_visible()
    officer_page.goto(f"{live_server.url}/care/welfare/{handout.pk}/totals/")
    expect(officer_page.get_by_test_id("totals-by-campus")).to_contain_text("临港校区")
    expect(officer_page.get_by_test_id("grand-total")).to_have_text("88.00")

    # Four colleagues collect there too (a figure about people shows from 5): the
    # yearly report the member opens counts five pickups on the far campus.
    for _ in range(4):
        colleague = MemberFactory(branch=branch)
        choice = services.choice_make(member=colleague, handout=handout, option_id=card.pk,
                                      point_id=far.pk)  # fmt: skip
        services.pickup_record(actor=far_officer, point=far, code=choice.code)
    page.goto(f"{live_server.url}/report/{timezone.localdate().year}/")
    welfare = page.get_by_test_id("section-welfare")
    collected = welfare.get_by_test_id("figure-welfare-collected")
    expect(collected).to_contain_text("5")
    expect(collected).not_to_contain_text("<5")
    expect(welfare.get_by_test_id("row-welfare")).to_contain_text("临港校区")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
