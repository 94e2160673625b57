"""Fixtures the shuttle tests share: two campuses and a walk with a trip each way."""

from datetime import timedelta

import pytest

from events.models import ShuttleTrip
from tests.factories import CampusFactory, EventFactory, VenueFactory


@pytest.fixture
def campuses(db):
    return CampusFactory(name="江湾校区"), CampusFactory(name="临港校区")


@pytest.fixture
def walk(branch, campuses):
    """An event at 江湾 in a week, with a small trip out from 临港 and a trip back."""
    near, far = campuses
    event = EventFactory(branch=branch, title="健步走")
    venue = VenueFactory(event=event, campus=near, capacity=10, place="田径场")
    out = ShuttleTrip.objects.create(
        event=event, direction="out", departure_campus=far, departure_place="行政楼前",
        departs_at=event.starts_at - timedelta(hours=1), seats=2,
    )  # fmt: skip
    back = ShuttleTrip.objects.create(
        event=event, direction="back", departure_campus=near, departure_place="南门",
        departs_at=event.ends_at + timedelta(minutes=30), seats=2,
    )  # fmt: skip
    return event, venue, out, back
