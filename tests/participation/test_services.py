from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from participation import services
from participation.models import BranchSetting, CoSignature, Proposal, ProposalEvent
from participation.permissions import proposals_visible_to
from participation.services import ParticipationRuleError
from union_portal.core.calendar import add_working_days
from union_portal.core.models import Notification

from .conftest import assigned, draft, member_of, submitted

pytestmark = pytest.mark.django_db


def test_a_draft_needs_a_current_term(people):
    with pytest.raises(ParticipationRuleError, match="no current term"):
        services.proposal_create(actor=people["member"], title="t", body="b")


def test_only_representatives_submit_where_the_branch_says_so(branch, people, term):
    BranchSetting.objects.create(branch=branch, representatives_only=True)
    with pytest.raises(ParticipationRuleError, match="only the representatives"):
        draft(people, term)
    member = member_of(people["member"])
    services.representative_add(
        actor=people["officer"], term=term, member=member, delegation="一团"
    )
    assert draft(people, term).status == Proposal.Status.DRAFT


def test_a_member_is_a_representative_once_per_term(people, term):
    member = member_of(people["member"])
    services.representative_add(actor=people["officer"], term=term, member=member)
    with pytest.raises(ParticipationRuleError, match="already a representative"):
        services.representative_add(actor=people["officer"], term=term, member=member)


def test_a_draft_is_its_proposers_alone(people, term):
    proposal = draft(people, term)
    assert proposal in proposals_visible_to(people["member"])
    assert proposal not in proposals_visible_to(people["chair"])
    services.proposal_open(actor=people["member"], proposal=proposal)
    assert proposal in proposals_visible_to(people["chair"])
    assert proposal not in proposals_visible_to(people["other_officer"])


def test_opening_gives_co_signers_five_working_days(people, term, today):
    proposal = services.proposal_open(actor=people["member"], proposal=draft(people, term))
    assert proposal.status == Proposal.Status.COLLECTING
    assert proposal.cosign_due == add_working_days(today, 5)


def test_the_proposer_cannot_co_sign_their_own(people, term):
    proposal = services.proposal_open(actor=people["member"], proposal=draft(people, term))
    with pytest.raises(ParticipationRuleError, match="your own"):
        services.cosign(actor=people["member"], proposal=proposal)
    # The database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        CoSignature.objects.create(proposal=proposal, member=proposal.proposer)


def test_a_member_co_signs_a_proposal_once(people, term, colleagues):
    proposal = services.proposal_open(actor=people["member"], proposal=draft(people, term))
    services.cosign(actor=colleagues[0], proposal=proposal)
    with pytest.raises(ParticipationRuleError, match="already co-signed"):
        services.cosign(actor=colleagues[0], proposal=proposal)
    with pytest.raises(IntegrityError), transaction.atomic():
        CoSignature.objects.create(proposal=proposal, member=member_of(colleagues[0]))
    assert services.confirmed_cosigners(proposal).count() == 1


def test_co_signing_after_the_five_working_days_is_refused(people, term, colleagues):
    proposal = services.proposal_open(actor=people["member"], proposal=draft(people, term))
    late = timezone.now() + timedelta(days=30)
    with pytest.raises(ParticipationRuleError, match="were due by"):
        services.cosign(actor=colleagues[0], proposal=proposal, now=late)


def test_submitting_needs_the_branchs_number_of_confirmed_co_signers(people, term, colleagues):
    proposal = services.proposal_open(actor=people["member"], proposal=draft(people, term))
    services.cosign(actor=colleagues[0], proposal=proposal)
    services.cosign(actor=colleagues[1], proposal=proposal)
    services.cosign_withdraw(actor=colleagues[1], proposal=proposal)
    with pytest.raises(ParticipationRuleError, match="2 co-signers must confirm"):
        services.proposal_submit(actor=people["member"], proposal=proposal)
    # An invitation not yet confirmed does not count either.
    services.cosign_invite(actor=people["member"], proposal=proposal,
                           member=member_of(colleagues[2]))  # fmt: skip
    with pytest.raises(ParticipationRuleError, match="1 have"):
        services.proposal_submit(actor=people["member"], proposal=proposal)
    services.cosign(actor=colleagues[2], proposal=proposal)
    proposal = services.proposal_submit(actor=people["member"], proposal=proposal)
    assert proposal.status == Proposal.Status.SUBMITTED


def test_a_branch_may_ask_for_more_co_signers(branch, people, term, colleagues):
    BranchSetting.objects.create(branch=branch, cosigners_needed=3)
    with pytest.raises(ParticipationRuleError, match="3 co-signers"):
        submitted(people, term, colleagues)


def test_co_signatures_stay_once_submitted(people, term, colleagues):
    proposal = submitted(people, term, colleagues)
    with pytest.raises(ParticipationRuleError, match="co-signatures stay"):
        services.cosign_withdraw(actor=colleagues[0], proposal=proposal)


def test_submission_tells_the_chair_once_with_a_five_day_review(people, term, colleagues, today):
    proposal = submitted(people, term, colleagues)
    assert proposal.review_due == add_working_days(today, 5)
    told = Notification.objects.filter(
        user=people["chair"], key=f"proposal:{proposal.pk}:submitted"
    )
    assert told.count() == 1
    assert Notification.objects.filter(user=people["officer"]).count() == 0


def test_only_the_chair_reviews(people, term, colleagues):
    proposal = submitted(people, term, colleagues)
    with pytest.raises(ParticipationRuleError, match="chair"):
        services.review_start(actor=people["officer"], proposal=proposal)


def test_a_step_out_of_order_is_refused(people, term):
    proposal = draft(people, term)
    with pytest.raises(ParticipationRuleError, match="not possible now"):
        services.review_start(actor=people["chair"], proposal=proposal)
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.DRAFT


def test_not_accepting_needs_a_reason_shown_to_readers(people, term, colleagues):
    proposal = submitted(people, term, colleagues)
    services.review_start(actor=people["chair"], proposal=proposal)
    with pytest.raises(ParticipationRuleError, match="Say why"):
        services.proposal_decide(actor=people["chair"], proposal=proposal, decision="not_accepted")
    reason = "属个人诉求，请走申诉渠道。"
    proposal = services.proposal_decide(
        actor=people["chair"], proposal=proposal, decision="not_accepted", reason=reason
    )
    assert proposal.status == Proposal.Status.NOT_ACCEPTED
    assert proposal.decision_reason == "属个人诉求，请走申诉渠道。"
    assert Notification.objects.filter(user=people["member"], key__endswith=":decided").exists()


def test_assignment_gives_the_office_fifteen_working_days(people, term, colleagues, office, today):
    proposal = assigned(people, term, colleagues, office)
    assert proposal.answer_due == add_working_days(today, 15)
    contact = office.contacts.get()
    assert Notification.objects.filter(user=contact, key__endswith=":assigned").count() == 1
    # The contact sees the office's proposals and nothing else of the branch.
    other = services.proposal_open(actor=people["member"], proposal=draft(people, term, "另一件"))
    visible = set(proposals_visible_to(contact))
    assert proposal in visible and other not in visible


def test_only_the_offices_contact_answers(people, term, colleagues, office):
    proposal = assigned(people, term, colleagues, office)
    with pytest.raises(ParticipationRuleError, match="contacts answer"):
        services.proposal_answer(actor=people["chair"], proposal=proposal, text="已办")


def test_dissatisfied_sends_it_back_once_then_closes_with_both_answers(
    people, term, colleagues, office
):
    contact = office.contacts.get()
    proposal = assigned(people, term, colleagues, office)
    services.proposal_answer(actor=contact, proposal=proposal, text="将研究。")
    with pytest.raises(ParticipationRuleError, match="lacks"):
        services.proposal_rate(actor=people["member"], proposal=proposal, rating="dissatisfied")
    proposal = services.proposal_rate(actor=people["member"], proposal=proposal,
                                      rating="dissatisfied", reason="没有时间表。")  # fmt: skip
    assert proposal.status == Proposal.Status.ASSIGNED
    assert Notification.objects.filter(user=contact, key__endswith=":sent_back").count() == 1
    services.proposal_answer(actor=contact, proposal=proposal, text="下学期起晚餐延至19:30。")
    proposal = services.proposal_rate(actor=people["member"], proposal=proposal,
                                      rating="dissatisfied", reason="仍不够。")  # fmt: skip
    assert proposal.status == Proposal.Status.CLOSED
    assert (proposal.first_answer, proposal.answer) == ("将研究。", "下学期起晚餐延至19:30。")


def test_satisfied_closes(people, term, colleagues, office):
    contact = office.contacts.get()
    proposal = assigned(people, term, colleagues, office)
    services.proposal_answer(actor=contact, proposal=proposal, text="已办。")
    proposal = services.proposal_rate(actor=people["member"], proposal=proposal, rating="satisfied")
    assert proposal.status == Proposal.Status.CLOSED
    kinds = list(proposal.events.values_list("kind", flat=True))
    assert kinds == ["created", "opened", "cosigned", "cosigned", "submitted", "review",
                     "accepted", "assigned", "answered", "rated", "closed"]  # fmt: skip


def test_history_is_append_only(people, term):
    event = draft(people, term).events.get()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE participation_proposalevent SET text = 'x'")
    assert ProposalEvent.objects.get(pk=event.pk).text == ""
