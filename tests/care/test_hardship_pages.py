"""The hardship pages as each role uses them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from care import services
from care.models import HardshipFile, SupportRecord
from members.models import Member
from tests.factories import MemberFactory

from .conftest import open_file


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def file(people, needy, today):
    return open_file(people["officer"], needy, today=today - timedelta(days=100))


def test_an_officer_opens_a_file_by_staff_number(client, people, needy, today):
    client.force_login(people["officer"])
    response = client.post(reverse("care:hardship_open"), {
        "staff_number": needy.staff_number, "reason": "disaster", "level": "special",
        "officer": people["officer"].pk, "review_on": (today + timedelta(days=300)).isoformat(),
    })  # fmt: skip
    file = HardshipFile.objects.get(member=needy)
    assert response.status_code == 302
    assert response["Location"] == reverse("care:hardship_detail", args=[file.pk])
    assert Member.objects.get(pk=needy.pk).has_hardship


def test_another_branchs_member_cannot_be_filed(client, people, other_branch):
    stranger = MemberFactory(branch=other_branch)
    client.force_login(people["officer"])
    response = client.post(reverse("care:hardship_open"), {
        "staff_number": stranger.staff_number, "reason": "disaster", "level": "special",
        "officer": people["officer"].pk, "review_on": "2099-01-01",
    })  # fmt: skip
    assert response.status_code == 200
    assert "本分工会没有此工号的会员。" in response.content.decode()
    assert not HardshipFile.objects.exists()


def test_a_visit_takes_the_member_off_the_overdue_list(client, people, file, today):
    client.force_login(people["officer"])
    overdue = reverse("care:hardship_list") + "?overdue=on"
    assert file.member.name in client.get(overdue).content.decode()
    response = client.post(reverse("care:hardship_record", args=[file.pk]), {
        "kind": "visit", "date": today.isoformat(), "given_by": people["officer"].pk,
        "note": "上门看望",
    })  # fmt: skip
    assert response.status_code == 302
    assert file.member.name not in client.get(overdue).content.decode()


def test_a_bad_amount_is_refused_with_a_message_and_changes_nothing(client, people, file, today):
    client.force_login(people["officer"])
    for amount in ("", "-3", "1.234", "abc", "9" * 5000):
        response = client.post(reverse("care:hardship_record", args=[file.pk]), {
            "kind": "subsidy", "date": today.isoformat(), "given_by": people["officer"].pk,
            "amount": amount,
        })  # fmt: skip
        assert response.status_code == 400, amount
    assert not SupportRecord.objects.exists()
    # The message stands under the field, which says it is wrong (to a screen reader too).
    page = response.content.decode()
    assert 'aria-invalid="true"' in page and "is-invalid" in page
    assert 'aria-describedby="id_amount_helptext id_amount_error"' in page
    assert '<div id="id_amount_error" class="invalid-feedback"><p id="error_1_id_amount">' in page


def test_closing_asks_for_confirmation(client, people, file):
    client.force_login(people["chair"])
    url = reverse("care:hardship_close", args=[file.pk])
    response = client.post(url, {"reason": "recovered"})
    assert response.status_code == 200
    assert HardshipFile.objects.get(pk=file.pk).is_open
    response = client.post(url, {"reason": "recovered", "confirm": "on"})
    assert response.status_code == 302
    assert not HardshipFile.objects.get(pk=file.pk).is_open
    assert not Member.objects.get(pk=file.member_id).has_hardship


def test_amounts_and_notes_are_shown_to_the_branch_officers(client, people, file, today):
    services.support_record_add(actor=people["officer"], file=file, kind="aid", date=today,
                                amount=Decimal("1234.56"), note="住院QNOTEQ")  # fmt: skip
    client.force_login(people["chair"])
    page = client.get(reverse("care:hardship_detail", args=[file.pk])).content.decode()
    assert "1234.56" in page and "住院QNOTEQ" in page


def test_the_liaison_reads_figures_without_names(client, people, branch, department, today,
                                                 django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        members = [MemberFactory(branch=branch, department=department) for _ in range(5)]
        for member in members:
            open_file(people["officer"], member, today=today - timedelta(days=10))
    client.force_login(people["liaison"])
    page = client.get(reverse("care:hardship_fairness")).content.decode()
    assert not [m.name for m in members if m.name in page]
    assert 'data-testid="fairness-all"' in page and ">5<" in page


# Session, user, roles (2), unread count, then the page's own: the list's count, page
# of rows, officers and campuses; the file, its records, the fund notices offered
# (cold cache: which, then their titles) and the officers (once for both forms).
MOST_QUERIES = {"care:hardship_list": 9, "care:hardship_fairness": 7, "care:hardship_detail": 9}
MOST_QUERIES_CACHED = {
    "care:hardship_list": 6,
    "care:hardship_fairness": 4,
    "care:hardship_detail": 6,
}


@pytest.mark.parametrize(
    "url_name", ["care:hardship_list", "care:hardship_fairness", "care:hardship_detail"]
)
def test_pages_cost_the_same_queries_at_two_sizes(client, people, branch, department, today,
                                                  url_name,
                                                  django_assert_max_num_queries):  # fmt: skip
    counts = []
    files = []
    for size in (2, 12):
        while len(files) < size:
            member = MemberFactory(branch=branch, department=department)
            made = open_file(people["officer"], member, today=today - timedelta(days=70))
            services.support_record_add(actor=people["officer"], file=made, kind="aid",
                                        date=today, amount=Decimal("100"))  # fmt: skip
            services.support_record_add(actor=people["officer"], file=files[0] if files else made,
                                        kind="visit", date=today)  # fmt: skip
            files.append(made)
        client.force_login(people["chair"])
        kwargs = {"pk": files[0].pk} if url_name == "care:hardship_detail" else {}
        from django.core.cache import cache

        cache.clear()
        with (
            django_assert_max_num_queries(MOST_QUERIES[url_name]),
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.get(reverse(url_name, kwargs=kwargs))
        assert response.status_code == 200
        counts.append(len(queries))
        # Again, with the officers' and campuses' menus cached.
        with django_assert_max_num_queries(MOST_QUERIES_CACHED[url_name]):
            assert client.get(reverse(url_name, kwargs=kwargs)).status_code == 200
    assert counts[0] == counts[1], counts


def test_the_date_pickers_are_filled_in_iso_whatever_the_language(client, people, file, today):
    client.force_login(people["officer"])
    page = client.get(reverse("care:hardship_detail", args=[file.pk])).content.decode()
    assert f'type="date" name="date" value="{today.isoformat()}"' in page
    assert f'name="review_on" value="{file.review_on.isoformat()}"' in page


def test_the_record_form_offers_this_and_last_years_support_lines_only(client, people, branch,
                                                                        file, today):  # fmt: skip
    from datetime import date

    from notices.models import FundLine
    from tests.factories import category_id, fund_notice

    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                         amounts=("800.00", "600.00", "400.00"))  # fmt: skip
    support = category_id("困难职工帮扶", parent="维权支出")
    recent, other, old = notice.current.fund_lines.order_by("id")
    FundLine.objects.filter(pk=recent.pk).update(category_id=support, date=today)
    FundLine.objects.filter(pk=other.pk).update(category_id=category_id("其他支出"), date=today)
    FundLine.objects.filter(pk=old.pk).update(category_id=support,
                                              date=date(today.year - 2, 6, 1))  # fmt: skip
    client.force_login(people["officer"])
    response = client.get(reverse("care:hardship_detail", args=[file.pk]))
    page = response.content.decode()
    assert offered(page, "fund_notice") == [str(notice.pk)]
    day = f"{timezone.localtime(notice.published_at):%Y-%m-%d}"
    option = f'<option value="{notice.pk}">工会经费使用公示 · {day}</option>'
    assert option in page
    assert offered(page, "fund_line") == []  # until the notice is chosen
    picked = client.post(reverse("care:hardship_record", args=[file.pk]),
                         {"fund_notice": notice.pk, "show_lines": "1"})  # fmt: skip
    form = picked.context["record_form"]
    assert [line.pk for line in form.fields["fund_line"].queryset] == [recent.pk]


def test_a_notice_published_after_the_file_was_read_is_offered_at_once(client, people, branch,
                                                                       file, today):  # fmt: skip
    from notices import services as notice_services
    from notices.models import FundLine
    from tests.factories import category_id, fund_notice

    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="approved",
                         title="慰问金公示QNEWQ")  # fmt: skip
    FundLine.objects.filter(version__notice=notice).update(
        category_id=category_id("困难职工帮扶", parent="维权支出"), date=today
    )
    client.force_login(people["officer"])
    url = reverse("care:hardship_detail", args=[file.pk])
    assert "QNEWQ" not in client.get(url).content.decode()  # not published yet
    notice_services.notice_publish(actor=people["officer"], notice=notice)
    page = client.get(url).content.decode()
    assert f'<option value="{notice.pk}">慰问金公示QNEWQ · ' in page
    response = client.post(reverse("care:hardship_record", args=[file.pk]),
                           {"fund_notice": notice.pk, "show_lines": "1"})  # fmt: skip
    assert f'<option value="{notice.pk}" selected>' in response.content.decode()


def test_a_record_shows_the_fund_line_it_was_paid_from(client, people, file, today,
                                                       two_support_notices):  # fmt: skip
    first, _second = two_support_notices
    line = first.current.fund_lines.get(amount=Decimal("300.00"))
    services.support_record_add(actor=people["officer"], file=file, kind="aid", date=today,
                                amount=Decimal("300.00"), fund_line=line)  # fmt: skip
    client.force_login(people["officer"])
    page = client.get(reverse("care:hardship_detail", args=[file.pk])).content.decode()
    link = reverse("notices:detail", args=[first.pk])
    assert f'<a href="{link}">{first.current.title}</a> · {line.payee} · ¥300.00' in page


@pytest.fixture
def two_support_notices(people, branch, today):
    from notices.models import FundLine
    from tests.factories import category_id, fund_notice

    support = category_id("困难职工帮扶", parent="维权支出")
    notices = []
    for amounts in (("800.00", "300.00"), ("500.00",)):
        notice = fund_notice(branch, people["officer"], chair=people["chair"],
                             status="published", amounts=amounts)  # fmt: skip
        FundLine.objects.filter(version__notice=notice).update(category_id=support, date=today)
        notices.append(notice)
    return notices


def test_picking_a_notice_offers_its_lines_and_keeps_typing(client, people, file, today,
                                                            two_support_notices):  # fmt: skip
    first, _second = two_support_notices
    client.force_login(people["officer"])
    response = client.post(reverse("care:hardship_record", args=[file.pk]), {
        "kind": "aid", "date": today.isoformat(), "given_by": people["officer"].pk,
        "amount": "250.00", "note": "医疗补助", "fund_notice": first.pk, "show_lines": "1",
    })  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert not SupportRecord.objects.exists()  # picking the notice saves nothing
    assert 'value="250.00"' in page and "医疗补助" in page
    assert "¥800.00" in page and "¥300.00" in page and "¥500.00" not in page
    assert "errorlist" not in page and "invalid-feedback" not in page


def test_a_line_of_the_picked_notice_is_linked(client, people, file, today, two_support_notices):
    first, _second = two_support_notices
    line = first.current.fund_lines.get(amount=Decimal("300.00"))
    client.force_login(people["officer"])
    response = client.post(reverse("care:hardship_record", args=[file.pk]), {
        "kind": "aid", "date": today.isoformat(), "given_by": people["officer"].pk,
        "amount": "250.00", "fund_notice": first.pk, "fund_line": line.pk,
    })  # fmt: skip
    assert response.status_code == 302
    assert SupportRecord.objects.get().fund_line == line


def test_a_line_posted_under_another_notice_is_refused(client, people, file, today,
                                                      two_support_notices):  # fmt: skip
    first, second = two_support_notices
    line = first.current.fund_lines.get(amount=Decimal("300.00"))
    client.force_login(people["officer"])
    for notice in (second.pk, ""):
        response = client.post(reverse("care:hardship_record", args=[file.pk]), {
            "kind": "aid", "date": today.isoformat(), "given_by": people["officer"].pk,
            "amount": "250.00", "fund_notice": notice, "fund_line": line.pk,
        })  # fmt: skip
        assert response.status_code == 400
        assert "请从列表中选择，所选的不是可选项。" in response.content.decode()
    assert not SupportRecord.objects.exists()


@pytest.mark.parametrize("notice", ["abc", "-1", "9" * 40, "\x00"])
def test_a_forged_notice_choice_is_a_message_not_an_error(client, people, file, notice):
    client.force_login(people["officer"])
    response = client.post(reverse("care:hardship_record", args=[file.pk]),
                           {"fund_notice": notice, "show_lines": "1"})  # fmt: skip
    assert response.status_code == 200
    response = client.post(reverse("care:hardship_record", args=[file.pk]),
                           {"kind": "visit", "fund_notice": notice})  # fmt: skip
    assert response.status_code == 400
    assert not SupportRecord.objects.exists()


def test_the_list_shows_25_files_a_page_and_the_rest_on_the_next(
    client, people, branch, department, today
):
    from care.views import HARDSHIP_PAGE_SIZE

    for _ in range(HARDSHIP_PAGE_SIZE + 3):
        open_file(people["officer"], MemberFactory(branch=branch, department=department),
                  today=today - timedelta(days=10))  # fmt: skip
    client.force_login(people["officer"])
    first = client.get(reverse("care:hardship_list")).content.decode()
    second = client.get(reverse("care:hardship_list"), {"page": 2}).content.decode()
    assert HARDSHIP_PAGE_SIZE == 25
    assert first.count('data-testid="file-row"') == 25 and "page=2" in first
    assert second.count('data-testid="file-row"') == 3


def test_the_officer_menus_follow_roles_and_names(client, people, file, branch):
    """The branch's officers are cached as menu options: a new officer, a new name
    and a role taken away show at once on the file's forms and the list's filter."""
    from members.models import BranchRole
    from tests.factories import user_with_role

    client.force_login(people["officer"])
    detail, listing = reverse("care:hardship_detail", args=[file.pk]), reverse("care:hardship_list")
    client.get(detail), client.get(listing)  # the menus are cached now
    newcomer = user_with_role("officer", branch)
    newcomer.first_name, newcomer.last_name = "新来QNEWQ", ""
    newcomer.save(update_fields=["first_name", "last_name"])
    option = f'<option value="{newcomer.pk}">新来QNEWQ</option>'
    assert client.get(detail).content.decode().count(option) == 2  # both forms
    assert "新来QNEWQ" in client.get(listing).content.decode()
    chair = people["chair"]
    chair.first_name, chair.last_name = "改名QRENQ", ""
    chair.save()
    assert f'<option value="{chair.pk}">改名QRENQ</option>' in client.get(detail).content.decode()
    BranchRole.objects.filter(user=newcomer).delete()
    assert "新来QNEWQ" not in client.get(detail).content.decode()
    assert "新来QNEWQ" not in client.get(listing).content.decode()


def offered(page, name):
    """The values of the options of the page's <select name=...>, but the blank one."""
    import re

    menu = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert menu, name
    return [v for v in re.findall(r'<option value="([^"]*)"', menu.group(0)) if v]
