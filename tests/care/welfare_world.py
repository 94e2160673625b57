"""A welfare handout in progress, shared by the care tests, the permission
matrix and the fuzz setup: two campuses, two options (one with stock), a
pickup point on each campus, the member's choice, a colleague's pickup."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from care import services
from care.models import Handout
from tests.factories import CampusFactory, MemberFactory


def open_handout(branch, officer, *, stock=5, deadline=None, title="中秋慰问品", **fields):
    """An open handout of `branch`: 月饼礼盒 (stock), 购物卡 (no limit, the
    default), points at 江湾 and 临港."""
    near, far = CampusFactory(name="江湾校区"), CampusFactory(name="临港校区")
    handout = services.handout_save(
        actor=officer,
        handout=Handout(
            branch=branch, title=title,
            deadline=deadline or timezone.now() + timedelta(days=3), **fields,
        ),
    )  # fmt: skip
    gift = services.option_add(
        actor=officer, handout=handout, name="月饼礼盒", unit_price=Decimal("88.00"), stock=stock
    )
    card = services.option_add(
        actor=officer, handout=handout, name="超市购物卡", unit_price=Decimal("100.00")
    )
    near_point = services.point_add(
        actor=officer, handout=handout, campus=near, place="工会办公室", hours="9:00-17:00"
    )
    far_point = services.point_add(
        actor=officer, handout=handout, campus=far, place="临港行政楼 105", hours="周二 14:00-16:00"
    )
    services.handout_open(actor=officer, handout=handout)
    handout.refresh_from_db()
    return handout, gift, card, near_point, far_point


def welfare_objects(people, branch):
    """Kwargs for the welfare URLs: an open handout where the member chose and a
    colleague has collected, and a draft one."""
    officer, member = people["officer"], people["member"].member
    handout, gift, card, near_point, far_point = open_handout(branch, officer)
    services.choice_make(member=member, handout=handout, option_id=gift.pk, point_id=far_point.pk)
    colleague = MemberFactory(branch=branch)
    services.choice_make(
        member=colleague, handout=handout, option_id=card.pk, point_id=near_point.pk
    )
    code = handout.choices.get(member=colleague).code
    services.pickup_record(actor=officer, point=near_point, code=code)
    draft = services.handout_save(
        actor=officer,
        handout=Handout(
            branch=branch, title="三八节慰问", deadline=timezone.now() + timedelta(days=5)
        ),
    )
    return {
        "handout": {"pk": handout.pk},
        "draft_handout": {"pk": draft.pk},
        "handout_step": {"pk": handout.pk, "step": "remind"},
        "draft_handout_step": {"pk": draft.pk, "step": "open"},
        "pickup_point": {"pk": far_point.pk},
    }
