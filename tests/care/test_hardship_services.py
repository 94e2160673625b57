"""Hardship files and support records: the rules of care.services."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from care import services
from care.models import HardshipFile, SupportRecord
from members.models import Member
from notices import services as notice_services
from notices.models import FundLine, NoticeVersion
from tests.factories import MemberFactory, fund_notice, user_with_role

from .conftest import OPENED, open_file

HardshipRuleError = services.HardshipRuleError


def flag(member):
    return Member.objects.get(pk=member.pk).has_hardship


def test_the_hardship_flag_follows_the_open_file(people, needy):
    officer = people["officer"]
    assert not flag(needy)
    file = open_file(officer, needy)
    assert flag(needy)
    services.hardship_file_close(actor=officer, file=file, reason="recovered", today=OPENED)
    assert not flag(needy)
    file.refresh_from_db()
    assert (file.closed_on, file.close_reason, file.closed_by) == (OPENED, "recovered", officer)
    # A new file later sets it again.
    open_file(officer, needy, today=OPENED + timedelta(days=30))
    assert flag(needy)


def test_one_open_file_per_member(people, needy):
    open_file(people["officer"], needy)
    with pytest.raises(HardshipRuleError, match="already has an open hardship file"):
        open_file(people["chair"], needy)
    assert HardshipFile.objects.filter(member=needy).count() == 1


def test_closing_twice_closes_once(people, needy):
    file = open_file(people["officer"], needy)
    services.hardship_file_close(actor=people["officer"], file=file, reason="left")
    with pytest.raises(HardshipRuleError, match="closed already"):
        services.hardship_file_close(actor=people["chair"], file=file, reason="other")
    file.refresh_from_db()
    assert file.close_reason == "left"


def test_only_the_branch_officers_open_files(people, needy):
    for role in ("member", "liaison", "other_officer"):
        with pytest.raises(HardshipRuleError, match="officers and chair"):
            open_file(people[role], needy, officer=people["officer"])
    assert not HardshipFile.objects.exists() and not flag(needy)


def test_the_responsible_officer_holds_office_in_the_branch(people, needy):
    with pytest.raises(HardshipRuleError, match="responsible officer"):
        open_file(people["officer"], needy, officer=people["other_officer"])
    with pytest.raises(HardshipRuleError, match="responsible officer"):
        open_file(people["officer"], needy, officer=people["member"])


def test_the_responsible_officer_is_told_once(people, needy):
    file = open_file(people["chair"], needy, officer=people["officer"])
    services.hardship_file_update(
        actor=people["chair"], file=file, reason="illness", level="special",
        officer=people["officer"], review_on=file.review_on, today=OPENED,
    )  # fmt: skip
    told = people["officer"].notifications.filter(key__startswith="hardship-responsible:")
    assert told.count() == 1
    assert needy.name in told.get().subject


def test_a_file_is_opened_for_an_active_member_only(people, branch, department):
    retired = MemberFactory(branch=branch, department=department, status="retired")
    with pytest.raises(HardshipRuleError, match="active member"):
        open_file(people["officer"], retired)


def _record(actor, file, **fields):
    values = {"kind": "visit", "date": OPENED, **fields}
    return services.support_record_add(actor=actor, file=file, today=OPENED + timedelta(days=5),
                                       **values)  # fmt: skip


def test_a_visit_restarts_the_contact_clock(people, needy):
    file = open_file(people["officer"], needy)
    _record(people["officer"], file, date=OPENED + timedelta(days=3))
    _record(people["officer"], file, kind="phone", date=OPENED + timedelta(days=1))
    _record(people["officer"], file, kind="referral", date=OPENED + timedelta(days=4))
    file.refresh_from_db()
    # The latest contact counts; a referral is support, not contact.
    assert file.last_contact_on == OPENED + timedelta(days=3)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"kind": "subsidy"}, "Enter the amount"),
        ({"kind": "aid", "amount": Decimal("0")}, "more than 0"),
        ({"kind": "aid", "amount": Decimal("-5")}, "more than 0"),
        ({"kind": "aid", "amount": Decimal("1.234")}, "in fen"),
        ({"kind": "aid", "amount": Decimal("100000000")}, "at most"),
        ({"kind": "aid", "amount": "NaN"}, "Enter the amount"),
        ({"kind": "visit", "amount": Decimal("10")}, "Only a subsidy or aid"),
        ({"kind": "visit", "date": OPENED + timedelta(days=6)}, "future"),
        ({"kind": "visit", "date": OPENED - timedelta(days=1)}, "before the file was opened"),
        ({"kind": "gift"}, "what kind"),
    ],
)
def test_amounts_and_dates_are_validated(people, needy, fields, message):
    file = open_file(people["officer"], needy)
    with pytest.raises(HardshipRuleError, match=message):
        _record(people["officer"], file, **fields)
    assert not SupportRecord.objects.exists()


def test_money_is_kept_in_fen(people, needy):
    file = open_file(people["officer"], needy)
    record = _record(people["officer"], file, kind="subsidy", amount=Decimal("1234.5"))
    record.refresh_from_db()
    assert record.amount == Decimal("1234.50")


def test_no_record_on_a_closed_file(people, needy):
    file = open_file(people["officer"], needy)
    services.hardship_file_close(actor=people["officer"], file=file, reason="left")
    with pytest.raises(HardshipRuleError, match="closed"):
        _record(people["officer"], file)


def _line(notice):
    notice.refresh_from_db()
    return FundLine.objects.filter(version=notice.current).first()


def test_money_links_only_to_a_published_line_of_the_branch(people, needy, branch,
                                                           other_branch):  # fmt: skip
    officer, chair = people["officer"], people["chair"]
    file = open_file(officer, needy)
    published = fund_notice(branch, officer, chair=chair, status="published",
                            amounts=("1000.00",))  # fmt: skip
    draft = fund_notice(branch, officer, amounts=("1000.00",))
    other_chair = user_with_role("chair", other_branch)
    other = fund_notice(other_branch, people["other_officer"], chair=other_chair,
                        status="published", amounts=("1000.00",))  # fmt: skip
    for notice in (draft, other):
        with pytest.raises(HardshipRuleError, match="published fund notice of this branch"):
            _record(officer, file, kind="aid", amount=Decimal("500"),
                    fund_line=FundLine.objects.filter(version__notice=notice).first())  # fmt: skip
    # A visit is not money.
    with pytest.raises(HardshipRuleError, match="Only money"):
        _record(officer, file, kind="visit", fund_line=_line(published))
    record = _record(officer, file, kind="aid", amount=Decimal("600"), fund_line=_line(published))
    assert record.fund_line == _line(published)
    # Never more in total than the line.
    with pytest.raises(HardshipRuleError, match="600.00 yuan is linked"):
        _record(officer, file, kind="aid", amount=Decimal("400.01"), fund_line=_line(published))
    _record(officer, file, kind="aid", amount=Decimal("400"), fund_line=_line(published))


def test_a_corrected_notice_offers_its_current_lines_only(people, needy, branch):
    officer, chair = people["officer"], people["chair"]
    file = open_file(officer, needy)
    notice = fund_notice(branch, officer, chair=chair, status="published", amounts=("1000.00",))
    old_line = _line(notice)
    notice_services.notice_correct(
        actor=officer, notice=notice, reason="更正", version=NoticeVersion(title="更正"),
        lines=[FundLine(date=date(2026, 3, 1), note="x", payee="y", amount=Decimal("900"),
                        category_id=old_line.category_id)],
    )  # fmt: skip
    notice_services.correction_approve(actor=chair, notice=notice)
    with pytest.raises(HardshipRuleError, match="published fund notice"):
        _record(officer, file, kind="aid", amount=Decimal("1"), fund_line=old_line)
    assert _record(officer, file, kind="aid", amount=Decimal("1"), fund_line=_line(notice))


def test_no_permission_names_hardship_on_the_admins_user_page(db):
    from django.contrib.auth.models import Permission

    # The admin's user page lists every permission beside the account's name.
    assert not Permission.objects.filter(name__icontains="hardship").exists()
