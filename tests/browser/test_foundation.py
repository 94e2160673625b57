import csv
import re

import pytest
from playwright.sync_api import expect

from members.models import Member
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, CampusFactory, DepartmentFactory, user_with_role

pytestmark = pytest.mark.browser

ROSTER_HEADER = ["工号", "姓名", "部门", "校区", "入会日期", "邮箱", "手机"]


def test_visitor_first_page_is_chinese_and_switches_to_english(page, live_server):
    page.goto(f"{live_server.url}/")

    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-CN")
    # "Sign in" in the Chinese catalogue; the nav is collapsed on a phone, the
    # home page's own sign-in button is not.
    expect(page.locator("main").get_by_role("link", name="登录")).to_be_visible()

    page.get_by_role("button", name="English").click()

    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("main").get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="中文")).to_be_visible()

    page.reload()

    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("main").get_by_role("link", name="Sign in")).to_be_visible()


def test_member_signs_in_and_sees_membership(page, live_server, branch):
    user = user_with_role("member", branch)
    staff_number = user.member.staff_number

    sign_in(page, live_server, user.email, PASSWORD)
    page.goto(f"{live_server.url}/me/")

    membership = page.get_by_test_id("membership")
    expect(membership).to_contain_text(staff_number)
    expect(membership).to_contain_text(user.member.name)


def _write_roster_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(ROSTER_HEADER)
        writer.writerows(rows)
    return path


def _upload_roster(page, path):
    """Chooses the file on the import page and asks the portal to check it."""
    page.locator("input[name=file]").set_input_files(path)
    page.locator("main form button").click()
    expect(page.get_by_test_id("import-preview")).to_be_visible()


def test_officer_imports_csv_with_a_bad_row_then_fixes_it_and_finds_the_member(
    page, live_server, branch, celery_worker, tmp_path
):
    officer = user_with_role("officer", branch)
    DepartmentFactory(branch=branch, name="软件工程系")
    CampusFactory(name="江湾校区")
    good_row = [
        "T90001",
        "张三",
        "软件工程系",
        "江湾校区",
        "2020-09-01",
        "t1@example.cn",
        "13912345678",
    ]
    # A department this branch does not have: the error quotes it in any language.
    bad_row = [
        "T90002",
        "李四",
        "人工智能系",
        "江湾校区",
        "2021-03-01",
        "t2@example.cn",
        "13912345679",
    ]
    members_before = Member.objects.count()

    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/roster/import/")
    _upload_roster(page, _write_roster_csv(tmp_path / "roster.csv", [good_row, bad_row]))

    preview = page.get_by_test_id("import-preview")
    bad_line = preview.locator('tr[data-line="3"]')
    expect(bad_line).to_contain_text("T90002")
    expect(bad_line).to_have_class(re.compile(r"\btable-danger\b"))
    expect(bad_line.locator("li").filter(has_text="人工智能系")).to_be_visible()
    expect(preview.locator('tr[data-line="2"]')).to_have_class(re.compile(r"\btable-success\b"))
    expect(page.get_by_test_id("import-has-errors")).to_be_visible()
    expect(page.get_by_test_id("confirm-import")).to_have_count(0)
    assert Member.objects.count() == members_before

    bad_row[2] = "软件工程系"
    page.locator('main a[href="/roster/import/"]').click()
    _upload_roster(page, _write_roster_csv(tmp_path / "roster-fixed.csv", [good_row, bad_row]))

    expect(preview.locator("tr.table-danger")).to_have_count(0)
    expect(preview.locator("tr.table-success")).to_have_count(2)
    expect(page.get_by_test_id("import-has-errors")).to_have_count(0)
    page.get_by_test_id("confirm-import").click()

    # The import is a job the worker runs; its page follows it to the end.
    expect(page.get_by_test_id("import-done")).to_be_visible(timeout=30_000)
    assert Member.objects.count() == members_before + 2
    page.goto(f"{live_server.url}/roster/")
    page.get_by_test_id("filters-toggle").click()  # folded on a phone
    search = page.get_by_test_id("roster-filter")
    search.locator("input[name=q]").fill("T90002")
    search.locator("button").click()

    expect(page).to_have_url(re.compile(r"[?&]q=T90002(&|$)"))
    table = page.get_by_test_id("roster-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("李四")
    expect(page.get_by_test_id("roster-count")).to_have_text(re.compile(r"(^|\D)1(\D|$)"))
