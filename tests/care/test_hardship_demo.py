import pytest

from care.demo import HARDSHIP_STORIES, load_demo_hardship
from care.models import HardshipFile, SupportRecord
from care.selectors import hardship_file_list
from members.models import Member
from tests.factories import MemberFactory, fund_notice

pytestmark = pytest.mark.django_db


def test_demo_has_files_with_records_some_overdue_and_runs_once(branch, department, people):
    for n in range(12):
        MemberFactory(branch=branch, department=department, name=f"同事{n}")
    fund_notice(branch, people["officer"], chair=people["chair"], status="published")
    args = {"branch": branch, "officers": [people["officer"]], "chair": people["chair"]}
    load_demo_hardship(**args)
    load_demo_hardship(**args)
    assert HardshipFile.objects.count() == len(HARDSHIP_STORIES)
    assert HardshipFile.objects.filter(closed_on__isnull=False).count() == 1
    assert SupportRecord.objects.filter(fund_line__isnull=False).count() == 1
    overdue = hardship_file_list(user=people["chair"], overdue=True)
    assert 2 <= overdue.count() < len(HARDSHIP_STORIES)
    assert Member.objects.filter(has_hardship=True).count() == len(HARDSHIP_STORIES) - 1
