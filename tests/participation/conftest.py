from datetime import timedelta

import pytest
from django.utils import timezone, translation

from members.models import Member
from participation import services
from tests.factories import MemberFactory, UserFactory


@pytest.fixture(autouse=True)
def english_services():
    """Messages from the services read in English, whatever a test activated before."""
    with translation.override("en"):
        yield


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def term(branch, people, today):
    return services.term_save(
        actor=people["officer"], branch_id=branch.pk, name="第五届",
        start=today - timedelta(days=30), end=today + timedelta(days=700),
    )  # fmt: skip


def colleague_user(branch, department, name):
    user = UserFactory()
    MemberFactory(branch=branch, department=department, name=name, user=user, email=user.email)
    return user


@pytest.fixture
def colleagues(branch, department):
    return [colleague_user(branch, department, name) for name in ("附议甲", "附议乙", "附议丙")]


@pytest.fixture
def office(branch, people):
    contact = UserFactory()
    return services.office_save(
        actor=people["officer"], branch_id=branch.pk, name="教务办", contacts=[contact]
    )


def member_of(user):
    return Member.objects.get(user=user)


def draft(people, term, title="食堂延长晚餐供应时间"):
    return services.proposal_create(
        actor=people["member"], title=title, body="理由：加班教师多。建议：晚餐延至19:30。"
    )


def submitted(people, term, colleagues):
    proposal = draft(people, term)
    services.proposal_open(actor=people["member"], proposal=proposal)
    for user in colleagues[:2]:
        services.cosign(actor=user, proposal=proposal)
    return services.proposal_submit(actor=people["member"], proposal=proposal)


def assigned(people, term, colleagues, office):
    proposal = submitted(people, term, colleagues)
    services.review_start(actor=people["chair"], proposal=proposal)
    services.proposal_decide(actor=people["chair"], proposal=proposal, decision="accepted")
    return services.proposal_assign(actor=people["chair"], proposal=proposal, office=office)
