"""Demo data of care."""

# --- welfare handouts (福利发放) ----------------------------------------------

import random  # noqa: E402
from datetime import timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.utils import timezone  # noqa: E402

from members.models import Member  # noqa: E402

from . import services  # noqa: E402
from .models import Handout  # noqa: E402

DEMO_HANDOUT = "中秋慰问品发放"


def load_demo_welfare(*, branch, campuses, officer, far_officer, member):
    """A handout in progress in the first branch: three options (one nearly gone),
    a pickup point on each campus, about half the members chose, some collected
    on both campuses (one by a colleague). The demo member has not chosen yet.
    Idempotent: nothing is added once the handout exists."""
    if Handout.objects.filter(branch=branch, title=DEMO_HANDOUT).exists():
        return
    rng = random.Random(12)
    now = timezone.now()
    handout = services.handout_save(
        actor=officer,
        handout=Handout(
            branch=branch, title=DEMO_HANDOUT, deadline=now + timedelta(days=4),
            description="每位会员可选一份，请在截止前选择领取点；逾期未选默认发放超市购物卡。",
        ),
    )  # fmt: skip
    add = services.option_add
    gift = add(actor=officer, handout=handout, name="月饼礼盒", unit_price=Decimal("88.00"),
               stock=40)  # fmt: skip
    card = add(actor=officer, handout=handout, name="超市购物卡", unit_price=Decimal("100.00"))
    fruit = add(actor=officer, handout=handout, name="水果礼盒", unit_price=Decimal("95.00"),
                stock=60)  # fmt: skip
    near, far = campuses
    points = {
        near.pk: services.point_add(
            actor=officer,
            handout=handout,
            campus=near,
            place="工会办公室（行政楼 203）",
            hours="工作日 9:00-11:30, 14:00-17:00",
        ),  # fmt: skip
        far.pk: services.point_add(
            actor=officer,
            handout=handout,
            campus=far,
            place="临港校区行政楼 105",
            hours="周二、周四 13:30-16:30",
        ),  # fmt: skip
    }
    services.handout_open(actor=officer, handout=handout)
    handout.refresh_from_db()
    members = list(
        Member.objects.filter(branch=branch, status=Member.Status.ACTIVE)
        .exclude(pk=member.pk)
        .order_by("id")
    )
    choices = []
    for index, someone in enumerate(members[: len(members) // 2]):
        option = (gift, card, fruit)[index % 3] if index < 114 else card
        point = points.get(someone.home_campus_id, points[near.pk])
        try:
            choices.append(
                services.choice_make(
                    member=someone, handout=handout, option_id=option.pk, point_id=point.pk
                )
            )
        except services.WelfareRuleError:
            choices.append(
                services.choice_make(
                    member=someone, handout=handout, option_id=card.pk, point_id=point.pk
                )
            )
    for index, choice in enumerate(c for c in choices if rng.random() < 0.4):
        at_far = choice.point_id == points[far.pk].pk
        proxy = members[-1 - index].staff_number if index % 9 == 4 else ""
        services.pickup_record(
            actor=far_officer if at_far else officer,
            point=choice.point,
            code=choice.code,
            collector_staff_number=proxy,
            now=now - timedelta(hours=rng.randint(1, 30)),
        )
