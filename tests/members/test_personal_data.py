import json

import pytest
from django.urls import reverse

from events import services as event_services
from grievances import services as grievance_services
from members.models import RosterExportLog
from tests.factories import CategoryFactory, EventFactory, GrievanceFactory, VenueFactory

pytestmark = pytest.mark.django_db


def test_member_downloads_everything_held_about_them(client, people, branch):
    member = people["member"].member
    event = EventFactory(branch=branch, title="健步走")
    event_services.registration_create(
        member=member, event=event, venue_id=VenueFactory(event=event).pk
    )
    case = GrievanceFactory(
        category=CategoryFactory(branch=branch),
        filer=people["member"],
        filer_member=member,
        assignee=people["officer"],
    )
    grievance_services.grievance_reply(actor=people["officer"], grievance=case, text="已收到")
    grievance_services.grievance_reply(
        actor=people["officer"], grievance=case, text="内部备注文字", internal=True
    )
    client.force_login(people["member"])
    response = client.get(reverse("members:my_data"))
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["membership"]["staff_number"] == member.staff_number
    assert data["event_registrations"][0]["event"] == "健步走"
    assert [step["text"] for step in data["cases"][0]["timeline"]] == ["已收到"]
    assert "内部备注文字" not in response.content.decode()
    assert "has_hardship" not in data["membership"]


def test_roster_exports_are_logged_with_who_when_and_filter(client, people, branch):
    client.force_login(people["officer"])
    client.get(reverse("members:export_csv"), {"status": "active", "q": "张"})
    client.get(reverse("members:export_xlsx"))
    first, second = RosterExportLog.objects.order_by("id")
    assert first.user == people["officer"] and first.file_format == "csv"
    assert first.filters == {"status": "active", "q": "张"}
    assert first.branch_ids == [branch.pk]
    assert second.file_format == "xlsx" and second.filters == {}
