"""The main paths done with the keyboard alone, as someone who cannot use a mouse
or a touch screen would: Tab, Enter, Space, the arrow keys and typing; no click.
Every link, button and field reached by Tab shows where the focus is."""

import pytest
from playwright.sync_api import expect

from events.models import Registration
from grievances.models import Grievance
from notices.models import Objection
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    EventFactory,
    VenueFactory,
    fund_notice,
    user_with_role,
)

pytestmark = pytest.mark.browser

FOCUS_SHOWN = """el => {
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return outline || style.boxShadow !== "none";
}"""


def tab_to(page, target, *, limit=80):
    """Presses Tab until `target` has the focus; each element passed on the way
    must show that it has it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        tag = focused.evaluate("el => el.tagName.toLowerCase()")
        if tag in ("a", "button", "input", "select", "textarea", "summary"):
            assert focused.evaluate(FOCUS_SHOWN), (
                f"no visible focus on {focused.evaluate('el => el.outerHTML')[:200]}"
            )
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def sign_in_by_keyboard(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    # The first Tab offers a way past the menu.
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_attribute("href", "#main")
    expect(skip).to_be_visible()
    expect(skip).to_have_text("跳到主要内容")
    page.keyboard.press("Enter")
    form = page.locator("main form").filter(has=page.locator("input[name=login]"))
    tab_to(page, form.locator("input[name=login]"))
    page.keyboard.type(email)
    tab_to(page, form.locator("input[name=password]"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("inbox-link")).to_be_visible()


def test_member_signs_in_signs_up_files_a_case_and_objects_by_keyboard_alone(
    page, live_server, branch
):
    member = user_with_role("member", branch)
    officer = user_with_role("officer", branch)
    chair = user_with_role("chair", branch)
    event = EventFactory(branch=branch, title="周末羽毛球")
    VenueFactory(event=event, capacity=10, place="体育馆")
    CategoryFactory(branch=branch, name="工作环境", default_assignee=officer)
    notice = fund_notice(branch, officer, chair=chair, status="published", visibility="members")

    sign_in_by_keyboard(page, live_server, member.email)

    # Sign up for an event.
    page.goto(f"{live_server.url}/events/{event.pk}/")
    signup = page.get_by_test_id("signup-form")
    tab_to(page, signup.locator("button"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("cancel-registration")).to_be_visible()
    assert Registration.objects.filter(event=event, member=member.member).exists()

    # File a case: the category chosen with an arrow key, the text typed.
    page.goto(f"{live_server.url}/grievances/new/")
    form = page.get_by_test_id("file-form")
    tab_to(page, form.locator("select[name=category]"))
    page.keyboard.press("ArrowDown")
    expect(form.locator("select[name=category] option:checked")).to_have_text("工作环境")
    tab_to(page, form.locator("input[name=subject]"))
    page.keyboard.type("Lab corridor dark at night")
    tab_to(page, form.locator("textarea[name=description]"))
    page.keyboard.type("The third floor corridor is dark after 9 pm.")
    tab_to(page, form.locator("button.btn-primary"))
    page.keyboard.press("Space")
    expect(page.locator("main h1")).to_contain_text("Lab corridor dark at night")
    case = Grievance.objects.get()
    assert case.filer == member and case.category.name == "工作环境"

    # Object to a notice in its objection period.
    page.goto(f"{live_server.url}/notices/{notice.pk}/")
    objection = page.get_by_test_id("objection-form")
    tab_to(page, objection.locator("textarea[name=text]"))
    page.keyboard.type("Does travel include private cars?")
    tab_to(page, objection.locator("button"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("my-objection")).to_contain_text("Does travel include private cars?")
    assert Objection.objects.get(notice=notice).text == "Does travel include private cars?"


def test_phone_menu_opens_and_is_walked_by_keyboard(page, live_server, branch):
    member = user_with_role("member", branch)
    sign_in_by_keyboard(page, live_server, member.email)

    toggler = page.locator("button.navbar-toggler")
    tab_to(page, toggler)
    page.keyboard.press("Enter")
    menu = page.locator("#portal-menu")
    expect(menu).to_be_visible()
    events = menu.get_by_role("link", name="活动")
    tab_to(page, events)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/events/")
