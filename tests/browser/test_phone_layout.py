"""On a phone (375×812) a list starts on the first screen: its filters fold behind
one button that says how many are set; from Bootstrap's md breakpoint they are open."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, sign_in
from tests.factories import PASSWORD
from tests.members.test_permission_matrix import build_objects

pytestmark = pytest.mark.browser

# Each list page with a filter form, and the test id of its list.
LISTS = {
    "/grievances/": "case-list",
    "/events/": "event-list",
    "/notices/": "notice-list",
    "/roster/": "roster-table",
    "/care/hardship/": "file-list",
    "/proposals/": "proposal-list",
    "/proposals/public/": "public-list",
}


@pytest.fixture
def chair_page(browser, live_server, people, branch, department):
    build_objects(people, branch, department)
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, people["chair"].email, PASSWORD)
    yield page
    context.close()


def test_each_list_starts_on_the_first_phone_screen_with_its_filters_folded(
    chair_page, live_server
):
    page = chair_page
    for url, list_id in LISTS.items():
        page.goto(live_server.url + url)
        filters = page.get_by_test_id("filters")
        expect(filters.get_by_test_id("filters-toggle")).to_have_text("筛选")
        expect(filters.locator("form")).to_be_hidden()
        first_row = page.get_by_test_id(list_id).locator("li, tbody tr, .card").first
        box = first_row.bounding_box()
        assert box and box["y"] < PHONE["height"], f"{url}: the first row starts at {box}"


def test_the_case_queue_says_how_many_filters_are_set_and_opens_them(chair_page, live_server):
    page = chair_page
    # Two filters set, one left blank, and the page number (not a filter).
    page.goto(f"{live_server.url}/grievances/?status=new&q=&kind=grievance&page=1")
    toggle = page.get_by_test_id("filters-toggle")
    expect(toggle).to_have_text("筛选（2）")
    form = page.get_by_test_id("filters").locator("form")
    expect(form).to_be_hidden()
    toggle.click()
    expect(form.locator("select[name=status]")).to_have_value("new")
    expect(page.get_by_test_id("case-list").locator("li").first).to_be_visible()

    # On a wider screen the filters are simply there.
    page.set_viewport_size({"width": 1024, "height": 800})
    page.reload()
    expect(toggle).to_be_hidden()
    expect(form.locator("select[name=kind]")).to_be_visible()


def test_hardship_default_status_is_not_counted_as_a_filter(chair_page, live_server):
    page = chair_page
    page.goto(f"{live_server.url}/care/hardship/?status=open&officer=&campus=")
    expect(page.get_by_test_id("filters-toggle")).to_have_text("筛选")
    page.goto(f"{live_server.url}/care/hardship/?status=all&overdue=on")
    expect(page.get_by_test_id("filters-toggle")).to_have_text("筛选（2）")
