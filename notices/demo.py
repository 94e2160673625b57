"""Demo notices: published fund and award notices, one in its objection period,
one corrected (the officer's correction approved by the chair), one with a
correction awaiting the chair's approval, one withdrawn, a draft awaiting
approval; the year's budget per spending category with its budget notice
(预算公示), income lines, an announcement (通知公告, no objection period).
Idempotent: nothing is added once the branch has notices."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from . import services
from .models import AwardResult, FundLine, Income, Notice, NoticeVersion, SpendingCategory


def _category(name, parent=None):
    return SpendingCategory.objects.get(branch__isnull=True, name=name, parent__name=parent)


def _lines(rows):
    """Lines placed in their category by their text (送温暖/慰问, 文体活动…)."""
    return [
        FundLine(date=day, note=purpose, payee=payee, amount=Decimal(amount),
                 budget_line=budget)
        for day, purpose, payee, amount, budget in rows
    ]  # fmt: skip


def _load_accounts(*, branch, officer, chair, year, today):
    """The year's budget, income, and the budget notice that publishes it."""
    services.budget_save(
        actor=officer, branch_id=branch.pk, year=year,
        amounts={
            _category("职工活动支出").pk: Decimal("30000.00"),
            _category("维权支出").pk: Decimal("25000.00"),
            _category("业务支出").pk: Decimal("8000.00"),
            _category("行政支出").pk: Decimal("2000.00"),
            _category("其他支出").pk: Decimal("3000.00"),
        },
    )  # fmt: skip
    for day, source, amount, note in [
        (date(year, 1, 10), Income.Source.ALLOCATION, "40000.00", "校工会年度拨付"),
        (date(year, 3, 31), Income.Source.DUES, "18650.40", "第一季度会费返还"),
        (date(year, 6, 30), Income.Source.DUES, "18702.80", "第二季度会费返还"),
        (min(today, date(year, 9, 1)), Income.Source.OTHER, "1200.00", "校友捐赠"),
    ]:
        services.income_add(
            actor=officer, branch_id=branch.pk, date=day, source=source,
            amount=Decimal(amount), note=note,
        )  # fmt: skip
    budget = services.notice_create(
        actor=officer, branch_id=branch.pk, kind="budget", visibility="public",
        budget_year=year,
        version=NoticeVersion(
            title=f"{year} 年度工会经费预算公示",
            body="经分工会委员会讨论通过，本年度经费预算如下，欢迎会员监督。",
        ),
    )  # fmt: skip
    return budget


def _publish(notice, *, officer, chair, when):
    services.notice_submit(actor=officer, notice=notice)
    services.notice_approve(actor=chair, notice=notice)
    services.notice_publish(actor=officer, notice=notice, now=when)


def load_demo_notices(*, branch, officer, chair, member):
    if Notice.objects.filter(branch=branch).exists():
        return
    now = timezone.now()
    today = timezone.localdate()
    long_ago = now - timedelta(days=60)
    year = today.year
    budget = _load_accounts(branch=branch, officer=officer, chair=chair, year=year, today=today)
    _publish(budget, officer=officer, chair=chair, when=now - timedelta(days=3))

    announcement = services.notice_create(
        actor=officer, branch_id=branch.pk, kind="announcement", visibility="public",
        version=NoticeVersion(
            title="关于开展教职工健康体检的通知",
            body="请各位会员于本月内到校医院预约体检，详见附件说明。",
        ),
    )  # fmt: skip
    _publish(announcement, officer=officer, chair=chair, when=now - timedelta(days=1))

    spring = services.notice_create(
        actor=officer, branch_id=branch.pk, kind="fund", visibility="public",
        version=NoticeVersion(
            title=f"{year} 年春节慰问经费使用公示",
            body="春节前走访慰问退休教职工和**困难职工**，经费使用明细如下。",
        ),
        lines=_lines([
            (date(year, 1, 20), "慰问品", "校内超市", "6840.00", "慰问经费"),
            (date(year, 1, 22), "慰问金", "困难职工（12 人）", "12000.00", "帮扶经费"),
            (date(year, 1, 22), "交通", "校车队", "480.00", "慰问经费"),
        ]),
    )  # fmt: skip
    _publish(spring, officer=officer, chair=chair, when=long_ago)
    services.notice_close_periods(now=now)

    sports = services.notice_create(
        actor=officer, branch_id=branch.pk, kind="fund", visibility="public",
        version=NoticeVersion(title="教职工羽毛球赛经费使用公示", body="比赛场地与奖品费用。"),
        lines=_lines([
            (date(year, 4, 10), "场地租用", "体育馆", "1200.00", "文体活动"),
            (date(year, 4, 12), "奖品", "体育用品店", "1800.00", "文体活动"),
        ]),
    )  # fmt: skip
    _publish(sports, officer=officer, chair=chair, when=long_ago)
    # A correction waits for the chair, who did not write it; approving opens a
    # new objection period, long over by now.
    services.notice_correct(
        actor=officer, notice=sports, reason="奖品费用发票金额录入有误，已更正。",
        version=NoticeVersion(title="教职工羽毛球赛经费使用公示", body="比赛场地与奖品费用。"),
        lines=_lines([
            (date(year, 4, 10), "场地租用", "体育馆", "1200.00", "文体活动"),
            (date(year, 4, 12), "奖品", "体育用品店", "1680.00", "文体活动"),
        ]),
    )  # fmt: skip
    services.correction_approve(actor=chair, notice=sports, now=long_ago + timedelta(days=3))
    services.notice_close_periods(now=now)

    # In its objection period now, with an objection waiting for an answer.
    autumn = services.notice_create(
        actor=officer, branch_id=branch.pk, kind="fund", visibility="members",
        version=NoticeVersion(title="秋季健步走活动经费使用公示", body="仅本分工会会员可见。"),
        lines=_lines([
            (today - timedelta(days=10), "班车", "校车队", "900.00", "文体活动"),
            (today - timedelta(days=10), "饮用水", "校内超市", "356.80", "文体活动"),
        ]),
    )  # fmt: skip
    _publish(autumn, officer=officer, chair=chair, when=now - timedelta(days=1))
    services.objection_file(
        user=member.user, member=member, notice=autumn, text="班车费用是否含返程？"
    )

    def award_version():
        return NoticeVersion(
            title=f"{year} 年度优秀工会积极分子评选结果",
            body="经分工会委员会评议，拟表彰以下同志。",
            criteria="热心工会工作，全年参加工会活动不少于 6 次，群众评议优秀。",
        )

    def winners(third_department):
        return [
            AwardResult(winner="王建国", department="软件工程系", award="优秀工会积极分子"),
            AwardResult(winner="李晓红", department="软件工程系", award="优秀工会积极分子"),
            AwardResult(winner="刘佳琪", department=third_department, award="工会工作贡献奖"),
        ]

    award = services.notice_create(
        actor=officer, branch_id=branch.pk, kind="award", visibility="public",
        version=award_version(), awards=winners("学院办公室"),
    )  # fmt: skip
    _publish(award, officer=officer, chair=chair, when=now - timedelta(days=2))
    # A correction of the winners, for the chair to approve or send back.
    services.notice_correct(
        actor=officer, notice=award, reason="刘佳琪同志所在部门录入有误。",
        version=award_version(), awards=winners("计算机科学系"),
    )  # fmt: skip

    withdrawn = services.notice_create(
        actor=officer, branch_id=branch.pk, kind="announcement", visibility="public",
        version=NoticeVersion(title="关于暂停周末开放活动室的通知", body="因装修暂停开放。"),
    )  # fmt: skip
    _publish(withdrawn, officer=officer, chair=chair, when=long_ago)
    services.notice_withdraw(actor=chair, notice=withdrawn, reason="装修延期，通知作废。")

    draft = services.notice_create(
        actor=officer, branch_id=branch.pk, kind="fund", visibility="public",
        version=NoticeVersion(title="年终联欢会经费预算公示（草稿）", body="待主席审批。"),
        lines=_lines([(today, "场地布置", "礼仪公司", "3000.00", "文体活动")]),
    )  # fmt: skip
    services.notice_submit(actor=officer, notice=draft)
