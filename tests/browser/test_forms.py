"""Long texts and Markdown on a phone (issue 15): the live character counter, and
the Preview button that shows what readers will see without saving."""

import pytest
from playwright.sync_api import expect

from notices.models import Notice
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, CategoryFactory, user_with_role

pytestmark = pytest.mark.browser


def test_the_case_description_counts_its_characters_as_they_are_typed(page, live_server, branch):
    member = user_with_role("member", branch)
    CategoryFactory(branch=branch, name="工作环境")
    sign_in(page, live_server, member.email, PASSWORD)
    page.goto(f"{live_server.url}/grievances/new/")
    form = page.get_by_test_id("file-form")
    expect(form.locator("option", has_text="---------")).to_have_count(0)
    description = form.locator("textarea[name=description]")
    counter = form.get_by_test_id("maxlength-counter")
    expect(counter).to_have_text("已输入 0 字，最多 10,000 字")
    description.press_sequentially("晚上九点后走廊全黑")
    expect(counter).to_have_text("已输入 9 字，最多 10,000 字")
    # The counter fits the phone's width, under the box it counts.
    box, text_box = counter.bounding_box(), description.bounding_box()
    assert box["x"] + box["width"] <= 375 and box["y"] >= text_box["y"] + text_box["height"]
    # At the limit it turns red, and the box takes nothing more.
    description.fill("会" * 10_000)
    expect(counter).to_have_text("已输入 10,000 字，最多 10,000 字")
    expect(counter).to_have_class("form-text text-end maxlength-counter text-danger")
    description.press("End")
    description.press_sequentially("多")
    assert len(description.input_value()) == 10_000


def test_an_officer_previews_a_notice_then_saves_it(page, live_server, branch):
    officer = user_with_role("officer", branch)
    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/notices/new/announcement/")
    form = page.get_by_test_id("notice-form")
    form.locator("input[name=title]").fill("春季运动会通知")
    form.locator("textarea[name=body]").fill(
        "**报名截止** 三月十日\n\n<script>alert(1)</script>\n\n[报名表](javascript:alert(2))"
    )
    form.get_by_test_id("preview").click()
    preview = page.get_by_test_id("markdown-preview")
    expect(preview.locator("strong")).to_have_text("报名截止")
    expect(preview.get_by_test_id("preview-removed")).to_have_text(
        "以下内容不允许使用，已删除：<script> 元素、“javascript:”链接"
    )
    assert not Notice.objects.exists()
    # The form holds what was typed: saving from here keeps it.
    expect(form.locator("input[name=title]")).to_have_value("春季运动会通知")
    form.get_by_test_id("save").click()
    expect(page.get_by_role("alert").filter(has_text="已删除")).to_contain_text("<script> 元素")
    assert Notice.objects.get().current.title == "春季运动会通知"
