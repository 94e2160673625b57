"""Last year's data of one branch, small enough to count by hand."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from events.models import Registration
from grievances.models import Grievance, GrievanceEvent
from participation.models import Proposal
from tests.factories import (
    CampusFactory,
    CategoryFactory,
    EventFactory,
    GrievanceFactory,
    MemberFactory,
    UserFactory,
    VenueFactory,
    fund_notice,
)


def last_year():
    return timezone.localdate().year - 1


def moment(month, day, hour=10, year=None):
    return timezone.make_aware(datetime(year or last_year(), month, day, hour))


@pytest.fixture
def campuses(db):
    return CampusFactory(name="江湾校区"), CampusFactory(name="临港校区")


def held_event(branch, *campuses, month=5, status="published", title=None):
    start = moment(month, 10, 14)
    event = EventFactory(
        branch=branch, starts_at=start, ends_at=start + timedelta(hours=2), status=status,
        signup_opens_at=start - timedelta(days=10), signup_closes_at=start - timedelta(days=1),
        cancel_deadline=start - timedelta(days=1), **({"title": title} if title else {}),
    )  # fmt: skip
    venues = [VenueFactory(event=event, campus=c, capacity=50) for c in campuses]
    return event, venues


def attend(event, venue, members):
    for member in members:
        Registration.objects.create(event=event, member=member, venue=venue, status="attended")


def case(branch, *, filed, member=None, anonymous=False, **fields):
    """A case filed on `filed` (a date of last year); `fields` are written after."""
    category = CategoryFactory(branch=branch)
    if anonymous:
        grievance = GrievanceFactory(
            category=category, confidentiality="anonymous", filer=None, filer_member=None,
            receipt_hash=f"h{filed}{timezone.now().timestamp()}",
        )  # fmt: skip
    elif member is not None:
        if member.user is None:
            member.user = UserFactory()
            member.save()
        grievance = GrievanceFactory(category=category, filer_member=member, filer=member.user)
    else:
        grievance = GrievanceFactory(category=category)
    values = {"filed_at": filed, "ack_due": filed.date() + timedelta(days=3),
              "resolve_due": filed.date() + timedelta(days=20), **fields}  # fmt: skip
    Grievance.objects.filter(pk=grievance.pk).update(**values)
    grievance.refresh_from_db()
    return grievance


@pytest.fixture
def world(people, branch, other_branch, campuses, department):
    """Last year in `branch`:
    - events held: 3 (one at 江湾, one at 临港, one at both); a cancelled one, a
      draft and another branch's event are not counted;
    - 5 members on 江湾 and 5 on 临港 attended (the far share: 50 %);
    - cases: 6 filed (5 named by 江湾 members, 1 anonymous); 2 acknowledged in
      time, 1 late; 2 resolved, 1 in time; 1 escalated; 1 appealed; 1 accepted;
    - proposals: 2 filed, 1 accepted and answered on time;
    - fund notices: a public one (1 200.00 + 300.00) and a members-only one (500.00);
    - objections: 1 received, 0 answered.
    """
    near, far = campuses
    near_members = [MemberFactory(branch=branch, department=department, home_campus=near)
                    for _ in range(5)]  # fmt: skip
    far_members = [MemberFactory(branch=branch, department=department, home_campus=far)
                   for _ in range(5)]  # fmt: skip
    at_near, (v1,) = held_event(branch, near, month=3)
    at_far, (v2,) = held_event(branch, far, month=4)
    both, _venues = held_event(branch, near, far, month=6, title="健步走")
    held_event(branch, near, month=7, status="cancelled")
    held_event(branch, near, month=8, status="draft")
    held_event(other_branch, near, month=5)
    attend(at_near, v1, near_members)
    attend(at_far, v2, far_members)

    filed = [moment(2, d) for d in (3, 4, 5, 6, 7)]
    c1 = case(branch, filed=filed[0], member=near_members[0],
              acknowledged_at=filed[0] + timedelta(days=1),
              resolved_at=filed[0] + timedelta(days=5),
              status="closed")  # fmt: skip
    case(branch, filed=filed[1], member=near_members[1],
         acknowledged_at=filed[1] + timedelta(days=2), resolved_at=filed[1] + timedelta(days=40),
         appealed=True, status="closed")  # fmt: skip
    case(branch, filed=filed[2], member=near_members[2],
         acknowledged_at=filed[2] + timedelta(days=9), escalations=1, level="chair",
         status="in_progress")  # fmt: skip
    case(branch, filed=filed[3], member=near_members[3])
    case(branch, filed=filed[4], member=near_members[4])
    case(branch, filed=moment(9, 1), anonymous=True)
    GrievanceEvent.objects.create(grievance=c1, kind="accepted", by_filer=True, level="branch",
                                  status="closed")  # fmt: skip

    from participation import services as participation_services

    term = participation_services.term_save(
        actor=people["officer"], branch_id=branch.pk, name="第五届",
        start=moment(1, 1).date(), end=moment(1, 1).date() + timedelta(days=1000),
    )  # fmt: skip
    member = people["member"].member
    office = participation_services.office_save(
        actor=people["officer"], branch_id=branch.pk, name="教务办", contacts=[people["officer"]]
    )
    common = {"branch": branch, "term": term, "proposer": member,
              "proposer_user": people["member"], "body": "b"}  # fmt: skip
    for status, answered in (("answered", True), ("not_accepted", False)):
        proposal = Proposal.objects.create(
            title=status, status=status, office=office if answered else None,
            answer="答复" if answered else "", **common,
        )  # fmt: skip
        Proposal.objects.filter(pk=proposal.pk).update(
            created_at=moment(3, 1), submitted_at=moment(3, 1),
            answer_due=moment(4, 1).date() if answered else None,
            answered_at=moment(3, 20) if answered else None,
        )  # fmt: skip

    public = fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                         amounts=("1200.00", "300.00"), now=moment(3, 2))  # fmt: skip
    members_only = fund_notice(branch, people["officer"], chair=people["chair"],
                               status="published", visibility="members", amounts=("500.00",),
                               title="会员内部公示",
                               now=moment(3, 3))  # fmt: skip
    from notices.models import Objection

    objection = Objection.objects.create(
        notice=public, version=public.current, member=member, user=people["member"], text="?"
    )
    Objection.objects.filter(pk=objection.pk).update(created_at=moment(3, 4))
    return {
        "year": last_year(), "near": near, "far": far, "public": public,
        "members_only": members_only, "total": Decimal("1500.00"),
        "near_members": near_members, "far_members": far_members,
    }  # fmt: skip
