"""Committed data for the topology test, in its own database:

    python -m tests.topology.seed MEMBERS   (DJANGO_SETTINGS_MODULE, DATABASE_URL set)

MEMBERS members of one branch, each with an account and a signed-in session,
and four events: two with one venue of 100 places that nobody has signed up
for yet (the sign-up race, the failover run), and two starting in 3 days, one
with every member confirmed, one with 300 of them (the test moves each into
the reminder window, 23 hours ahead, at its stage). Prints the ids
and session keys as JSON."""

import json
import sys
from datetime import date, timedelta


def main(members: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from bench.signups import create_sessions
    from events.models import Event, Registration, Venue
    from members.models import Branch, Campus, Department, Member

    User = get_user_model()
    now = timezone.now()
    campus = Campus.objects.create(name="江湾校区")
    branch = Branch.objects.create(name="拓扑学院分工会")
    department = Department.objects.create(branch=branch, name="拓扑系")
    password = make_password("topology-password")  # one hash for all: PBKDF2 once
    User.objects.bulk_create(
        User(username=f"topo{n}", email=f"topo{n}@example.cn", password=password)
        for n in range(members)
    )
    users = list(User.objects.filter(username__startswith="topo").order_by("id"))
    Member.objects.bulk_create(
        Member(
            staff_number=f"P{n:05d}",
            name=f"成员{n}",
            email=user.email,
            phone="13812345678",
            branch=branch,
            department=department,
            home_campus=campus,
            job_title="讲师",
            joined_on=date(2015, 9, 1),
            user=user,
        )
        for n, user in enumerate(users)
    )
    member_ids = list(Member.objects.order_by("user_id").values_list("id", flat=True))

    def event(title, starts_in, capacity):
        starts = now + starts_in
        created = Event.objects.create(
            branch=branch,
            title=title,
            description="拓扑测试",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            signup_opens_at=now - timedelta(days=1),
            signup_closes_at=starts - timedelta(hours=1),
            cancel_deadline=starts - timedelta(hours=1),
            status="published",
            created_by=users[0],
        )
        venue = Venue.objects.create(
            event=created, campus=campus, place="工会活动中心", capacity=capacity
        )
        return created, venue

    def confirm_all(event, venue, ids):
        Registration.objects.bulk_create(
            Registration(
                event=event, member_id=pk, venue=venue, status="confirmed", confirmed_at=now
            )
            for pk in ids
        )

    race, race_venue = event("topology-race", timedelta(days=7), 100)
    failover, failover_venue = event("topology-failover", timedelta(days=7), 100)
    # Not due yet: the test moves each into the reminder window at its stage.
    reminders, reminders_venue = event("topology-reminders", timedelta(days=3), members)
    second, second_venue = event("topology-second-beat", timedelta(days=3), 300)
    confirm_all(reminders, reminders_venue, member_ids)
    confirm_all(second, second_venue, member_ids[:300])
    user_ids = [user.pk for user in users]
    sessions = create_sessions(settings.DATABASES["default"]["NAME"], user_ids, password)
    return {
        "user_ids": user_ids,
        "sessions": {str(pk): key for pk, key in sessions.items()},
        "race": [race.pk, race_venue.pk],
        "failover": [failover.pk, failover_venue.pk],
        "reminders": reminders.pk,
        "second_beat": second.pk,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
