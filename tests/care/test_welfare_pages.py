"""Welfare pages: what members and officers see, refusals in Chinese, and a
fixed number of queries whatever the number of members."""

import pytest
from django.urls import reverse

from care.models import HandoutChoice, Pickup
from tests.factories import MemberFactory

from .welfare_world import open_handout

pytestmark = pytest.mark.django_db


def test_member_chooses_on_the_phone_page_and_sees_the_code(client, branch, people):
    handout, gift, card, near, far = open_handout(branch, people["officer"])
    client.force_login(people["member"])
    url = reverse("care:welfare_choose", args=[handout.pk])
    response = client.post(url, {"option": gift.pk, "point": far.pk}, follow=True)
    choice = HandoutChoice.objects.get()
    assert choice.code in response.content.decode()
    assert "临港行政楼 105" in response.content.decode()


def test_a_forged_option_of_another_handout_changes_nothing(client, branch, people):
    handout, gift, card, near, far = open_handout(branch, people["officer"])
    other, other_gift, *_ = open_handout(branch, people["officer"], title="端午")
    client.force_login(people["member"])
    url = reverse("care:welfare_choose", args=[handout.pk])
    response = client.post(url, {"option": other_gift.pk, "point": near.pk}, follow=True)
    assert "未保存" in response.content.decode()
    assert not HandoutChoice.objects.exists()


def test_sold_out_is_said_in_chinese(client, branch, people):
    handout, gift, card, near, far = open_handout(branch, people["officer"], stock=1)
    HandoutChoice.objects.create(
        handout=handout, member=MemberFactory(branch=branch), option=gift, point=near,
        chosen_at=handout.deadline,
    )  # fmt: skip
    client.force_login(people["member"])
    url = reverse("care:welfare_choose", args=[handout.pk])
    page = client.get(url).content.decode()
    assert "已选完" in page
    response = client.post(url, {"option": gift.pk, "point": near.pk}, follow=True)
    assert "未保存" in response.content.decode()
    assert HandoutChoice.objects.count() == 1


def test_the_member_page_of_another_member_shows_only_their_own_code(client, branch, people):
    handout, gift, card, near, far = open_handout(branch, people["officer"])
    other = MemberFactory(branch=branch)
    other_code = HandoutChoice.objects.create(
        handout=handout, member=other, option=gift, point=near, chosen_at=handout.deadline
    ).code
    client.force_login(people["member"])
    for name in ("care:welfare_choose", "care:welfare_code", "care:welfare_mine"):
        args = [handout.pk] if name != "care:welfare_mine" else []
        page = client.get(reverse(name, args=args)).content.decode()
        assert other_code not in page and other.name not in page


def test_officer_ticks_a_name_on_the_list_and_a_colleague_collects_by_code(client, branch, people):
    handout, gift, card, near, far = open_handout(branch, people["officer"])
    a, b, colleague = MemberFactory.create_batch(3, branch=branch)
    first = HandoutChoice.objects.create(
        handout=handout, member=a, option=gift, point=near, chosen_at=handout.deadline
    )
    second = HandoutChoice.objects.create(
        handout=handout, member=b, option=card, point=near, chosen_at=handout.deadline
    )
    client.force_login(people["officer"])
    url = reverse("care:welfare_pickup", args=[near.pk])
    client.post(url, {"choice": first.pk})
    response = client.post(
        url, {"code": second.code, "collector": colleague.staff_number}, follow=True
    )
    assert colleague.name in response.content.decode()
    assert Pickup.objects.get(member=b).collected_by == colleague
    assert Pickup.objects.get(member=a).method == "list"
    again = client.post(url, {"choice": first.pk}, follow=True).content.decode()
    assert "已于" in again and Pickup.objects.count() == 2


def _crowd(handout, gift, card, near, far, size):
    members = MemberFactory.create_batch(size, branch=handout.branch)
    choices = HandoutChoice.objects.bulk_create(
        HandoutChoice(
            handout=handout, member=m, option=(gift, card)[i % 2], point=(near, far)[i % 2],
            chosen_at=handout.deadline,
        )
        for i, m in enumerate(members)
    )  # fmt: skip
    return choices


@pytest.mark.parametrize("size", [5, 60])
def test_welfare_pages_cost_a_fixed_number_of_queries(
    client, branch, people, size, django_assert_max_num_queries
):
    handout, gift, card, near, far = open_handout(branch, people["officer"], stock=None)
    choices = _crowd(handout, gift, card, near, far, size)
    for choice in choices[: size // 2]:
        Pickup.objects.create(
            handout=handout, member=choice.member, choice=choice, point=choice.point,
            officer=people["officer"], method="list", at=handout.deadline,
        )  # fmt: skip
    client.force_login(people["officer"])
    pages = {
        "care:welfare_list": ([], 12),
        "care:welfare_detail": ([handout.pk], 12),
        "care:welfare_uncollected": ([handout.pk], 12),
        "care:welfare_totals": ([handout.pk], 12),
        "care:welfare_pickup": ([near.pk], 12),
    }
    for name, (args, most) in pages.items():
        with django_assert_max_num_queries(most):
            assert client.get(reverse(name, args=args)).status_code == 200
    client.force_login(people["member"])
    for name, args in (("care:welfare_mine", []), ("care:welfare_choose", [handout.pk])):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name, args=args)).status_code == 200
