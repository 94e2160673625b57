"""Demo events across both campuses, some full with waiting lists. Idempotent:
an event whose title exists is left as it is."""

import random
from datetime import timedelta

from django.utils import timezone

from members.models import Member

from . import services
from .models import Event, ShuttleTrip, Venue

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


def _sign_up(event, members, venues, now, trips=None):
    """Signs members up in turn; with trips, each far-campus member also takes
    a seat out and back (the demo's walk)."""
    for index, member in enumerate(members):
        venue = venues[index % len(venues)] if venues else None
        rides = trips and services.has_first_claim(member=member, venue=venue)
        try:
            services.registration_create(
                member=member,
                event=event,
                venue_id=venue.pk if venue else None,
                out_trip_id=trips[0].pk if rides else None,
                back_trip_id=trips[1].pk if rides else None,
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
        category=Event.Category.SPORTS, open_to_all_branches=True,
        description="江湾、临港两个校区**同时出发**，终点合影。临港校区的老师可乘班车来江湾，"
                    "报名时选择去程和返程班次。",
    )  # fmt: skip
    if created:
        venues = [
            Venue.objects.create(event=walk, campus=near, place="江湾校区田径场", capacity=40),
            Venue.objects.create(
                event=walk, campus=far, place="临港校区滴水湖步道起点", capacity=30
            ),
        ]
        start = walk.starts_at
        # Far-campus staff ride to 江湾: the early bus out is small and fills up
        # (a waiting list), the later one and the bus back have seats left.
        trips = [
            ShuttleTrip.objects.create(
                event=walk, direction="out", departure_campus=far,
                departure_place="行政楼前",
                departs_at=start - timedelta(hours=2), seats=6,
            ),
            ShuttleTrip.objects.create(
                event=walk, direction="back", departure_campus=near,
                departure_place="南门",
                departs_at=walk.ends_at + timedelta(minutes=30), seats=30,
            ),
            ShuttleTrip.objects.create(
                event=walk, direction="out", departure_campus=far,
                departure_place="图书馆",
                departs_at=start - timedelta(hours=1, minutes=30), seats=20,
            ),
        ]  # fmt: skip
        _sign_up(walk, [demo_member], venues[:1], now)
        crowd = rng.sample(active[branches[0].pk] + active[branches[1].pk], 45)
        riders = [m for m in crowd if m.home_campus_id == far.pk][:9]
        _sign_up(walk, riders, venues[:1], now, trips=trips)
        _sign_up(walk, [m for m in crowd if m not in riders], venues, now)

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
