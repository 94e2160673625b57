"""One ballot per member, said by the database; a secret ballot names nobody."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from members.models import Member
from participation import services
from participation.models import Ballot, BallotAnswer, Poll, PollQuestion, PollVoter
from tests.factories import MemberFactory, UserFactory
from tests.racing import at_once


def make_poll(branch, officer, *, secret=True, **fields):
    now = timezone.now()
    poll = Poll.objects.create(
        branch=branch, title="食堂满意度", secret=secret, created_by=officer,
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=3),
        status=Poll.Status.PUBLISHED, **fields,
    )  # fmt: skip
    single = poll.questions.create(kind=PollQuestion.Kind.SINGLE, text="最常去哪个食堂？")
    single.options.create(text="一食堂", position=1)
    single.options.create(text="二食堂", position=2)
    poll.questions.create(kind=PollQuestion.Kind.RATING, text="总体评分", position=2)
    poll.questions.create(kind=PollQuestion.Kind.TEXT, text="建议", required=False, position=3)
    return poll


def answers_for(poll, option_index=0, rating=4, text=""):
    single, rating_q, text_q = poll.questions.all()
    return {
        single.pk: list(single.options.all())[option_index].pk,
        rating_q.pk: rating,
        text_q.pk: text,
    }


def voters(branch, n):
    users = [UserFactory() for _ in range(n)]
    for user in users:
        MemberFactory(branch=branch, user=user, email=user.email)
    return users


def test_a_secret_ballot_names_nobody_and_a_second_ballot_is_refused(branch, people):
    poll = make_poll(branch, people["officer"])
    ballot = services.poll_vote(actor=people["member"], poll=poll, answers=answers_for(poll))
    assert ballot.member_id is None
    assert PollVoter.objects.get(poll=poll).member.user == people["member"]
    with pytest.raises(services.ParticipationRuleError, match="already answered"):
        services.poll_vote(actor=people["member"], poll=poll, answers=answers_for(poll, 1))
    assert Ballot.objects.filter(poll=poll).count() == 1
    assert BallotAnswer.objects.filter(ballot__poll=poll, option__text="一食堂").count() == 1


def test_the_database_refuses_a_named_ballot_in_a_secret_poll(branch, people):
    poll = make_poll(branch, people["officer"])
    member = Member.objects.get(user=people["member"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(poll=poll, member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Poll.objects.filter(pk=poll.pk).update(secret=False)


def test_a_named_poll_keeps_the_member_on_the_ballot(branch, people):
    poll = make_poll(branch, people["officer"], secret=False)
    ballot = services.poll_vote(actor=people["member"], poll=poll, answers=answers_for(poll))
    assert ballot.member.user == people["member"]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p, a: a.pop(p.questions.all()[0].pk), "Answer the question"),
        (lambda p, a: a.update({p.questions.all()[1].pk: 6}), "from 1 to 5"),
        (lambda p, a: a.update({p.questions.all()[0].pk: 999999}), "among the options"),
        (lambda p, a: a.update({p.questions.all()[2].pk: "字" * 2001}), "within 2000"),
    ],
)
def test_a_bad_answer_is_refused_and_nothing_is_written(branch, people, change, message):
    poll = make_poll(branch, people["officer"])
    answers = answers_for(poll)
    change(poll, answers)
    with pytest.raises(services.ParticipationRuleError, match=message):
        services.poll_vote(actor=people["member"], poll=poll, answers=answers)
    assert not PollVoter.objects.exists() and not Ballot.objects.exists()


def test_closed_not_yet_open_and_other_campus_are_refused(branch, people):
    poll = make_poll(branch, people["officer"])
    later = poll.closes_at + timedelta(seconds=1)
    with pytest.raises(services.ParticipationRuleError, match="closed"):
        services.poll_vote(actor=people["member"], poll=poll, answers=answers_for(poll), now=later)
    earlier = poll.opens_at - timedelta(seconds=1)
    with pytest.raises(services.ParticipationRuleError, match="not open yet"):
        services.poll_vote(actor=people["member"], poll=poll, answers={}, now=earlier)
    with pytest.raises(services.ParticipationRuleError, match="not open to you"):
        services.poll_vote(actor=people["other_officer"], poll=poll, answers=answers_for(poll))


@pytest.mark.django_db(transaction=True)
def test_two_hundred_members_submitting_in_the_same_second(branch):
    officer = UserFactory()
    poll = make_poll(branch, officer)
    crowd = voters(branch, 200)
    # Forty of them press the button twice, two requests at the same moment
    # (the test database allows 300 connections).
    attempts = crowd + crowd[:40]
    _cast, refused, errors = at_once(
        lambda attempt: services.poll_vote(
            actor=attempt[1], poll=poll, answers=answers_for(poll, attempt[0] % 2)
        ),
        list(enumerate(attempts)),
        refusal=services.ParticipationRuleError,
    )
    assert errors == []
    assert sorted(user.pk for (_, user), _exc in refused) == sorted(u.pk for u in crowd[:40])
    assert PollVoter.objects.filter(poll=poll).count() == 200
    assert Ballot.objects.filter(poll=poll).count() == 200
    assert BallotAnswer.objects.filter(ballot__poll=poll, rating=4).count() == 200
    assert not Ballot.objects.filter(poll=poll, member__isnull=False).exists()
