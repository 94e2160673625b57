"""What a roster import costs: a fixed number of queries whatever the length of the
file, and most rows taken without a form per row, with the same outcome as the form's."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from members import services
from members.forms import import_member_form
from members.models import Member, MemberStatusChange
from tests.care.conftest import open_file
from tests.factories import CampusFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

HEADER = "工号,姓名,部门,校区,入会日期,职务,邮箱,手机,状态,困难职工"


@pytest.fixture
def setting(branch, people):
    DepartmentFactory(branch=branch, name="软件工程系")
    CampusFactory(name="江湾校区")
    return {"branch": branch, "officer": people["officer"]}


def roster(count, status="在册", title="讲师"):
    rows = [
        f"Q{n:05d},成员{n},软件工程系,江湾校区,2018/9/1,{title},q{n}@example.cn,"
        f"138{n:08d},{status},否"
        for n in range(count)
    ]
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


def queries_of(setting, content):
    """Queries of the upload with its check (the preview), then of the job."""
    with CaptureQueriesContext(connection) as check:
        job = services.roster_import_upload(
            actor=setting["officer"], branch=setting["branch"], filename="r.csv", content=content
        )
    services.roster_import_confirm(actor=setting["officer"], roster_import=job, queue=False)
    with CaptureQueriesContext(connection) as run:
        services.roster_import_run(roster_import_id=job.pk)
    job.refresh_from_db()
    return job, len(check), len(run)


def test_the_queries_of_an_import_do_not_grow_with_its_rows(setting):
    """40 rows and 400 rows (one write batch each) cost the same queries: new
    members, then every one of them changed (status history included)."""
    costs = {}
    for count in (40, 400):
        Member.objects.filter(staff_number__startswith="Q").delete()
        MemberStatusChange.objects.all().delete()
        created, *create_cost = queries_of(setting, roster(count))
        assert created.counts["create"] == count
        updated, *update_cost = queries_of(setting, roster(count, status="退休", title="教授"))
        assert updated.counts["update"] == count and updated.status == "done"
        assert MemberStatusChange.objects.filter(new_status="retired").count() == count
        assert (
            Member.objects.filter(staff_number__startswith="Q", job_title="教授").count() == count
        )
        costs[count] = (*create_cost, *update_cost)
    assert costs[40] == costs[400], costs
    assert max(costs[400]) <= 20, costs


def test_an_import_saying_no_hardship_keeps_the_flag_while_a_file_is_open(setting, people):
    content = roster(3)
    queries_of(setting, content)
    needy = Member.objects.get(staff_number="Q00001")
    open_file(people["officer"], needy, today=timezone.localdate() - timedelta(days=3))
    assert Member.objects.get(pk=needy.pk).has_hardship
    job, *_ = queries_of(setting, roster(3, title="教授"))  # 困难职工 否 on every row
    assert job.counts["update"] == 3
    assert Member.objects.get(pk=needy.pk).has_hardship
    assert Member.objects.get(pk=needy.pk).job_title == "教授"
    assert not Member.objects.get(staff_number="Q00002").has_hardship


def test_an_updated_row_is_stamped_like_a_saved_one(setting):
    queries_of(setting, roster(2))
    before = Member.objects.get(staff_number="Q00000").updated_at
    queries_of(setting, roster(2, title="教授"))
    assert Member.objects.get(staff_number="Q00000").updated_at > before


# --- the quick check says what the form says ---------------------------------

VALID = {
    "staff_number": "Q00001",
    "name": "周文博",
    "job_title": "讲师",
    "sex": "M",
    "date_of_birth": "1975-03-08",
    "email": "zhouwb@example.cn",
    "phone": "13800000001",
    "joined_on": "2018-09-01",
    "status": "active",
    "is_representative": "on",
}
TOMORROW = (date.today() + timedelta(days=2)).isoformat()
# One value changed at a time: each the form takes or refuses (or words) its own way.
VARIANTS = [
    {},
    {"staff_number": " q00001 "},
    {"staff_number": "Q"},
    {"staff_number": "Q" * 21},
    {"staff_number": "Q 0001"},
    {"staff_number": "Ｑ00001"},
    {"staff_number": ""},
    {"name": "  周文博  "},
    {"name": "   "},
    {"name": "周" * 51},
    {"name": "周" * 50},
    {"job_title": ""},
    {"job_title": None},
    {"job_title": "讲" * 51},
    {"sex": ""},
    {"sex": None},
    {"sex": "X"},
    {"date_of_birth": ""},
    {"date_of_birth": None},
    {"date_of_birth": "1975/3/8"},
    {"date_of_birth": "1975-02-30"},
    {"date_of_birth": " 1975-03-08"},
    {"date_of_birth": TOMORROW},
    {"email": ""},
    {"email": " ZhouWB@Example.CN "},
    {"email": "not-an-email"},
    {"email": "ſam@example.cn"},
    {"email": "a@" + "b" * 250 + ".cn"},
    {"phone": ""},
    {"phone": "138 0000 0001"},
    {"phone": "138 0000 0001 0000 0"},
    {"phone": "12345"},
    {"phone": "0571-88881234"},
    {"joined_on": ""},
    {"joined_on": None},
    {"joined_on": "2018-9-1"},
    {"joined_on": TOMORROW},
    {"joined_on": "0000-01-01"},
    {"status": ""},
    {"status": "retired"},
    {"status": "在册"},
    {"is_representative": None},
    {"is_representative": "false"},
    {"has_hardship": "on"},
    {"department": ""},
    {"department": "999999"},
    {"home_campus": None},
    {"home_campus": "x"},
]


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
def test_the_quick_check_takes_a_row_only_as_the_form_would(setting, existing):
    branch = setting["branch"]
    department = branch.departments.get(name="软件工程系")
    campus = CampusFactory(name="临港校区")
    form_class = import_member_form(
        {
            "branch": {branch.pk: branch},
            "department": {department.pk: department},
            "home_campus": {campus.pk: campus},
        }
    )
    fields = list(form_class.base_fields)
    base = {**VALID, "branch": branch.pk, "department": department.pk, "home_campus": campus.pk}
    taken = 0
    for variant in VARIANTS:
        data = {**base, **variant}
        data = {k: v for k, v in data.items() if v is not None}

        def member():
            if not existing:
                return None
            return Member(
                pk=1, branch=branch, department=department, home_campus=campus,
                staff_number="Q00001", name="周文博", sex="F", job_title="教授",
                date_of_birth=date(1975, 3, 8), joined_on=date(2018, 9, 1),
                email="zhouwb@example.cn", phone="13800000001", status="retired",
            )  # fmt: skip

        with translation.override("en"):
            quick = form_class.take_as_is(data, member())
            form = form_class(data=data, instance=member())
            valid = form.is_valid()
        if quick is None:
            continue  # the form judges the row, as before
        taken += 1
        assert valid, (variant, form.errors)
        entry, changed = quick
        assert {name: getattr(entry, name) for name in fields} == {
            name: getattr(form.instance, name) for name in fields
        }, variant
        if existing:
            assert changed == form.changed_data, variant
    assert taken >= 15  # the usual rows are taken without a form…
    assert form_class.take_as_is({**base}, None) is not None  # … a plain one first
