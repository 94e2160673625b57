"""An officer of two branches chooses the branch each branch-keeping page acts on
(?branch=, the lowest-numbered by default); a branch they do not manage is a 404,
never a 500 and never a write."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from awards.models import AwardRound
from events.models import Event
from members.models import BranchRole
from notices.models import BranchNoticeSettings, Income, Notice, SpendingCategory
from participation.models import BranchSetting, HandlingOffice, Term
from tests.events.test_pages import event_post
from tests.factories import BranchFactory, CampusFactory, user_with_role

pytestmark = pytest.mark.django_db

PAGES = [
    "participation:terms", "participation:offices", "participation:import",
    "notices:categories", "notices:budget", "notices:income", "events:create",
    "participation:poll_create",
]  # fmt: skip


@pytest.fixture
def two(branch, other_branch, people):
    """An officer of both branches (member of the lower one), and a third branch."""
    low, high = sorted([branch, other_branch], key=lambda b: b.pk)
    user = user_with_role("officer", low)
    BranchRole.objects.create(user=user, branch=high, role="officer")
    return {"user": user, "low": low, "high": high, "third": BranchFactory(name="第三分工会")}


@pytest.mark.parametrize("url_name", [*PAGES, "notices:create"])
def test_every_page_offers_both_branches_and_refuses_a_third(client, two, url_name):
    client.force_login(two["user"])
    url = reverse(url_name, args=["announcement"] if url_name == "notices:create" else [])
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="branch-picker"' in page.content.decode()
    assert two["high"].name in page.content.decode()
    assert client.get(url, {"branch": two["high"].pk}).status_code == 200
    for bad in (two["third"].pk, "abc", "9" * 5000, "-1"):
        assert client.get(url, {"branch": bad}).status_code == 404
        assert client.post(f"{url}?branch={bad}", {"name": "x"}).status_code == 404


def test_an_officer_of_one_branch_sees_no_picker(client, people):
    client.force_login(people["officer"])
    page = client.get(reverse("participation:terms")).content.decode()
    assert 'data-testid="branch-picker"' not in page


def test_terms_offices_and_the_setting_go_to_the_chosen_branch(client, two):
    client.force_login(two["user"])
    today = timezone.localdate()
    high = two["high"]
    url = f"{reverse('participation:terms')}?branch={high.pk}"
    response = client.post(url, {"name": "第六届", "start": today, "end": today + timedelta(1)})
    assert Term.objects.get(name="第六届").branch == high
    assert response.status_code == 302
    response = client.post(url, {"cosigners_needed": "3", "public_proposals": "on"})
    assert response["Location"].endswith(f"?branch={high.pk}")
    assert BranchSetting.objects.get(branch=high).cosigners_needed == 3
    assert not BranchSetting.objects.filter(branch=two["low"]).exists()
    client.post(f"{reverse('participation:offices')}?branch={high.pk}", {"name": "后勤处"})
    assert HandlingOffice.objects.get(name="后勤处").branch == high
    # Without a choice: the lowest-numbered branch, as before.
    client.post(reverse("participation:offices"), {"name": "教务办"})
    assert HandlingOffice.objects.get(name="教务办").branch == two["low"]


def test_representatives_are_imported_into_the_chosen_branch(client, two):
    from participation import services
    from tests.factories import MemberFactory

    high, today = two["high"], timezone.localdate()
    BranchRole.objects.create(user=two["user"], branch=high, role="chair")
    services.term_save(actor=two["user"], branch_id=high.pk, name="第一届",
                       start=today, end=today + timedelta(days=9))  # fmt: skip
    MemberFactory(branch=high, staff_number="H001")
    client.force_login(two["user"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("r.csv", "工号,届次,代表团/小组\nH001,第一届,一团\n".encode())
    response = client.post(f"{reverse('participation:import')}?branch={high.pk}",
                           {"file": upload})  # fmt: skip
    assert response.status_code == 302
    assert Term.objects.get(name="第一届").representatives.get().member.staff_number == "H001"


def test_a_notice_categories_and_income_go_to_the_chosen_branch(client, two):
    client.force_login(two["user"])
    high = two["high"]
    client.post(f"{reverse('notices:create', args=['announcement'])}?branch={high.pk}",
                {"title": "第二分工会通知", "body": "内容", "visibility": "public"})  # fmt: skip
    assert Notice.objects.get().branch == high
    client.post(f"{reverse('notices:categories')}?branch={high.pk}", {"name": "本会自设"})
    assert SpendingCategory.objects.get(name="本会自设").branch == high
    year = timezone.localdate().year
    response = client.post(f"{reverse('notices:income')}?branch={high.pk}", {
        "date": f"{year}-03-31", "source": "dues", "amount": "100.00", "note": ""})  # fmt: skip
    assert Income.objects.get().branch == high and Income.objects.get().amount == Decimal("100")
    assert f"branch={high.pk}" in response["Location"]


def test_a_chair_of_one_branch_and_officer_of_another_reaches_the_notice_settings(client, two):
    """Before the picker, the page took the lowest branch they manage and said 403."""
    high = two["high"]
    BranchRole.objects.create(user=two["user"], branch=high, role="chair")
    client.force_login(two["user"])
    assert client.get(reverse("notices:settings")).status_code == 200
    client.post(reverse("notices:settings"), {"publish_on_approval": "on"})
    assert BranchNoticeSettings.objects.get(branch=high).publish_on_approval
    assert client.get(reverse("notices:settings"), {"branch": two["low"].pk}).status_code == 404


def test_an_event_is_created_in_the_chosen_branch(client, two):
    campus = CampusFactory(name="江湾校区")
    client.force_login(two["user"])
    url = f"{reverse('events:create')}?branch={two['high'].pk}"
    assert client.post(url, event_post(campus)).status_code == 302
    assert Event.objects.get().branch == two["high"]
    third = f"{reverse('events:create')}?branch={two['third'].pk}"
    assert client.post(third, event_post(campus)).status_code == 404
    assert Event.objects.count() == 1


def test_an_award_round_starts_on_the_lowest_branch_and_takes_the_chosen_one(client, two):
    client.force_login(two["user"])
    form = client.get(reverse("awards:create"))
    assert form.context["form"]["branch"].initial == two["low"].pk
    today = timezone.localdate()
    data = {
        "title": "评优",
        "award": "优秀会员",
        "places": 2,
        "criteria": "c",
        "nominations_open_on": today,
        "nominations_close_on": today + timedelta(days=7),
    }
    assert (
        client.post(reverse("awards:create"), {**data, "branch": two["third"].pk}).status_code
        == 200
    )
    assert not AwardRound.objects.exists()
    client.post(reverse("awards:create"), {**data, "branch": two["high"].pk})
    assert AwardRound.objects.get().branch == two["high"]


def test_a_poll_is_drafted_in_the_chosen_branch(client, two):
    from participation.models import Poll

    client.force_login(two["user"])
    url = reverse("participation:poll_create") + f"?branch={two['high'].pk}"
    now = timezone.localtime()
    response = client.post(url, {
        "title": "第二分工会问卷", "audience": "members", "results": "after_close",
        "opens_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "question_1_kind": "single", "question_1_text": "周末还是工作日？",
        "question_1_options": "周末\n工作日",
        # The blank rows keep the kind their select shows.
        **{f"question_{n}_kind": "single" for n in range(2, 5)},
    })  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    assert Poll.objects.get(title="第二分工会问卷").branch == two["high"]
