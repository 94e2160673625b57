"""性别 and 出生日期 on the roster: entered, imported, exported, filtered, shown to
the branch's officers and chair only; the officers' birthday and retirement list."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from members import selectors, services
from members.forms import MemberForm
from members.models import Member
from tests.factories import CampusFactory, DepartmentFactory, MemberFactory

pytestmark = pytest.mark.django_db

HEADER = "工号,姓名,部门,校区,入会日期,性别,出生日期"


@pytest.fixture
def setting(branch, people):
    DepartmentFactory(branch=branch, name="软件工程系")
    CampusFactory(name="江湾校区")
    return {"branch": branch, "officer": people["officer"]}


def preview(setting, rows, header=HEADER):
    content = ("\r\n".join([header, *rows]) + "\r\n").encode()
    roster_import = services.roster_import_upload(
        actor=setting["officer"], branch=setting["branch"], filename="r.csv", content=content
    )
    return roster_import, services.roster_import_preview(roster_import=roster_import)


def test_import_maps_sex_words_and_both_date_forms(setting):
    rows = [
        "S0001,甲,软件工程系,江湾校区,2018-09-01,男,1970-03-08",
        "S0002,乙,软件工程系,江湾校区,2018-09-01,女,1975/3/8",
        "S0003,丙,软件工程系,江湾校区,2018-09-01,M,",
        "S0004,丁,软件工程系,江湾校区,2018-09-01,f,1980/12/31",
    ]
    roster_import, result = preview(setting, rows)
    assert not result.has_errors, [r.errors for r in result.rows]
    services.roster_import_apply(actor=setting["officer"], roster_import=roster_import)
    got = {m.staff_number: (m.sex, m.date_of_birth) for m in Member.objects.all()}
    assert got["S0001"] == ("M", date(1970, 3, 8))
    assert got["S0002"] == ("F", date(1975, 3, 8))
    assert got["S0003"] == ("M", None)
    assert got["S0004"] == ("F", date(1980, 12, 31))


def test_import_preview_names_each_bad_sex_and_date(setting):
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    rows = [
        "S0001,甲,软件工程系,江湾校区,2018-09-01,男性?,1970-03-08",
        "S0002,乙,软件工程系,江湾校区,2018-09-01,女,08.03.1975",
        "S0003,丙,软件工程系,江湾校区,2018-09-01,女,1975-02-30",
        f"S0004,丁,软件工程系,江湾校区,2018-09-01,男,{future}",
    ]
    with translation.override("zh-hans"):
        _import, result = preview(setting, rows)
        errors = {r.line: " ".join(r.errors) for r in result.rows}
    assert "男性?" in errors[2] and "男" in errors[2]
    # An unreadable date says which forms the import reads.
    assert "08.03.1975" in errors[3] and "2024/9/1" in errors[3] and "2024年9月1日" in errors[3]
    assert "1975-02-30" in errors[4] and "2024-09-01" in errors[4]
    assert "晚于今天" in errors[5]
    assert not Member.objects.filter(staff_number__startswith="S").exists()  # nothing written


def test_a_sheet_without_the_columns_keeps_what_officers_entered(setting, branch):
    member = MemberFactory(
        branch=branch,
        staff_number="S0001",
        name="甲",
        department=branch.departments.get(name="软件工程系"),
        sex="F",
        date_of_birth=date(1972, 5, 1),
        joined_on=date(2018, 9, 1),
    )
    _import, result = preview(
        setting, ["S0001,甲,软件工程系,江湾校区,2018-09-01"], header="工号,姓名,部门,校区,入会日期"
    )
    assert not result.has_errors
    assert not {"sex", "date_of_birth"} & set(result.rows[0].changed_fields)
    member.refresh_from_db()
    assert (member.sex, member.date_of_birth) == ("F", date(1972, 5, 1))


def test_export_carries_sex_and_birth_and_imports_back_unchanged(setting, client, branch):
    MemberFactory(
        branch=branch,
        staff_number="S0009",
        department=branch.departments.get(name="软件工程系"),
        sex="F",
        date_of_birth=date(1971, 3, 8),
        email="",
    )
    client.force_login(setting["officer"])
    text = client.get(reverse("members:export_csv")).content.decode("utf-8-sig")
    header, *lines = text.splitlines()
    assert "性别" in header and "出生日期" in header
    assert any("S0009" in line and ",女," in line and "1971-03-08" in line for line in lines)
    roster_import = services.roster_import_upload(
        actor=setting["officer"], branch=branch, filename="back.csv", content=text.encode()
    )
    result = services.roster_import_preview(roster_import=roster_import)
    assert not result.has_errors, [r.errors for r in result.rows]
    assert {r.action for r in result.rows} == {"unchanged"}


def test_form_refuses_a_birth_date_in_the_future(branch, department):
    campus = CampusFactory(name="江湾校区")
    data = {
        "staff_number": "S0100", "name": "甲", "branch": branch.pk,
        "department": department.pk, "home_campus": campus.pk, "joined_on": "2018-09-01",
        "status": "active", "sex": "F",
        "date_of_birth": (timezone.localdate() + timedelta(days=1)).isoformat(),
    }  # fmt: skip
    with translation.override("zh-hans"):
        form = MemberForm(data=data, branch_ids={branch.pk})
        assert not form.is_valid()
        assert form.errors["date_of_birth"] == ["日期不能晚于今天。"]


def test_sex_and_birth_shown_to_branch_officers_and_chair_only(client, people, branch):
    member = MemberFactory(branch=branch, sex="F", date_of_birth=date(1969, 11, 23))
    for role in ("officer", "chair"):
        client.force_login(people[role])
        page = client.get(reverse("members:detail", args=[member.pk])).content.decode()
        assert "1969-11-23" in page
    for role, status in (("member", 403), ("liaison", 403), ("other_officer", 404)):
        client.force_login(people[role])
        response = client.get(reverse("members:detail", args=[member.pk]))
        assert response.status_code == status
        assert "1969-11-23" not in response.content.decode()


def test_roster_filters_by_sex(client, people, branch):
    MemberFactory(branch=branch, staff_number="W0001", sex="F")
    MemberFactory(branch=branch, staff_number="W0002", sex="M")
    client.force_login(people["officer"])
    response = client.get(reverse("members:roster"), {"sex": "F"})
    numbers = [m.staff_number for m in response.context["page"].object_list]
    assert numbers == ["W0001"]


def test_members_own_download_has_their_own_sex_and_birth(client, people):
    member = people["member"].member
    member.sex, member.date_of_birth = "M", date(1980, 1, 2)
    member.save()
    client.force_login(people["member"])
    text = client.get(reverse("members:my_data")).content.decode()
    assert "1980-01-02" in text


# --- birthdays and retirements ----------------------------------------------


def test_birthday_list_shows_this_months_birthdays_of_the_branch(
    client, people, branch, other_branch
):
    today = timezone.localdate()
    mine = MemberFactory(
        branch=branch, name="寿星甲", date_of_birth=today.replace(year=1975, day=1)
    )
    MemberFactory(
        branch=other_branch, name="外院寿星", date_of_birth=today.replace(year=1975, day=1)
    )
    MemberFactory(
        branch=branch,
        name="已退休寿星",
        status="retired",
        date_of_birth=today.replace(year=1960, day=1),
    )
    client.force_login(people["officer"])
    response = client.get(reverse("members:birthdays"))
    assert response.status_code == 200
    assert [m.pk for m in response.context["birthdays"]] == [mine.pk]
    page = response.content.decode()
    assert "寿星甲" in page and "外院寿星" not in page and "已退休寿星" not in page


def test_birthday_list_month_picker_orders_by_day_and_shows_empty_month(client, people, branch):
    MemberFactory(branch=branch, name="三月八", date_of_birth=date(1970, 3, 8))
    MemberFactory(branch=branch, name="三月一", date_of_birth=date(1985, 3, 1))
    client.force_login(people["officer"])
    response = client.get(reverse("members:birthdays"), {"month": "3"})
    assert [m.name for m in response.context["birthdays"]] == ["三月一", "三月八"]
    with translation.override("en"):
        empty = client.get(reverse("members:birthdays"), {"month": "4"}, HTTP_ACCEPT_LANGUAGE="en")
    assert empty.context["birthdays"] == []
    assert b'data-testid="birthdays-empty"' in empty.content
    # Nonsense is reported and this month shown instead, never a 500.
    bad = client.get(reverse("members:birthdays"), {"month": "13"})
    assert bad.status_code == 200 and bad.context["month"] == timezone.localdate().month


def test_retiring_within_12_months_uses_the_age_of_each_sex(branch, settings):
    settings.RETIREMENT_AGE_MEN, settings.RETIREMENT_AGE_WOMEN = 60, 55
    today = date(2026, 11, 25)
    man_soon = MemberFactory(branch=branch, sex="M", date_of_birth=date(1966, 12, 1))
    man_today = MemberFactory(branch=branch, sex="M", date_of_birth=date(1966, 11, 25))
    MemberFactory(branch=branch, sex="M", date_of_birth=date(1967, 11, 25))  # in 12 months exactly
    MemberFactory(branch=branch, sex="M", date_of_birth=date(1972, 6, 1))  # 55: a man works on
    woman_soon = MemberFactory(branch=branch, sex="F", date_of_birth=date(1972, 6, 1))
    MemberFactory(branch=branch, sex="F", date_of_birth=date(1966, 6, 1))  # already past 55
    MemberFactory(branch=branch, sex="", date_of_birth=date(1966, 12, 1))  # sex unknown
    MemberFactory(branch=branch, sex="F", date_of_birth=date(1972, 6, 1), status="retired")
    rows = selectors.retiring_within_year(branch_ids={branch.pk}, today=today)
    assert [m.pk for m in rows] == [man_today.pk, man_soon.pk, woman_soon.pk]
    assert [m.retires_on for m in rows] == [date(2026, 11, 25), date(2026, 12, 1), date(2027, 6, 1)]


@pytest.mark.parametrize("size", [3, 60])
def test_birthday_page_query_count_is_fixed(
    client, people, branch, size, django_assert_max_num_queries
):
    today = timezone.localdate()
    for n in range(size):
        born = today.replace(year=today.year - 55 + (n % 2), day=1)
        MemberFactory(branch=branch, sex="F" if n % 2 else "M", date_of_birth=born)
    client.force_login(people["officer"])
    # session, user, roles ×2, unread count, birthdays, retiring
    with django_assert_max_num_queries(8):
        response = client.get(reverse("members:birthdays"))
    assert len(response.context["birthdays"]) == size
