"""Demo events across both campuses, some full with waiting lists. Idempotent:
an event whose title exists is left as it is."""

import random
from datetime import timedelta

from django.utils import timezone

from members.models import Member

from . import services
from .models import Event, Venue

DAY = timedelta(days=1)


def _event(title, branch, officer, start, **fields):
    event, created = Event.objects.get_or_create(
        title=title,
        defaults={
            "branch": branch,
            "created_by": officer,
            "starts_at": start,
            "ends_at": start + timedelta(hours=fields.pop("hours", 2)),
            "signup_opens_at": start - 14 * DAY,
            "signup_closes_at": start - DAY / 2,
            "cancel_deadline": start - DAY,
            "status": Event.Status.PUBLISHED,
            **fields,
        },
    )
    return event, created


def _sign_up(event, members, venues, now, shuttle_every=0):
    for index, member in enumerate(members):
        try:
            services.registration_create(
                member=member,
                event=event,
                venue_id=venues[index % len(venues)].pk if venues else None,
                wants_shuttle=bool(shuttle_every) and index % shuttle_every == 0,
                now=now,
            )
        except services.EventRuleError:
            continue


def load_demo_events(*, branches, campuses, officers, demo_member):
    rng = random.Random(4)
    now = timezone.now()
    # Events start at 14:00 local time, a sensible hour for a union activity.
    afternoon = timezone.localtime(now).replace(hour=14, minute=0, second=0, microsecond=0)
    near, far = campuses
    active = {
        b.pk: list(Member.objects.filter(branch=b, status=Member.Status.ACTIVE, user__isnull=True))
        for b in branches
    }

    walk, created = _event(
        "两校区同步健步走", branches[0], officers[0], afternoon + 9 * DAY,
        category=Event.Category.SPORTS, open_to_all_branches=True, shuttle_seats=20,
        shuttle_departs_at=afternoon + 9 * DAY - timedelta(hours=1),
        shuttle_departure_place="江湾校区南门",
        description="江湾、临港两个校区**同时出发**，终点合影。需要班车的老师请勾选班车座位。",
    )  # fmt: skip
    if created:
        venues = [
            Venue.objects.create(event=walk, campus=near, place="江湾校区田径场", capacity=40),
            Venue.objects.create(
                event=walk, campus=far, place="临港校区滴水湖步道起点", capacity=30
            ),
        ]
        _sign_up(walk, [demo_member], venues[:1], now, shuttle_every=1)
        _sign_up(
            walk, rng.sample(active[branches[0].pk] + active[branches[1].pk], 45), venues, now, 3
        )

    badminton, created = _event(
        "教职工羽毛球友谊赛", branches[0], officers[0], afternoon + 5 * DAY,
        category=Event.Category.SPORTS, description="名额有限，报满后自动进入候补。",
    )  # fmt: skip
    if created:
        court = Venue.objects.create(
            event=badminton, campus=near, place="江湾体育馆二楼", capacity=8
        )
        _sign_up(badminton, rng.sample(active[branches[0].pk], 10), [court], now)
        _sign_up(badminton, [demo_member], [court], now)

    lecture, created = _event(
        "心理健康与压力管理讲座", branches[1], officers[1], afternoon + 12 * DAY,
        category=Event.Category.LECTURE, online_url="https://meeting.example.cn/union-talk",
        description="可在临港校区现场参加，也可线上参加。",
    )  # fmt: skip
    if created:
        hall = Venue.objects.create(
            event=lecture, campus=far, place="临港图书馆报告厅", capacity=50
        )
        _sign_up(lecture, rng.sample(active[branches[1].pk], 20), [hall], now)

    past_start = afternoon - 20 * DAY
    salon, created = _event(
        "春季插花沙龙", branches[0], officers[0], past_start,
        category=Event.Category.CULTURE, description="已结束的活动，用于参与情况统计。",
    )  # fmt: skip
    if created:
        rooms = [
            Venue.objects.create(event=salon, campus=near, place="江湾工会活动室", capacity=15),
            Venue.objects.create(event=salon, campus=far, place="临港教工之家", capacity=15),
        ]
        _sign_up(salon, rng.sample(active[branches[0].pk], 26), rooms, past_start - 7 * DAY)
        for registration in salon.registrations.filter(status="confirmed"):
            if rng.random() < 0.7:
                services.registration_check_in(
                    actor=officers[0], event=salon, code=registration.checkin_code,
                    now=past_start + timedelta(minutes=5),
                )  # fmt: skip

    _event(
        "年终联欢会（筹备中）", branches[0], officers[0], afternoon + 30 * DAY,
        status=Event.Status.DRAFT, category=Event.Category.CULTURE, hours=3,
    )  # fmt: skip
