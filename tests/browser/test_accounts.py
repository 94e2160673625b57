import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, MemberFactory, user_with_role

pytestmark = pytest.mark.browser


def test_a_roster_member_signs_up_confirms_with_the_password_and_sees_the_membership(
    page, live_server, branch
):
    member = MemberFactory(branch=branch, email="zhaolei@example.cn", user=None)
    page.goto(f"{live_server.url}/accounts/signup/")
    form = page.locator("main form").filter(has=page.locator("input[name=password2]"))
    form.locator("input[name=email]").fill("ZhaoLei@example.cn")
    form.locator("input[name=password1]").fill("Qiu-yue-2026!")
    form.locator("input[name=password2]").fill("Qiu-yue-2026!")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))

    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)
    page.goto(f"{live_server.url}{link}")
    confirm = page.get_by_test_id("confirm-form")
    confirm.locator("input[name=password]").fill("Qiu-yue-2026!")
    confirm.locator("button[type=submit]").click()
    expect(page.get_by_test_id("inbox-link")).to_be_visible()

    page.goto(f"{live_server.url}/me/")
    expect(page.get_by_test_id("membership")).to_contain_text(member.staff_number)


def test_a_member_replaces_their_calendar_link(page, live_server, branch):
    user = user_with_role("member", branch)
    sign_in(page, live_server, user.email, PASSWORD)
    page.goto(f"{live_server.url}/events/mine/")
    old = page.get_by_test_id("feed-url").inner_text()

    page.get_by_test_id("feed").locator("summary").click()
    form = page.get_by_test_id("feed-reset-form")
    form.locator("input[name=confirm]").check()
    form.locator("button[type=submit]").click()

    expect(page.get_by_test_id("feed-url")).not_to_have_text(old)
    assert page.get_by_test_id("feed-url").inner_text().endswith(".ics")
