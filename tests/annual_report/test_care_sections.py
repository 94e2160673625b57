"""The report's welfare and hardship sections: what was handed out per campus, and
how far support reached members in hardship — figures only, withheld under 5."""

from datetime import date
from decimal import Decimal

import pytest

from annual_report import selectors
from annual_report.permissions import INSIDE, PUBLIC
from care.models import (
    Handout,
    HandoutChoice,
    HandoutOption,
    HardshipFile,
    Pickup,
    PickupPoint,
    SupportRecord,
)
from tests.annual_report.conftest import last_year, moment
from tests.annual_report.test_report import figures, rows
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def handed_out(branch, officer, campuses, collected):
    """A handout of last year with `collected` = {campus: members who collected}."""
    handout = Handout.objects.create(
        branch=branch, title="中秋慰问品", deadline=moment(9, 10), status=Handout.Status.CLOSED,
        created_by=officer,
    )  # fmt: skip
    gift = HandoutOption.objects.create(handout=handout, name="月饼礼盒", unit_price="120.50")
    for campus in campuses:
        point = PickupPoint.objects.create(handout=handout, campus=campus, place="工会办公室",
                                           hours="9:00-17:00")  # fmt: skip
        for _ in range(collected.get(campus, 0)):
            member = MemberFactory(branch=branch, home_campus=campus)
            choice = HandoutChoice.objects.create(handout=handout, member=member, option=gift,
                                                  point=point, chosen_at=moment(9, 1))  # fmt: skip
            Pickup.objects.create(handout=handout, member=member, choice=choice, point=point,
                                  officer=officer, method="code", at=moment(9, 12))  # fmt: skip
    return handout


def welfare(branch):
    sections = selectors.report(branch_ids=[branch.pk], year=last_year(), audience=INSIDE)
    return figures(sections)[0], rows(sections, "welfare")


def test_welfare_counts_pickups_and_value_per_campus(people, branch, campuses):
    jiangwan, lingang = campuses
    handed_out(branch, people["officer"], campuses, {jiangwan: 6, lingang: 5})
    values, per_campus = welfare(branch)
    assert values["welfare", "handouts"] == 1
    assert values["welfare", "collected"] == 11
    assert per_campus == {"江湾校区": [6, Decimal("723.00")], "临港校区": [5, Decimal("602.50")]}


def test_a_campus_where_fewer_than_five_collected_is_withheld(people, branch, campuses):
    jiangwan, lingang = campuses
    handed_out(branch, people["officer"], campuses, {jiangwan: 6, lingang: 4})
    values, per_campus = welfare(branch)
    # The other campus goes too: the total would give the small one away.
    assert per_campus == {"江湾校区": ["<5", "<5"], "临港校区": ["<5", "<5"]}
    assert values["welfare", "collected"] == 10


def hardship(branch, officer, people_in_hardship, *, money="500.00"):
    for _ in range(people_in_hardship):
        file = HardshipFile.objects.create(
            member=MemberFactory(branch=branch, name="困难职工甲"), branch=branch,
            reason="illness", level="general", officer=officer, opened_by=officer,
            review_on=date(last_year() + 1, 3, 1), opened_on=date(last_year(), 2, 1),
        )  # fmt: skip
        SupportRecord.objects.create(file=file, kind="visit", date=date(last_year(), 3, 1),
                                     given_by=officer, recorded_by=officer)  # fmt: skip
        SupportRecord.objects.create(file=file, kind="aid", date=date(last_year(), 4, 1),
                                     given_by=officer, recorded_by=officer,
                                     amount=Decimal(money))  # fmt: skip


@pytest.mark.parametrize("audience", [INSIDE, PUBLIC])
def test_hardship_reach_is_counted_without_a_name(people, branch, audience):
    hardship(branch, people["officer"], 5)
    sections = selectors.report(branch_ids=[branch.pk], year=last_year(), audience=audience)
    values = figures(sections)[0]
    assert (values["hardship", "files"], values["hardship", "supported"]) == (5, 5)
    assert values["hardship", "contacts"] == 5
    assert values["hardship", "money"] == Decimal("2500.00")
    assert "困难职工甲" not in repr(sections)


def test_hardship_reach_under_five_is_withheld_with_its_money(people, branch):
    hardship(branch, people["officer"], 4)
    values = figures(selectors.report(branch_ids=[branch.pk], year=last_year(),
                                      audience=INSIDE))[0]  # fmt: skip
    assert (values["hardship", "files"], values["hardship", "supported"]) == ("<5", "<5")
    assert values["hardship", "money"] == "<5"


def test_a_pickup_changes_the_cached_report(
    people, branch, campuses, django_capture_on_commit_callbacks
):
    jiangwan, lingang = campuses
    handout = handed_out(branch, people["officer"], campuses, {jiangwan: 5, lingang: 5})
    assert welfare(branch)[0]["welfare", "collected"] == 10
    point = handout.points.get(campus=jiangwan)
    member = MemberFactory(branch=branch, home_campus=jiangwan)
    gift = handout.options.get()
    with django_capture_on_commit_callbacks(execute=True):
        choice = HandoutChoice.objects.create(handout=handout, member=member, option=gift,
                                              point=point, chosen_at=moment(9, 1))  # fmt: skip
        Pickup.objects.create(
            handout=handout, member=member, choice=choice, point=point,
            officer=people["officer"], method="list", at=moment(9, 13),
        )  # fmt: skip
    assert welfare(branch)[0]["welfare", "collected"] == 11


def test_the_care_figures_link_to_lists_showing_the_same_count(client, people, branch, campuses):
    jiangwan, lingang = campuses
    handed_out(branch, people["officer"], campuses, {jiangwan: 5, lingang: 5})
    Handout.objects.create(branch=branch, title="去年草稿", deadline=moment(10, 1),
                           created_by=people["officer"])  # fmt: skip
    Handout.objects.create(branch=branch, title="前年的发放", status=Handout.Status.CLOSED,
                           deadline=moment(10, 1, year=last_year() - 1),
                           created_by=people["officer"])  # fmt: skip
    hardship(branch, people["officer"], 6)
    HardshipFile.objects.create(
        member=MemberFactory(branch=branch), branch=branch, reason="other", level="general",
        officer=people["officer"], opened_by=people["officer"], review_on=date(last_year(), 3, 1),
        opened_on=date(last_year() - 2, 2, 1), closed_on=date(last_year() - 1, 6, 1),
        close_reason="recovered",
    )  # fmt: skip
    # Closed during last year: open part of it, so counted.
    HardshipFile.objects.create(
        member=MemberFactory(branch=branch), branch=branch, reason="other", level="general",
        officer=people["officer"], opened_by=people["officer"], review_on=date(last_year(), 9, 1),
        opened_on=date(last_year() - 1, 2, 1), closed_on=date(last_year(), 8, 1),
        close_reason="recovered",
    )  # fmt: skip
    values, urls = figures(selectors.report(branch_ids=[branch.pk], year=last_year(),
                                            audience=INSIDE))  # fmt: skip
    client.force_login(people["officer"])
    handouts = client.get(urls["welfare", "handouts"]).context["handouts"]
    assert len(handouts) == values["welfare", "handouts"] == 1
    files = client.get(urls["hardship", "files"]).context["page"].paginator.count
    assert files == values["hardship", "files"] == 7
