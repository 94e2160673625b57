"""The fairness view's figures, exact on a small union, and withheld for groups
of fewer than 5 people."""

from datetime import date
from decimal import Decimal

import pytest

from care import services
from care.fairness import hardship_fairness
from tests.factories import MemberFactory

from .conftest import open_file

TODAY = date(2026, 6, 1)


def record(actor, file, kind, day, amount=None):
    services.support_record_add(actor=actor, file=file, kind=kind, date=day, amount=amount,
                                today=TODAY)  # fmt: skip


@pytest.fixture
def union(people, branch, department, far_campus):
    """The officer keeps 5 files on the main campus, the chair 5 on the far one;
    5 more members received money on files closed since."""
    officer, chair = people["officer"], people["chair"]

    def member(campus=None):
        extra = {"home_campus": campus} if campus else {}
        return MemberFactory(branch=branch, department=department, **extra)

    mine = [open_file(officer, member()) for _ in range(5)]
    record(officer, mine[0], "visit", date(2026, 5, 31))  # 1 day ago
    record(officer, mine[1], "visit", date(2026, 5, 22))  # 10 days
    record(officer, mine[2], "phone", date(2026, 3, 3))  # 90 days: still within
    record(officer, mine[3], "referral", date(2026, 5, 30))  # not a contact: 91 days
    record(officer, mine[0], "subsidy", date(2026, 4, 1), Decimal("1000"))
    record(officer, mine[1], "aid", date(2026, 4, 1), Decimal("200"))
    chairs = [open_file(chair, member(far_campus)) for _ in range(5)]
    for file in chairs:
        record(chair, file, "visit", date(2026, 5, 2))  # 30 days
        record(chair, file, "aid", date(2026, 5, 2), Decimal("100"))
    for _ in range(5):
        file = open_file(officer, member())
        record(officer, file, "aid", date(2026, 3, 5),
               Decimal("300"))  # fmt: skip
        services.hardship_file_close(actor=officer, file=file, reason="recovered", today=TODAY)
    return {"mine": mine, "chairs": chairs}


def figures(row):
    return {k: row[k] for k in ("n", "contacted", "share", "median_days", "worst_days")}


def test_contact_figures_are_exact(branch, people, union):
    data = hardship_fairness(branch_ids={branch.pk}, today=TODAY)
    assert figures(data["all"][0]) == {
        "n": 10, "contacted": 8, "share": 80, "median_days": 30, "worst_days": 91,
    }  # fmt: skip
    rows = {row["name"]: figures(row) for row in data["officer"]}
    officer, chair = people["officer"], people["chair"]
    assert rows[officer.get_full_name() or officer.email] == {
        "n": 5, "contacted": 3, "share": 60, "median_days": 90, "worst_days": 91,
    }  # fmt: skip
    assert rows[chair.get_full_name() or chair.email] == {
        "n": 5, "contacted": 5, "share": 100, "median_days": 30, "worst_days": 30,
    }  # fmt: skip
    campuses = {row["name"]: figures(row) for row in data["campus"]}
    assert campuses["临港校区"]["share"] == 100 and campuses["江湾校区"]["share"] == 60


def test_money_figures_are_exact(branch, union):
    data = hardship_fairness(branch_ids={branch.pk}, today=TODAY)
    hardship, others = data["money"]
    # 1 700 yuan over the 10 members in hardship (those given nothing count too).
    assert (hardship["n"], hardship["total"], hardship["per_member"]) == (
        10, Decimal("1700"), Decimal("170.00"))  # fmt: skip
    assert (others["n"], others["total"], others["per_member"]) == (
        5, Decimal("1500"), Decimal("300.00"))  # fmt: skip
    # 12 recipients: the top 10 % are 2 (1 000 + 300 of 3 200); the median is 250,
    # so 1 000 is over 3 × the median.
    assert data["concentration"] == {
        "recipients": 12, "top": 2, "top_share": 40.6, "outlier": True,
    }  # fmt: skip


def test_a_group_of_four_is_withheld_and_five_shown(
    branch, people, union, department, django_capture_on_commit_callbacks
):
    officer = people["officer"]
    with django_capture_on_commit_callbacks(execute=True):
        services.hardship_file_close(actor=officer, file=union["mine"][4], reason="left",
                                     today=TODAY)  # fmt: skip
    data = hardship_fairness(branch_ids={branch.pk}, today=TODAY)
    for row in data["officer"] + data["campus"]:
        # The officer's 4 are withheld; the chair's 5 too, or 9 − 5 would give them away.
        assert figures(row) == dict.fromkeys(figures(row), "<5")
    assert data["all"][0]["n"] == 9
    with django_capture_on_commit_callbacks(execute=True):
        open_file(officer, MemberFactory(branch=branch, department=department), today=TODAY)
    data = hardship_fairness(branch_ids={branch.pk}, today=TODAY)
    assert {row["n"] for row in data["officer"]} == {5}


def test_money_of_fewer_than_five_recipients_is_withheld(branch, people, department):
    officer = people["officer"]
    for amount in ("100", "100", "100", "1000"):
        file = open_file(officer, MemberFactory(branch=branch, department=department))
        record(officer, file, "aid", date(2026, 4, 1), Decimal(amount))
    data = hardship_fairness(branch_ids={branch.pk}, today=TODAY)
    assert data["concentration"]["withheld"]
    assert data["concentration"]["top_share"] is None
    assert data["concentration"]["outlier"] is False
    assert [row["per_member"] for row in data["money"]] == ["<5", "<5"]


def test_the_figures_follow_a_new_record_at_once(branch, people, union,
                                                 django_capture_on_commit_callbacks):  # fmt: skip
    before = hardship_fairness(branch_ids={branch.pk}, today=TODAY)["all"][0]["contacted"]
    with django_capture_on_commit_callbacks(execute=True):
        record(people["officer"], union["mine"][3], "visit", TODAY)
    after = hardship_fairness(branch_ids={branch.pk}, today=TODAY)["all"][0]["contacted"]
    assert (before, after) == (8, 9)
