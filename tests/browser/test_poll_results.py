"""投票结果 on a phone (375×812): a member opens the results of a closed secret poll
and reads the counts, the shares and the bars, with long labels whole and the page
not scrolling sideways."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from participation import services
from participation.models import Poll
from tests.browser.conftest import PHONE, sign_in
from tests.factories import PASSWORD, user_with_role

pytestmark = pytest.mark.browser

LONG = "学院东区第二食堂（清真窗口、面食窗口与夜宵档口合并后的新址）"


def test_member_reads_the_results_of_a_closed_secret_poll_on_a_phone(browser, live_server, branch):
    officer = user_with_role("officer", branch)
    member = user_with_role("member", branch)
    now = timezone.now()
    poll = Poll.objects.create(
        branch=branch, title="食堂满意度调查", secret=True, created_by=officer,
        status=Poll.Status.PUBLISHED, opens_at=now - timedelta(days=2),
        closes_at=now + timedelta(days=1),
    )  # fmt: skip
    single = poll.questions.create(kind="single", text="最常去哪个食堂？", position=1)
    first = single.options.create(text="一食堂", position=1)
    far = single.options.create(text=LONG, position=2)
    rating = poll.questions.create(kind="rating", text="总体评分", position=2)
    for choice in [first, first, first, far, far, far]:
        voter = user_with_role("member", branch)
        services.poll_vote(actor=voter, poll=poll, answers={single.pk: choice.pk, rating.pk: 4})
    services.poll_vote(actor=member, poll=poll, answers={single.pk: first.pk, rating.pk: 5})
    Poll.objects.filter(pk=poll.pk).update(closes_at=now - timedelta(minutes=5))

    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, member.email, PASSWORD)
    page.goto(f"{live_server.url}/proposals/polls/{poll.pk}/results/")
    expect(page.get_by_test_id("ballots")).to_contain_text("7")
    question = page.get_by_test_id("question").filter(has_text="最常去哪个食堂")
    bar = question.get_by_test_id("option").filter(has_text="一食堂")
    expect(bar.get_by_test_id("count")).to_have_text("4")
    expect(bar.get_by_test_id("percent")).to_have_text("57.1%")
    expect(bar.locator("progress")).to_have_attribute("value", "57.1")
    expect(question.get_by_test_id("option").filter(has_text="清真窗口")).to_contain_text("42.9%")
    expect(page.get_by_test_id("average")).to_contain_text("4.14")
    expect(page.get_by_test_id("turnout-overall")).to_contain_text("87.5%")
    # Nothing is cut and the page does not scroll sideways at 375 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    cut = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=label], [data-testid=figure],'
            + ' [data-testid=group], progress')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > 375)
            .map(e => e.textContent || e.tagName)"""
    )
    assert cut == []
    bars = page.locator("progress.poll-bar")
    expect(bars).to_have_count(2 + 5)
    assert bars.first.bounding_box()["width"] > 200
    context.close()
