from datetime import timedelta

import pytest
from django.utils import timezone, translation

from awards import services
from members.models import Member
from tests.factories import MemberFactory


@pytest.fixture(autouse=True)
def english_services():
    """Messages from the services read in English, whatever a test activated before."""
    with translation.override("en"):
        yield


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def colleague(branch, department):
    """A member of the branch with an account, to be nominated."""
    from tests.factories import UserFactory

    return MemberFactory(branch=branch, department=department, name="优秀甲", user=UserFactory())


def make_round(branch, officer, *, opens, closes, publish=True, places=2):
    award_round = services.round_create(
        actor=officer, branch_id=branch.pk, title="2026 年度优秀工会会员评选", award="优秀工会会员",
        places=places, criteria="全年参加工会活动不少于3次。", opens_on=opens, closes_on=closes,
    )  # fmt: skip
    if publish:
        # Published on the day nominations opened (which may be in the past).
        days_ago = max(0, (timezone.localdate() - opens).days)
        services.round_publish(
            actor=officer, award_round=award_round, now=timezone.now() - timedelta(days=days_ago)
        )
    award_round.refresh_from_db()
    return award_round


@pytest.fixture
def open_round(branch, people, today):
    return make_round(branch, people["officer"], opens=today, closes=today + timedelta(days=14))


def close_nominations(award_round):
    """The nomination period ended yesterday (nominations were made during it)."""
    from awards.models import AwardRound

    yesterday = timezone.localdate() - timedelta(days=1)
    AwardRound.objects.filter(pk=award_round.pk).update(
        nominations_open_on=yesterday - timedelta(days=14), nominations_close_on=yesterday
    )
    award_round.refresh_from_db()
    return award_round


def member_of(user) -> Member:
    return Member.objects.get(user=user)
