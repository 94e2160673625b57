from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Member, MemberStatusChange
from tests.factories import CampusFactory, DepartmentFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campus(db):
    return CampusFactory(name="江湾校区")


def form_data(department, campus, **overrides):
    data = {
        "staff_number": "A1001",
        "name": "刘德明",
        "branch": department.branch_id,
        "department": department.pk,
        "home_campus": campus.pk,
        "job_title": "讲师",
        "email": "liudm@example.cn",
        "phone": "13912345678",
        "joined_on": "2019-03-01",
        "status": "active",
    }
    data.update(overrides)
    return data


def test_officer_adds_a_member(client, people, department, campus):
    client.force_login(people["officer"])
    response = client.post(reverse("members:create"), form_data(department, campus))
    member = Member.objects.get(staff_number="A1001")
    assert response.status_code == 302
    assert response["Location"] == reverse("members:detail", args=[member.pk])
    assert member.branch == department.branch and member.email == "liudm@example.cn"


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"phone": "12345"}, "phone", "11-digit"),
        ({"joined_on": "2999-01-01"}, "joined_on", "future"),
        ({"joined_on": "not a date"}, "joined_on", "valid date"),
        ({"staff_number": "工号!"}, "staff_number", "letters, digits"),
        ({"name": "   "}, "name", ""),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"home_campus": "999999"}, "home_campus", "valid choice"),
        ({"status": "deceased"}, "status", "valid choice"),
    ],
)
def test_bad_input_is_explained_and_writes_nothing(
    client, people, department, campus, overrides, field, message
):
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    response = client.post(reverse("members:create"), form_data(department, campus, **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not Member.objects.filter(staff_number="A1001").exists()


def test_bad_input_message_is_chinese_by_default(client, people, department, campus):
    client.force_login(people["officer"])
    response = client.post(
        reverse("members:create"), form_data(department, campus, joined_on="2999-01-01")
    )
    assert "日期不能晚于今天" in " ".join(response.context["form"].errors["joined_on"])


def test_staff_number_and_email_are_unique(client, people, department, campus, branch):
    MemberFactory(branch=branch, staff_number="A1001", email="other@example.cn")
    MemberFactory(branch=branch, staff_number="A2002", email="LiuDM@example.cn")
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    response = client.post(reverse("members:create"), form_data(department, campus))
    errors = response.context["form"].errors
    assert "already in use" in errors["staff_number"][0]
    assert "already in use" in " ".join(errors["__all__"] + errors.get("email", []))
    assert Member.objects.filter(staff_number="A1001").count() == 1


def test_a_duplicate_in_another_branch_reads_like_one_in_the_own_branch(
    client, people, department, campus, branch, other_branch
):
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    messages = []
    for holder in (branch, other_branch):
        Member.objects.filter(staff_number="A1001").delete()
        MemberFactory(branch=holder, staff_number="A1001", email="liudm@example.cn")
        response = client.post(reverse("members:create"), form_data(department, campus))
        errors = response.context["form"].errors
        messages.append((errors["staff_number"], errors["__all__"] + errors.get("email", [])))
    assert messages[0] == messages[1]
    assert "ask the university union office" in messages[0][0][0]
    assert "branch" not in str(messages[0])


def test_a_department_of_another_branch_is_refused(client, people, campus, other_branch):
    foreign = DepartmentFactory(branch=other_branch)
    client.force_login(people["officer"])
    data = form_data(foreign, campus, branch=people["officer"].member.branch_id)
    response = client.post(reverse("members:create"), data)
    assert response.status_code == 200
    assert not Member.objects.filter(staff_number="A1001").exists()


def test_officer_cannot_add_a_member_to_another_branch(client, people, campus, other_branch):
    department = DepartmentFactory(branch=other_branch)
    client.force_login(people["officer"])
    response = client.post(reverse("members:create"), form_data(department, campus))
    assert response.status_code == 200
    assert "branch" in response.context["form"].errors
    assert not Member.objects.filter(staff_number="A1001").exists()


def test_status_change_is_recorded_with_who_and_when(client, people, branch, department, campus):
    member = MemberFactory(branch=branch, department=department, home_campus=campus)
    client.force_login(people["chair"])
    data = form_data(
        department,
        campus,
        staff_number=member.staff_number,
        email=member.email,
        status="retired",
    )
    client.post(reverse("members:edit", args=[member.pk]), data)
    change = MemberStatusChange.objects.get(member=member)
    assert (change.old_status, change.new_status) == ("active", "retired")
    assert change.changed_by == people["chair"]
    assert timezone.now() - change.changed_at < timedelta(minutes=1)
    page = client.get(reverse("members:detail", args=[member.pk]))
    assert "退休" in page.content.decode()

    # Saving again without a status change records nothing more.
    client.post(reverse("members:edit", args=[member.pk]), data)
    assert MemberStatusChange.objects.filter(member=member).count() == 1


def test_hardship_flag_is_shown_to_officers_only(client, people, branch):
    member = MemberFactory(branch=branch, has_hardship=True, user=None)
    client.force_login(people["officer"])
    assert (
        b'data-testid="hardship"' in client.get(reverse("members:detail", args=[member.pk])).content
    )
    assert "困难职工" in client.get(reverse("members:export_csv")).content.decode("utf-8-sig")

    # The member's own page never shows it.
    member_user = people["member"]
    Member.objects.filter(user=member_user).update(has_hardship=True)
    client.force_login(member_user)
    page = client.get(reverse("members:me")).content.decode()
    assert "困难" not in page and "hardship" not in page.lower()


def test_roster_lists_only_the_officers_branch(client, people, branch, other_branch):
    MemberFactory(branch=branch, name="本院成员")
    MemberFactory(branch=other_branch, name="外院成员")
    client.force_login(people["officer"])
    page = client.get(reverse("members:roster")).content.decode()
    assert "本院成员" in page and "外院成员" not in page
    client.force_login(people["other_officer"])
    page = client.get(reverse("members:roster")).content.decode()
    assert "外院成员" in page and "本院成员" not in page


def test_roster_search_and_filters(client, people, branch, department):
    second_department = DepartmentFactory(branch=branch, name="学院办公室")
    MemberFactory(branch=branch, department=department, staff_number="S0001", name="王小明")
    MemberFactory(
        branch=branch,
        department=second_department,
        staff_number="S0002",
        name="赵大海",
        is_representative=True,
        status="retired",
    )
    client.force_login(people["officer"])

    def names(**params):
        response = client.get(reverse("members:roster"), params)
        assert response.status_code == 200
        return {m.name for m in response.context["page"].object_list}

    assert names(q="S0001") == {"王小明"}
    assert names(q="大海") == {"赵大海"}
    assert names(department=second_department.pk) == {"赵大海"}
    assert names(status="retired") == {"赵大海"}
    assert "赵大海" in names(representative="yes")
    assert "赵大海" not in names(representative="no")
    # A filter value a user can type but that makes no sense is reported, not a 500.
    response = client.get(reverse("members:roster"), {"department": "abc", "status": "zzz"})
    assert response.status_code == 200
    assert response.context["filter_form"].errors


def test_roster_search_finds_part_of_a_staff_number_in_the_officers_branch_only(
    client, people, branch, other_branch
):
    MemberFactory(branch=branch, staff_number="S0101", name="李雷", has_hardship=True)
    MemberFactory(branch=branch, staff_number="S0201", name="韩梅梅")
    MemberFactory(branch=other_branch, staff_number="S0102", name="李雷")
    client.force_login(people["officer"])
    response = client.get(reverse("members:roster"), {"q": "s010"})
    rows = response.context["page"].object_list
    assert [m.staff_number for m in rows] == ["S0101"]
    assert response.context["page"].paginator.count == 1
    body = response.content.decode()
    assert "S0102" not in body and "韩梅梅" not in body
    assert f'href="{reverse("members:detail", args=[rows[0].pk])}"' in body
    assert "困难" in body  # the hardship flag, for the branch's officer


def test_roster_pages_and_counts(client, people, branch, settings):
    settings.ROSTER_PAGE_SIZE = 10
    MemberFactory.create_batch(23, branch=branch)
    client.force_login(people["officer"])
    response = client.get(reverse("members:roster"), {"page": 3})
    total = Member.objects.filter(branch=branch).count()
    assert response.context["page"].paginator.count == total
    assert len(response.context["page"].object_list) == total - 20
    # Nonsense page numbers land on a real page.
    assert client.get(reverse("members:roster"), {"page": "999"}).status_code == 200
    assert client.get(reverse("members:roster"), {"page": "x"}).status_code == 200


@pytest.mark.parametrize("size", [10, 500])
def test_roster_list_query_count_is_fixed(
    client, people, branch, size, django_assert_max_num_queries
):
    MemberFactory.create_batch(size, branch=branch)
    client.force_login(people["officer"])
    # session, user, roles ×2, unread count, filter choices ×2, count, page
    with django_assert_max_num_queries(10):
        response = client.get(reverse("members:roster"), {"status": "active"})
    assert response.status_code == 200


def test_export_follows_the_filter(client, people, branch):
    MemberFactory(branch=branch, staff_number="E0001", status="active")
    MemberFactory(branch=branch, staff_number="E0002", status="lapsed")
    client.force_login(people["officer"])
    text = client.get(reverse("members:export_csv"), {"status": "lapsed"}).content.decode(
        "utf-8-sig"
    )
    assert "E0002" in text and "E0001" not in text
    response = client.get(reverse("members:export_xlsx"), {"status": "lapsed"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(response.content)).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == ["E0002"]


def test_member_sees_own_membership(client, people):
    client.force_login(people["member"])
    member = people["member"].member
    page = client.get(reverse("members:me")).content.decode()
    assert member.staff_number in page and member.name in page


def test_joined_today_is_accepted(client, people, department, campus):
    client.force_login(people["officer"])
    today = date.today().isoformat()
    client.post(reverse("members:create"), form_data(department, campus, joined_on=today))
    assert Member.objects.filter(staff_number="A1001").exists()
