"""Last year's work in the first branch, so that last year's yearly report shows
figures: events held on both campuses with members who attended, cases answered
in time and late (one appealed), a fund notice published, and the second branch's
reports made public. Idempotent: nothing is added once last year's events exist."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from events.models import Event, Registration, Venue
from grievances import services as grievance_services
from grievances.demo import SUBJECTS, _account, _file
from grievances.models import Category
from members.models import Member
from notices import services as notice_services
from notices.models import FundLine, NoticeVersion

from .models import ReportSettings

EVENTS = [
    # (title, month, campuses by index, members who attended)
    ("迎新春环湖健步走", 1, (0, 1), 40),
    ("教职工羽毛球比赛", 4, (0,), 18),
    ("临港校区读书沙龙", 6, (1,), 12),
    ("秋季职工运动会", 10, (0, 1), 55),
]


def _when(year, month, day, hour=14):
    return timezone.make_aware(datetime(year, month, day, hour))


def load_last_year(*, branches, campuses, officer, chair):
    branch = branches[0]
    year = timezone.localdate().year - 1
    if Event.objects.filter(branch=branch, starts_at__year=year).exists():
        return
    rng = random.Random(year)
    active = list(
        Member.objects.filter(branch=branch, status=Member.Status.ACTIVE).order_by("staff_number")
    )
    for title, month, where, attended in EVENTS:
        start = _when(year, month, 15)
        event = Event.objects.create(
            branch=branch, title=f"{year} {title}", description="往年活动。", created_by=officer,
            starts_at=start, ends_at=start + timedelta(hours=3),
            signup_opens_at=start - timedelta(days=14), signup_closes_at=start - timedelta(days=1),
            cancel_deadline=start - timedelta(days=1), status=Event.Status.PUBLISHED,
        )  # fmt: skip
        venues = {
            campuses[i].pk: Venue.objects.create(
                event=event, campus=campuses[i], place="活动中心", capacity=200
            )
            for i in where
        }
        for member in rng.sample(active, min(attended, len(active))):
            venue = venues.get(member.home_campus_id) or next(iter(venues.values()))
            Registration.objects.create(event=event, member=member, venue=venue, status="attended")

    categories = {c.name: c for c in Category.objects.filter(branch=branch)}
    filers = [_account(m) for m in rng.sample(active, 12)]
    for index, member in enumerate(filers):
        name, subject, description = SUBJECTS[index % len(SUBJECTS)]
        category = categories.get(name) or next(iter(categories.values()))
        filed = _when(year, 3 + index % 9, 5 + index, hour=10)
        grievance, _ = _file(member, category, subject, description, when=filed)
        if grievance.assignee_id is None:
            grievance_services.grievance_assign(actor=chair, grievance=grievance, assignee=officer)
            grievance.refresh_from_db()
        handler = grievance.assignee
        late = index % 4 == 0
        acked = filed + timedelta(days=6 if late else 1)
        grievance_services.grievance_acknowledge(actor=handler, grievance=grievance, now=acked)
        resolved = acked + timedelta(days=30 if late else 7)
        grievance_services.grievance_propose_resolution(
            actor=handler, grievance=grievance, text="已协调相关部门解决。", now=resolved
        )
        if index == 5:
            grievance_services.grievance_appeal(
                grievance=grievance, user=member.user, text="处理结果未落实。", now=resolved
            )
        else:
            grievance_services.grievance_accept(grievance=grievance, user=member.user, now=resolved)

    lines = [
        FundLine(date=_when(year, 1, 20).date(), note="慰问品", payee="校内超市",
                 amount=Decimal("7420.00")),
        FundLine(date=_when(year, 10, 15).date(), note="奖品", payee="体育用品店",
                 amount=Decimal("3360.50")),
    ]  # fmt: skip
    notice = notice_services.notice_create(
        actor=officer, branch_id=branch.pk, kind="fund", visibility="public",
        version=NoticeVersion(title=f"{year} 年度工会经费使用公示", body="全年活动与慰问经费。"),
        lines=lines,
    )  # fmt: skip
    notice_services.notice_submit(actor=officer, notice=notice)
    notice_services.notice_approve(actor=chair, notice=notice)
    notice_services.notice_publish(actor=officer, notice=notice, now=_when(year, 12, 20))
    ReportSettings.objects.get_or_create(branch=branches[1], defaults={"public": True})
