"""The welfare fund notice draft counts the choices as they stand when it is drafted;
once drafted it cannot be drafted again."""

from decimal import Decimal

import pytest

from care import services
from care.services import WelfareRuleError
from tests.factories import MemberFactory

from .welfare_world import open_handout

pytestmark = pytest.mark.django_db


@pytest.mark.xfail(
    strict=True,
    reason="review r3: the draft is allowed while members may still choose (open, before the "
    "deadline and the defaults); later choices are missing from the notice and it cannot be "
    "redrafted. Needs a decision (refuse until closed/defaults applied, or redraft while a "
    "draft) that changes test_fund_notice_draft_has_one_line_per_option_quantity_times_price.",
)
def test_a_fund_notice_is_not_drafted_while_members_may_still_choose(branch, people):
    officer = people["officer"]
    handout, gift, card, near, far = open_handout(branch, officer)
    services.choice_make(
        member=MemberFactory(branch=branch), handout=handout, option_id=gift.pk, point_id=near.pk
    )
    try:
        notice = services.handout_draft_fund_notice(actor=officer, handout=handout)
    except WelfareRuleError:
        return  # refused while choices may still change: the promise holds
    # Drafted early: a choice made afterwards must not be left out of the money.
    services.choice_make(
        member=MemberFactory(branch=branch), handout=handout, option_id=card.pk, point_id=far.pk
    )
    total = sum(line.amount for line in notice.current.fund_lines.all())
    assert total == Decimal("188.00")
