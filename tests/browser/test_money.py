"""The money summary on a phone (375×812): a chair enters the year's budget, and
reads budget, spent and balance per spending category, full amounts, labels whole."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notices import services
from notices.models import FundLine, NoticeVersion, SpendingCategory
from tests.browser.conftest import PHONE, sign_in
from tests.factories import PASSWORD, user_with_role

pytestmark = pytest.mark.browser


def test_chair_enters_the_budget_and_reads_budget_spent_balance_on_a_phone(
    browser, live_server, branch
):
    year = timezone.localdate().year
    officer = user_with_role("officer", branch)
    chair = user_with_role("chair", branch)
    care = SpendingCategory.objects.get(name="送温暖/慰问")
    notice = services.notice_create(
        actor=officer, branch_id=branch.pk, kind="fund", visibility="members",
        version=NoticeVersion(title="中秋慰问经费公示"),
        lines=[FundLine(date=date(year, 9, 10), category=care, note="中秋慰问品",
                        payee="校内超市", amount=Decimal("12345678.90"))],
    )  # fmt: skip
    services.notice_submit(actor=officer, notice=notice)
    services.notice_approve(actor=chair, notice=notice)
    services.notice_publish(actor=officer, notice=notice)

    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, chair.email, PASSWORD)
    page.goto(f"{live_server.url}/notices/accounts/budget/?year={year}")
    form = page.get_by_test_id("budget-form")
    form.get_by_label("维权支出").fill("20000000.00")
    form.get_by_role("button", name="保存预算").click()
    expect(page.get_by_test_id("budget-total")).to_contain_text("20000000.00")

    page.goto(f"{live_server.url}/notices/summary/?year={year}")
    expect(page.get_by_test_id("summary-scope")).to_contain_text("含仅会员可见的公示")
    row = page.get_by_test_id("summary-row").filter(has_text="维权支出")
    expect(row.get_by_test_id("budget")).to_have_text("20000000.00")
    expect(row.get_by_test_id("spent")).to_have_text("12345678.90")
    expect(row.get_by_test_id("balance")).to_have_text("7654321.10")
    expect(row).to_contain_text("笔数 1")
    expect(page.get_by_test_id("summary-sub")).to_contain_text("送温暖/慰问")
    # Nothing is cut: no label or figure is wider than its box, the page does not scroll sideways.
    cut = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=summary-table] dd,'
            + ' [data-testid=category], [data-testid=summary-sub] span')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > 375)
            .map(e => e.textContent)"""
    )
    assert cut == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
