from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from participation import services
from participation.models import ProposalEvent
from union_portal.core.calendar import add_working_days
from union_portal.core.models import Notification

from .conftest import assigned, submitted

pytestmark = pytest.mark.django_db


def at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def test_the_office_is_reminded_once_the_working_day_before_its_answer_is_due(
    people, term, colleagues, office
):
    proposal = assigned(people, term, colleagues, office)
    eve = add_working_days(proposal.answer_due, -1)
    contact = office.contacts.get()
    reminders = Notification.objects.filter(user=contact, key__contains="answer-reminder")
    assert services.proposal_send_reminders(now=at(eve, 20)) == 0  # not at night
    assert not reminders.exists()
    services.proposal_send_reminders(now=at(eve, 10))
    services.proposal_send_reminders(now=at(eve, 11))
    assert reminders.count() == 1


def test_the_chair_is_reminded_before_the_review_is_due(people, term, colleagues):
    proposal = submitted(people, term, colleagues)
    eve = add_working_days(proposal.review_due, -1)
    services.proposal_send_reminders(now=at(eve, 10))
    assert Notification.objects.filter(user=people["chair"], key__contains="review-reminder")


def test_an_overdue_answer_is_escalated_to_the_chair_once(people, term, colleagues, office):
    proposal = assigned(people, term, colleagues, office)
    late = at(proposal.answer_due + timedelta(days=1), 10)
    assert services.proposal_escalate_overdue(now=at(proposal.answer_due, 10)) == 0
    assert services.proposal_escalate_overdue(now=late) == 1
    assert services.proposal_escalate_overdue(now=late) == 0
    assert Notification.objects.filter(user=people["chair"], key__contains=":overdue:").count() == 1
    assert proposal.events.filter(kind=ProposalEvent.Kind.ESCALATED).count() == 1


def test_the_send_back_deadline_is_escalated_again(people, term, colleagues, office):
    contact = office.contacts.get()
    proposal = assigned(people, term, colleagues, office)
    services.proposal_escalate_overdue(now=at(proposal.answer_due + timedelta(days=1), 10))
    services.proposal_answer(actor=contact, proposal=proposal, text="将研究。")
    proposal = services.proposal_rate(actor=people["member"], proposal=proposal,
                                      rating="dissatisfied", reason="没有时间表。")  # fmt: skip
    later = at(proposal.answer_due + timedelta(days=1), 10)
    assert services.proposal_escalate_overdue(now=later) == 1
