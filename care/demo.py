"""Demo data of the care/ app."""

# --- hardship files (困难职工建档与帮扶) -----------------------------------------
# Files for the first branch's members in hardship (those the roster marks, and
# more to reach ten), kept by the two officers of the branch and the chair, with
# visits, calls, a condolence and money (one aid payment linked to a published
# fund notice line when there is one); some are overdue for contact, one is closed.
# Idempotent: nothing is added once the branch has a file.

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from members.models import Member
from union_portal.core.rules import RuleError

from . import services
from .models import Handout

HARDSHIP_STORIES = [
    # reason, level, days since opening, [(kind, days ago, amount, note)]
    ("illness", "special", 400, [("visit", 20, None, "住院期间上门看望，家属陪护"),
                                 ("subsidy", 19, "2000.00", "大病补助")]),
    ("family_illness", "general", 300, [("phone", 75, None, "电话询问近况")]),
    ("disaster", "deep", 200, [("visit", 150, None, "家中受灾，现场查看"),
                               ("aid", 149, "3000.00", "灾后救助")]),
    ("single_parent", "general", 180, [("visit", 30, None, "了解子女入学情况"),
                                       ("referral", 29, None, "转介校工会助学项目")]),
    ("illness", "general", 120, []),
    ("family_illness", "special", 90, [("condolence", 10, None, "家属病逝，慰问"),
                                       ("aid", 10, "1000.00", "慰问金")]),
    ("other", "general", 70, [("phone", 65, None, "电话联系")]),
    ("illness", "deep", 45, [("visit", 5, None, "康复期回访"), ("subsidy", 5, "800.00", "")]),
    ("single_parent", "general", 400, [("visit", 200, None, "")]),
    ("disaster", "general", 365, [("visit", 100, None, "")]),
]  # fmt: skip


def load_demo_hardship(*, branch, officers, chair):
    from . import services
    from .models import HardshipFile
    from .selectors import fund_lines_for_support

    if HardshipFile.objects.filter(branch=branch).exists():
        return
    today = timezone.localdate()
    office_holders = [*officers, chair]
    taken = {u.pk for u in office_holders}
    active = Member.objects.filter(branch=branch, status=Member.Status.ACTIVE).exclude(
        user_id__in=taken
    )
    flagged = list(active.filter(has_hardship=True).order_by("staff_number"))
    others = list(active.filter(has_hardship=False).order_by("-staff_number"))
    members = (flagged + others)[: len(HARDSHIP_STORIES)]
    line = fund_lines_for_support(branch.pk).filter(amount__gte=Decimal("500")).first()
    files = []
    for index, (member, story) in enumerate(zip(members, HARDSHIP_STORIES, strict=False)):
        reason, level, age, records = story
        opened = today - timedelta(days=age)
        officer = office_holders[index % len(office_holders)]
        file = services.hardship_file_open(
            actor=officer, member=member, reason=reason, level=level, officer=officer,
            review_on=opened + timedelta(days=365), today=opened,
            situation="本人及家庭情况已核实。",
        )  # fmt: skip
        for kind, days_ago, amount, note in records:
            services.support_record_add(
                actor=officer, file=file, kind=kind, date=today - timedelta(days=days_ago),
                amount=Decimal(amount) if amount else None, note=note, today=today,
            )  # fmt: skip
        files.append((file, officer))
    if line is not None and files:
        file, officer = files[0]
        try:
            services.support_record_add(
                actor=officer, file=file, kind="aid", date=today, amount=Decimal("500.00"),
                fund_line=line, note="经费公示所列困难补助", today=today,
            )  # fmt: skip
        except RuleError:
            pass  # the line is paid out already
    if len(files) > 1:
        file, officer = files[-1]
        services.hardship_file_close(actor=officer, file=file, reason="recovered",
                                     note="家庭情况好转", today=today)  # fmt: skip


"""Demo data of care."""

# --- welfare handouts (福利发放) ----------------------------------------------


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
