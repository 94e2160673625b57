import pytest

from participation.demo import load_demo_proposals
from participation.models import Proposal
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_demo_has_proposals_in_every_state_and_runs_once(branch, department, people):
    for n in range(20):
        MemberFactory(branch=branch, department=department, name=f"同事{n}")
    args = {"branch": branch, "officer": people["officer"], "chair": people["chair"],
            "member": people["member"].member}  # fmt: skip
    load_demo_proposals(**args)
    load_demo_proposals(**args)
    assert set(Proposal.objects.values_list("status", flat=True)) == set(Proposal.Status.values)
    assert Proposal.objects.filter(sent_back=True, status="closed").count() == 1


def test_demo_has_an_open_poll_and_a_closed_secret_poll_with_results_once(
    branch, department, people
):
    from django.utils import timezone

    from participation.demo import load_demo_polls
    from participation.models import Ballot, Poll, PollVoter

    for n in range(25):
        MemberFactory(branch=branch, department=department, name=f"投票人{n}")
    args = {"branch": branch, "officer": people["officer"], "member": people["member"].member}
    load_demo_polls(**args)
    load_demo_polls(**args)
    now = timezone.now()
    open_poll, closed = Poll.objects.get(secret=False), Poll.objects.get(secret=True)
    assert open_poll.is_open(now) and open_poll.audience == "members"
    assert closed.is_closed(now)
    assert Ballot.objects.filter(poll=closed, member__isnull=True).count() >= 20
    assert (
        PollVoter.objects.filter(poll=closed).count() == Ballot.objects.filter(poll=closed).count()
    )
    assert Poll.objects.count() == 2
