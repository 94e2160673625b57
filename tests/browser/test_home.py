"""The home page on a phone: a member opens it from a group-chat link and sees
their next event and their open case; an officer sees the case past its
deadline that waits on them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Registration
from tests.browser.conftest import sign_in
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    EventFactory,
    GrievanceFactory,
    MemberFactory,
    UserFactory,
    VenueFactory,
    user_with_role,
)

pytestmark = pytest.mark.browser


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_member_sees_next_event_and_open_case_on_a_phone(page, live_server, branch):
    member = user_with_role("member", branch)
    officer = user_with_role("officer", branch)
    event = EventFactory(branch=branch, title="教工羽毛球赛")
    venue = VenueFactory(event=event, capacity=1, place="体育馆")
    Registration.objects.create(
        event=event, member=MemberFactory(branch=branch), venue=venue, status="confirmed"
    )
    Registration.objects.create(event=event, member=member.member, venue=venue, status="waitlisted")
    category = CategoryFactory(branch=branch, default_assignee=officer)
    GrievanceFactory(
        category=category, filer_member=member.member, filer=member, subject="宿舍漏水",
        status="waiting_filer", assignee=officer,
    )  # fmt: skip

    sign_in(page, live_server, member.email, PASSWORD)
    page.goto(f"{live_server.url}/")
    events = page.get_by_test_id("home-next-events")
    expect(events).to_contain_text("教工羽毛球赛")
    expect(events.get_by_test_id("home-waitlist")).to_have_text("候补第 1 位")
    cases = page.get_by_test_id("home-my-cases")
    expect(cases).to_contain_text("宿舍漏水")
    expect(cases.get_by_test_id("home-waits-for")).to_have_text("等待您的答复")
    expect(page.get_by_test_id("home-cases-due")).to_have_count(0)
    fits_the_phone(page)
    cases.get_by_role("link", name="宿舍漏水").click()
    expect(page.get_by_test_id("case-status")).to_be_visible()


def test_officer_sees_the_case_past_its_deadline_on_a_phone(page, live_server, branch):
    officer = user_with_role("officer", branch)
    category = CategoryFactory(branch=branch, default_assignee=officer)
    filer = MemberFactory(branch=branch, name="保密会员甲", user=UserFactory())
    today = timezone.localdate()
    late = GrievanceFactory(
        category=category, filer_member=filer, filer=filer.user, subject="考核不公",
        confidentiality="confidential", assignee=officer, ack_due=today - timedelta(days=2),
        resolve_due=today + timedelta(days=10),
    )  # fmt: skip

    sign_in(page, live_server, officer.email, PASSWORD)
    page.goto(f"{live_server.url}/")
    due = page.get_by_test_id("home-cases-due")
    expect(due).to_contain_text(f"#{late.pk} 考核不公")
    expect(due.get_by_test_id("case-overdue")).to_have_text("已逾期")
    expect(due.get_by_test_id("case-confidential")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("保密会员甲")
    fits_the_phone(page)
