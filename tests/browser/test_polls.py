"""问卷 on a phone: a member opens an open secret poll, answers every kind of
question, sees that they answered (never their answers), and after the close
reads the results their ballot is counted in."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from participation import services
from participation.models import Ballot, Poll, PollVoter
from tests.browser.conftest import PHONE, sign_in
from tests.factories import PASSWORD, user_with_role

pytestmark = pytest.mark.browser


def test_a_member_answers_a_secret_poll_on_the_phone(browser, live_server, branch):
    officer, member = user_with_role("officer", branch), user_with_role("member", branch)
    now = timezone.now()
    poll = services.poll_save(
        actor=officer, branch_id=branch.pk, title="年度工作测评", secret=True,
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=2),
        questions=[
            {"kind": "single", "text": "总体评价", "options": ["满意", "基本满意", "不满意"]},
            {"kind": "multiple", "text": "加强哪些工作", "options": ["文体", "帮扶", "维权"],
             "max_choices": 2},
            {"kind": "rating", "text": "服务态度", "options": []},
            {"kind": "text", "text": "建议", "options": [], "required": False},
        ],
    )  # fmt: skip
    services.poll_publish(actor=officer, poll=poll)

    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, member.email, PASSWORD)
    page.goto(f"{live_server.url}/proposals/")
    page.get_by_test_id("polls-link").click()
    expect(page.get_by_test_id("not-answered")).to_be_visible()
    page.get_by_role("link", name="年度工作测评").click()
    expect(page.get_by_test_id("secret-note")).to_be_visible()

    # Too many options first: the page says so and keeps what was typed.
    page.get_by_label("满意", exact=True).check()
    for label in ("文体", "帮扶", "维权"):
        page.get_by_label(label).check()
    page.get_by_label("4").check()
    page.locator("textarea").fill("多组织跨校区活动")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_test_id("vote").click()
    expect(page.get_by_test_id("field-error")).to_contain_text(re.compile("at most 2|最多选择 2"))
    expect(page.locator("textarea")).to_have_value("多组织跨校区活动")
    expect(page.get_by_label("满意", exact=True)).to_be_checked()
    page.get_by_label("维权").uncheck()
    page.get_by_test_id("vote").click()

    day = timezone.localdate().isoformat()
    expect(page.get_by_test_id("answered-state")).to_contain_text(
        re.compile(f"You answered on {day}|您已于 {day} 作答")
    )
    expect(page.get_by_test_id("vote-form")).to_have_count(0)
    assert "多组织跨校区活动" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto(f"{live_server.url}/proposals/polls/")
    expect(page.get_by_test_id("answered")).to_be_visible()
    assert PollVoter.objects.filter(poll=poll).count() == 1
    assert Ballot.objects.get(poll=poll).member_id is None

    # Four colleagues answer too, then the poll closes: the results are there.
    poll.refresh_from_db()
    questions = list(poll.questions.all())
    for k in range(4):
        colleague = user_with_role("member", branch)
        services.poll_vote(actor=colleague, poll=poll, answers={
            questions[0].pk: questions[0].options.all()[1].pk,
            questions[1].pk: [questions[1].options.all()[0].pk],
            questions[2].pk: 5, questions[3].pk: f"建议{k}",
        })  # fmt: skip
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    page.get_by_role("link", name="年度工作测评").click()
    page.get_by_test_id("results-link").click()
    expect(page.get_by_test_id("ballots")).to_contain_text("5")
    overall = page.get_by_test_id("question").filter(has_text="总体评价")
    expect(
        overall.get_by_test_id("option").filter(has_text="基本满意").get_by_test_id("count")
    ).to_have_text("4")
    expect(page.get_by_test_id("average")).to_contain_text("4.8")
    expect(page.get_by_text("多组织跨校区活动")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
