"""Everything the portal holds about a person, for them to download.

Sex and date of birth are the person's own and are here; officers of their
branch see them too, nobody else. Left out on purpose: the hardship flag (the
design keeps it for the branch's officers only) and internal notes on cases
(never shown to the filer).
"""

from django.db.models import Q

from events.models import Registration
from grievances.models import Grievance, GrievanceEvent
from notices.models import Objection
from union_portal.core.models import Notification

from .models import Member, MemberStatusChange

MEMBER_FIELDS = [
    "staff_number", "name", "email", "phone", "job_title", "sex", "date_of_birth",
    "joined_on", "status",
    "is_representative", "created_at", "updated_at",
]  # fmt: skip


def personal_data(user) -> dict:
    member = (
        Member.objects.select_related("branch", "department", "home_campus")
        .filter(user=user)
        .first()
    )
    data = {
        "account": {
            "email": user.email,
            "name": user.get_full_name(),
            "language": user.language,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "membership": None,
        "status_history": [],
        "event_registrations": [],
        "cases": [],
        "objections": [],
        "notifications": list(
            Notification.objects.filter(user=user).values(
                "subject", "body", "url", "created_at", "read_at", "emailed_at"
            )
        ),
    }
    if member is not None:
        data["membership"] = {field: getattr(member, field) for field in MEMBER_FIELDS} | {
            "branch": member.branch.name,
            "department": member.department.name,
            "home_campus": member.home_campus.name,
        }
        data["status_history"] = list(
            MemberStatusChange.objects.filter(member=member).values(
                "old_status", "new_status", "changed_at", "note"
            )
        )
        data["event_registrations"] = [
            {
                "event": r.event.title,
                "starts_at": r.event.starts_at,
                "venue": str(r.venue) if r.venue else "online",
                "status": r.status,
                "shuttle": [
                    {
                        "direction": seat.trip.direction,
                        "departs_at": seat.trip.departs_at,
                        "from": f"{seat.trip.departure_campus} · {seat.trip.departure_place}",
                        "status": seat.status,
                    }
                    for seat in r.seats.all()
                ],
                "created_at": r.created_at,
                "attended_at": r.attended_at,
            }
            for r in Registration.objects.filter(member=member)
            .select_related("event", "venue__campus")
            .prefetch_related("seats__trip__departure_campus")
        ]
    # Anonymous cases hold no link to anyone, so they cannot be (and are not) here.
    cases = Grievance.objects.filter(Q(filer=user)).select_related("category")
    steps = GrievanceEvent.objects.filter(grievance__in=cases, internal=False).order_by("id")
    by_case = {}
    for step in steps.values("grievance_id", "kind", "text", "created_at"):
        by_case.setdefault(step.pop("grievance_id"), []).append(step)
    data["cases"] = [
        {
            "number": case.pk,
            "kind": case.kind,
            "category": case.category.name,
            "subject": case.subject,
            "description": case.description,
            "confidentiality": case.confidentiality,
            "status": case.status,
            "filed_at": case.filed_at,
            "resolution": case.resolution,
            "timeline": by_case.get(case.pk, []),
        }
        for case in cases
    ]
    data["objections"] = list(
        Objection.objects.filter(user=user).values(
            "notice_id", "text", "confidential", "created_at", "answer", "answered_at"
        )
    )
    return data
