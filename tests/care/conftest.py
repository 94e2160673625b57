from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from care import services
from tests.factories import CampusFactory, MemberFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENED = date(2026, 3, 2)  # a Monday


def at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english_services():
    """Messages from the services read in English, whatever a test activated before."""
    with translation.override("en"):
        yield


@pytest.fixture
def needy(branch, department):
    return MemberFactory(branch=branch, department=department, name="困难甲")


def open_file(actor, member, officer=None, today=OPENED, **fields):
    values = {"reason": "illness", "level": "general", "officer": officer or actor,
              "review_on": date(today.year + 1, today.month, 1), **fields}  # fmt: skip
    return services.hardship_file_open(actor=actor, member=member, today=today, **values)


@pytest.fixture
def far_campus(db):
    return CampusFactory(name="临港校区")
