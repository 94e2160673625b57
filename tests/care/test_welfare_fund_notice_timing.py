"""The welfare fund notice is drafted once the choices are final (after the
deadline's defaults, or once the handout is closed), so no choice is left out of
the money it publishes; once drafted it cannot be drafted again."""

from datetime import timedelta
from decimal import Decimal

import pytest

from care import services
from care.models import HandoutChoice
from care.services import WelfareRuleError
from notices.models import Notice
from tests.factories import MemberFactory

from .welfare_world import open_handout

pytestmark = pytest.mark.django_db


def test_a_fund_notice_is_not_drafted_while_members_may_still_choose(branch, people):
    officer = people["officer"]
    handout, gift, card, near, far = open_handout(branch, officer)
    services.choice_make(
        member=MemberFactory(branch=branch), handout=handout, option_id=gift.pk, point_id=near.pk
    )
    with pytest.raises(WelfareRuleError, match="choices are final"):
        services.handout_draft_fund_notice(actor=officer, handout=handout)
    assert Notice.objects.count() == 0
    services.choice_make(
        member=MemberFactory(branch=branch), handout=handout, option_id=card.pk, point_id=far.pk
    )
    # After the deadline the default is given: now every choice is counted.
    services.handout_apply_defaults(now=handout.deadline + timedelta(minutes=1))
    notice = services.handout_draft_fund_notice(actor=officer, handout=handout)
    chosen = HandoutChoice.objects.filter(handout=handout).select_related("option")
    assert sum(line.amount for line in notice.current.fund_lines.all()) == sum(
        c.option.unit_price for c in chosen
    )
    assert sum(line.amount for line in notice.current.fund_lines.all()) >= Decimal("188.00")
