"""A branch may make its accepted proposals (立案 and after) and their answers
public: anyone reads them, signed out included, with the names of the proposer
and of the co-signers who confirmed (a proposal to the staff congress is signed),
never an invitation still waiting, a draft, a declined proposal or the history."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participation import services

from .conftest import assigned, colleague_user, draft, member_of, submitted

pytestmark = pytest.mark.django_db


def publish(people, branch, on=True):
    return services.setting_save(actor=people["officer"], branch_id=branch.pk,
                                 representatives_only=False, cosigners_needed=2,
                                 public_proposals=on)  # fmt: skip


def answered(people, term, colleagues, office):
    proposal = assigned(people, term, colleagues, office)
    contact = office.contacts.get()
    services.proposal_answer(actor=contact, proposal=proposal, text="已与食堂协调，延至19:30。")
    services.proposal_rate(actor=people["member"], proposal=proposal, rating="dissatisfied",
                           reason="周末没有。")  # fmt: skip
    services.proposal_answer(actor=contact, proposal=proposal, text="周末也延长。")
    return services.proposal_rate(actor=people["member"], proposal=proposal, rating="fairly")


def public_page(client, proposal):
    return client.get(reverse("participation:public_detail", args=[proposal.pk]))


def test_accepted_proposals_and_answers_are_public_to_anyone_signed_out(
    client, people, branch, term, colleagues, office
):
    publish(people, branch)
    proposal = answered(people, term, colleagues, office)
    listing = client.get(reverse("participation:public_list")).content.decode()
    assert proposal.title in listing and "教务办" in listing
    response = public_page(client, proposal)
    assert response.status_code == 200
    page = response.content.decode()
    answers = ("已与食堂协调，延至19:30。", "周末没有。", "周末也延长。")
    for text in (proposal.body, "教务办", *answers):
        assert text in page, text
    assert "基本满意" in page


def test_the_proposer_and_confirmed_cosigners_are_named_but_not_pending_invitations(
    client, people, branch, department, term, colleagues, office
):
    """README: the names of the proposer and the co-signers are printed, as on a
    signed proposal to the staff congress; an invitation nobody confirmed is not."""
    publish(people, branch)
    proposal = draft(people, term)
    services.proposal_open(actor=people["member"], proposal=proposal)
    for user in colleagues[:2]:
        services.cosign(actor=user, proposal=proposal)
    services.cosign_invite(actor=people["member"], proposal=proposal,
                           member=member_of(colleagues[2]))  # fmt: skip
    withdrawn = colleague_user(branch, department, "撤回附议丁")
    services.cosign(actor=withdrawn, proposal=proposal)
    services.cosign_withdraw(actor=withdrawn, proposal=proposal)
    services.proposal_submit(actor=people["member"], proposal=proposal)
    services.review_start(actor=people["chair"], proposal=proposal)
    services.proposal_decide(actor=people["chair"], proposal=proposal, decision="accepted")
    page = public_page(client, proposal).content.decode()
    assert member_of(people["member"]).name in page
    assert "附议甲" in page and "附议乙" in page
    assert "附议丙" not in page  # invited, never confirmed
    assert "撤回附议丁" not in page  # withdrawn
    # Nothing internal: no history, no staff numbers, no deadlines.
    assert member_of(people["member"]).staff_number not in page
    assert 'data-testid="history"' not in page
    assert "invited" not in page.lower() and "附议人已邀请" not in page


@pytest.mark.parametrize("stage", ["draft", "collecting", "submitted", "under_review",
                                   "suggestion", "not_accepted"])  # fmt: skip
def test_a_proposal_not_accepted_is_never_public(client, people, branch, term, colleagues, stage):
    publish(people, branch)
    if stage in ("draft", "collecting"):
        proposal = draft(people, term, "未立案的提案")
        if stage == "collecting":
            services.proposal_open(actor=people["member"], proposal=proposal)
    else:
        proposal = submitted(people, term, colleagues)
        if stage != "submitted":
            services.review_start(actor=people["chair"], proposal=proposal)
        if stage in ("suggestion", "not_accepted"):
            services.proposal_decide(actor=people["chair"], proposal=proposal, decision=stage,
                                     reason="不属于学院职权范围。")  # fmt: skip
    assert public_page(client, proposal).status_code == 404
    listing = client.get(reverse("participation:public_list")).content.decode()
    assert proposal.title not in listing and "不属于学院职权范围。" not in listing


def test_nothing_is_public_by_default_nor_from_another_branch(
    client, people, branch, other_branch, term, colleagues, office
):
    proposal = assigned(people, term, colleagues, office)
    assert public_page(client, proposal).status_code == 404
    services.setting_save(actor=people["other_officer"], branch_id=other_branch.pk,
                          representatives_only=False, cosigners_needed=2,
                          public_proposals=True)  # fmt: skip
    assert public_page(client, proposal).status_code == 404
    listing = client.get(reverse("participation:public_list")).content.decode()
    assert proposal.title not in listing


def test_turning_it_off_on_the_settings_form_hides_them_at_once(
    client, people, branch, term, colleagues, office
):
    proposal = assigned(people, term, colleagues, office)
    officer = client.__class__()
    officer.force_login(people["officer"])
    form = {"cosigners_needed": "2", "public_proposals": "on"}
    assert officer.post(reverse("participation:terms"), form).status_code == 302
    assert public_page(client, proposal).status_code == 200
    first = client.get(reverse("participation:public_list"))
    assert proposal.title in first.content.decode()
    assert "no-store" in first["Cache-Control"]
    officer.post(reverse("participation:terms"), {"cosigners_needed": "2"})
    assert public_page(client, proposal).status_code == 404
    assert proposal.title not in client.get(reverse("participation:public_list")).content.decode()
    # The member-facing pages stay as they were.
    client.force_login(people["member"])
    assert client.get(reverse("participation:detail", args=[proposal.pk])).status_code == 200


def test_the_settings_form_shows_the_choice(client, people, branch):
    publish(people, branch)
    client.force_login(people["officer"])
    page = client.get(reverse("participation:terms")).content.decode()
    tag = re.search(r'<input[^>]*name="public_proposals"[^>]*>', page).group(0)
    assert "checked" in tag


def test_the_public_list_searches_and_filters_by_branch(
    client, people, branch, term, colleagues, office
):
    publish(people, branch)
    proposal = assigned(people, term, colleagues, office)
    found = client.get(reverse("participation:public_list"), {"q": "晚餐", "branch": branch.pk})
    assert proposal.title in found.content.decode()
    missing = client.get(reverse("participation:public_list"), {"q": "没有这个词"})
    assert proposal.title not in missing.content.decode()
    odd = client.get(reverse("participation:public_list"), {"branch": "x" * 5000, "page": "-1"})
    assert odd.status_code == 200


def test_the_public_list_costs_the_same_queries_at_two_sizes(
    client, people, branch, department, term, office
):
    publish(people, branch)
    cosigners = [colleague_user(branch, department, f"附议{i}") for i in range(2)]
    counts, made = [], 0
    for size in (2, 9):
        while made < size:
            made += 1
            assigned(people, term, cosigners, office)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("participation:public_list"))
        assert response.content.decode().count("食堂延长晚餐供应时间") == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
