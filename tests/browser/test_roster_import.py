"""At 375×812: an officer uploads the HR sheet, reads the preview (an ignored
column named), starts the import, watches its progress bar, and sees it done;
a real Celery worker writes the rows."""

import pytest
from playwright.sync_api import expect

from members.models import Member
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, CampusFactory, DepartmentFactory, user_with_role

pytestmark = pytest.mark.browser


def fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width


def test_officer_uploads_previews_imports_and_sees_it_done(
    page, live_server, branch, celery_worker, tmp_path
):
    officer = user_with_role("officer", branch)
    DepartmentFactory(branch=branch, name="软件工程系")
    CampusFactory(name="江湾校区")
    sheet = tmp_path / "花名册.csv"
    rows = [f"W{n:04d},成员{n},软件工程系,江湾校区,2018年9月{n % 28 + 1}日,汉族" for n in range(40)]
    sheet.write_text("\r\n".join(["工号,姓名,部门,校区,入会日期,民族", *rows]) + "\r\n")

    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/roster/import/")
    page.locator("input[type=file]").set_input_files(str(sheet))
    page.locator("main form button.btn-primary").click()

    expect(page.get_by_test_id("import-ignored")).to_contain_text("民族")
    expect(page.get_by_test_id("import-counts")).to_contain_text("40")
    expect(page.get_by_test_id("import-preview")).to_contain_text("W0039")
    fits_the_phone(page)
    page.get_by_test_id("confirm-import").click()

    # The progress page (bar polled by the portal's script), then the result.
    expect(page.get_by_test_id("import-done")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("import-status")).to_have_text("已导入")
    fits_the_phone(page)
    assert Member.objects.filter(staff_number__startswith="W").count() == 40

    # The import page lists the job for when the officer comes back.
    page.goto(f"{live_server.url}/roster/import/")
    expect(page.get_by_test_id("import-jobs")).to_contain_text("花名册.csv")
    expect(page.get_by_test_id("import-jobs")).to_contain_text("已导入")
    fits_the_phone(page)
