"""评优 on a phone: the officer publishes the criteria, a member nominates, the
officer picks, a chair who did not pick approves, the shortlist is published
for objections, and after the period the result is shown."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from awards.models import AwardRound
from notices import services as notice_services
from tests.browser.conftest import PHONE, sign_in
from tests.factories import PASSWORD, MemberFactory, UserFactory, user_with_role

pytestmark = pytest.mark.browser


def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    return context.new_page()


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_award_from_criteria_to_result(browser, live_server, branch, department):
    officer = user_with_role("officer", branch)
    chair = user_with_role("chair", branch)
    member = user_with_role("member", branch)
    MemberFactory(branch=branch, department=department, name="优秀甲", user=UserFactory())

    page = phone(browser)
    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/awards/")
    expect(page.get_by_test_id("empty")).to_be_visible()
    page.get_by_role("link", name="发起评优").click()
    form = page.get_by_test_id("round-form")
    form.locator("input[name=title]").fill("2026 年度优秀工会会员评选")
    form.locator("input[name=award]").fill("优秀工会会员")
    form.locator("textarea[name=criteria]").fill("全年参加工会活动不少于3次。")
    fits(page)
    form.locator("button.btn-primary").click()
    expect(page.get_by_test_id("round-stage")).to_have_text("草稿")
    page.get_by_test_id("publish-link").click()
    page.get_by_test_id("confirm-publish").click()
    expect(page.get_by_test_id("round-stage")).to_have_text("推荐中")
    award_round = AwardRound.objects.get()

    nominator = phone(browser)
    sign_in(nominator, live_server, member.email, PASSWORD)
    nominator.goto(f"{live_server.url}/awards/")
    nominator.get_by_role("link", name="2026 年度优秀工会会员评选").click()
    expect(nominator.get_by_test_id("criteria")).to_contain_text("不少于3次")
    nominator.get_by_test_id("nominate-link").click()
    form = nominator.get_by_test_id("nomination-form")
    form.locator("select[name=nominee]").select_option(label="优秀甲（软件工程系）")
    form.locator("textarea[name=reason]").fill("热心服务，全年参加活动 5 次。")
    fits(nominator)
    form.locator("button.btn-primary").click()
    expect(nominator.get_by_test_id("my-nominations")).to_contain_text("优秀甲")

    # The nomination period ends.
    yesterday = timezone.localdate() - timedelta(days=1)
    AwardRound.objects.filter(pk=award_round.pk).update(
        nominations_open_on=yesterday - timedelta(days=10), nominations_close_on=yesterday
    )
    page.goto(f"{live_server.url}/awards/{award_round.pk}/")
    page.get_by_test_id("nominations-link").click()
    expect(page.get_by_test_id("nominee")).to_contain_text("优秀甲")
    page.get_by_role("link", name="确定拟表彰人选").click()
    page.get_by_test_id("pick-form").get_by_role("checkbox").check()
    fits(page)
    page.get_by_role("button", name="核对名单").click()
    expect(page.get_by_test_id("picked")).to_contain_text("优秀甲")
    page.get_by_test_id("confirm-pick").click()
    expect(page.get_by_test_id("notice-status")).to_have_text("待审批")
    expect(page.get_by_test_id("awards")).to_contain_text("优秀甲")

    approver = phone(browser)
    sign_in(approver, live_server, chair.email, PASSWORD)
    approver.goto(f"{live_server.url}/awards/{award_round.pk}/")
    approver.get_by_test_id("notice-link").click()
    approver.get_by_role("button", name="批准").click()
    approver.get_by_role("button", name="发布").click()
    expect(approver.get_by_test_id("notice-status")).to_have_text("公示中")

    nominator.goto(f"{live_server.url}/awards/{award_round.pk}/")
    expect(nominator.get_by_test_id("round-stage")).to_have_text("拟表彰人选公示中")
    expect(nominator.get_by_test_id("shortlist")).to_contain_text("优秀甲")
    nominator.get_by_test_id("result-link").click()
    expect(nominator.get_by_test_id("no-result")).to_be_visible()

    # The objection period runs out.
    notice_services.notice_close_periods(now=timezone.now() + timedelta(days=30))
    nominator.goto(f"{live_server.url}/awards/{award_round.pk}/result/")
    expect(nominator.get_by_test_id("winners")).to_contain_text("优秀甲")
    fits(nominator)
