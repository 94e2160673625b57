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
