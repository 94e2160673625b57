"""Nobody approves their own notice: a chair who changed a draft's money stays one
of its authors, even when somebody else edits the draft after them."""

from datetime import date
from decimal import Decimal

import pytest

from notices import services
from notices.models import FundLine, Notice, NoticeVersion
from tests.factories import fund_notice, user_with_role

pytestmark = pytest.mark.django_db


def edit(notice, actor, payee, amount):
    services.notice_update_draft(
        actor=actor, notice=notice, visibility="public", version=NoticeVersion(title="经费公示"),
        lines=[FundLine(date=date(2026, 3, 1), note="慰问", payee=payee,
                        amount=Decimal(amount))],
    )  # fmt: skip


def test_a_chair_who_edited_a_draft_cannot_approve_it_after_an_officer_edits_it_again(
    branch, people
):
    chair = people["chair"]
    second_officer = user_with_role("officer", branch)
    user_with_role("chair", branch)  # another chair could approve it
    notice = fund_notice(branch, people["officer"])
    edit(notice, chair, "CHAIR-FRIEND LTD", "99999.00")  # the chair puts the money in
    edit(notice, second_officer, "CHAIR-FRIEND LTD", "99999.00")  # an officer fixes a typo
    services.notice_submit(actor=people["officer"], notice=notice)
    with pytest.raises(services.NoticeRuleError):
        services.notice_approve(actor=chair, notice=notice)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.AWAITING and notice.approved_by is None
