import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from members import services
from members.models import Member, MemberStatusChange, RosterImport
from members.roster_io import RosterFileError
from tests.factories import CampusFactory, DepartmentFactory, MemberFactory

pytestmark = pytest.mark.django_db

HEADER = "工号,姓名,部门,校区,入会日期,职务,邮箱,手机,状态,会员代表,困难职工"
GOOD_ROWS = [
    "K0001,周文博,软件工程系,江湾校区,2018-09-01,讲师,zhouwb@example.cn,13800000001,在册,是,否",
    "K0002,吴晓东,软件工程系,临港校区,2012/03/15,教授,wuxd@example.cn,13800000002,退休,否,是",
]


@pytest.fixture
def setting(branch, people):
    DepartmentFactory(branch=branch, name="软件工程系")
    CampusFactory(name="江湾校区")
    CampusFactory(name="临港校区")
    return {"branch": branch, "officer": people["officer"]}


def csv_bytes(rows, encoding="utf-8"):
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    if encoding == "utf-8-bom":
        return "\ufeff".encode() + text.encode("utf-8")
    return text.encode(encoding)


def upload(setting, content, filename="roster.csv"):
    return services.roster_import_upload(
        actor=setting["officer"], branch=setting["branch"], filename=filename, content=content
    )


def apply(setting, content, filename="roster.csv"):
    roster_import = upload(setting, content, filename)
    return services.roster_import_apply(actor=setting["officer"], roster_import=roster_import)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-bom", "gb18030"])
def test_csv_in_each_encoding_imports_the_chinese_intact(setting, encoding):
    preview = apply(setting, csv_bytes(GOOD_ROWS, encoding))
    assert preview.counts["create"] == 2
    zhou = Member.objects.get(staff_number="K0001")
    assert zhou.name == "周文博" and zhou.department.name == "软件工程系"
    assert zhou.is_representative and not zhou.has_hardship
    wu = Member.objects.get(staff_number="K0002")
    assert wu.status == "retired" and wu.has_hardship and wu.home_campus.name == "临港校区"


def test_xlsx_with_real_dates_imports(setting):
    from datetime import datetime

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            "K0003",
            "孙丽",
            "软件工程系",
            "江湾校区",
            datetime(2016, 5, 4),
            "讲师",
            "sunli@example.cn",
            13800000003,
            "在册",
            "否",
            "否",
        ]
    )
    out = io.BytesIO()
    workbook.save(out)
    apply(setting, out.getvalue(), "roster.xlsx")
    member = Member.objects.get(staff_number="K0003")
    assert member.joined_on.isoformat() == "2016-05-04" and member.phone == "13800000003"


def test_a_file_with_one_bad_row_writes_nothing(setting):
    rows = GOOD_ROWS + [
        "K0004,郑好,不存在系,江湾校区,2999-01-01,讲师,bad-email,123,外星,也许,否",
    ]
    roster_import = upload(setting, csv_bytes(rows))
    preview = services.roster_import_preview(roster_import=roster_import)
    bad = preview.error_rows
    assert [row.line for row in bad] == [4]
    text = " ".join(bad[0].errors)
    for fragment in ("不存在系", "外星", "也许"):
        assert fragment in text
    assert len(bad[0].errors) >= 5  # department, status, flag, date, email, phone
    with pytest.raises(services.ImportRejected):
        services.roster_import_apply(actor=setting["officer"], roster_import=roster_import)
    assert not Member.objects.filter(staff_number__startswith="K").exists()


def test_duplicates_within_the_file_are_errors(setting):
    rows = GOOD_ROWS + [GOOD_ROWS[0].replace("zhouwb@", "other@")]
    preview = services.roster_import_preview(roster_import=upload(setting, csv_bytes(rows)))
    assert [row.line for row in preview.error_rows] == [4]


def test_reimporting_the_same_file_changes_nothing(setting):
    apply(setting, csv_bytes(GOOD_ROWS))
    before = list(Member.objects.order_by("pk").values())
    preview = apply(setting, csv_bytes(GOOD_ROWS))
    assert preview.counts == {"create": 0, "update": 0, "unchanged": 2, "error": 0}
    assert list(Member.objects.order_by("pk").values()) == before
    assert not MemberStatusChange.objects.exists()


def test_a_changed_row_updates_and_records_the_status_change(setting):
    apply(setting, csv_bytes(GOOD_ROWS))
    changed = [GOOD_ROWS[0].replace(",在册,", ",调离,"), GOOD_ROWS[1]]
    preview = apply(setting, csv_bytes(changed))
    assert preview.counts["update"] == 1 and preview.counts["unchanged"] == 1
    change = MemberStatusChange.objects.get()
    assert change.new_status == "transferred" and change.changed_by == setting["officer"]


def test_a_member_of_another_branch_is_not_moved(setting, other_branch):
    MemberFactory(branch=other_branch, staff_number="K0001")
    preview = services.roster_import_preview(roster_import=upload(setting, csv_bytes(GOOD_ROWS)))
    assert [row.line for row in preview.error_rows] == [2]


def test_duplicates_held_by_another_branch_are_reported_without_naming_it(
    setting, other_branch, branch
):
    """An officer learns only that a number or email is taken, as when adding a
    member by hand, never that another branch holds it."""
    MemberFactory(branch=other_branch, staff_number="K0001", email="x1@example.cn")
    MemberFactory(branch=other_branch, staff_number="X0009", email="wuxd@example.cn")
    MemberFactory(branch=branch, staff_number="X0010", email="own@example.cn")
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[1].replace("K0002", "K0003").replace(
        "wuxd@", "own@")]  # fmt: skip
    with translation.override("en"):
        preview = services.roster_import_preview(roster_import=upload(setting, csv_bytes(rows)))
        errors = {row.line: " ".join(map(str, row.errors)) for row in preview.error_rows}
    assert sorted(errors) == [2, 3, 4]
    assert "staff number is already in use; ask the university union office" in errors[2]
    assert "email is already in use; ask the university union office" in errors[3]
    assert errors[3] == errors[4]  # another branch's email reads like the own branch's
    assert not any("branch" in text for text in errors.values())


def test_an_email_typed_in_capitals_is_the_same_email(setting):
    apply(setting, csv_bytes(GOOD_ROWS))
    rows = [GOOD_ROWS[0].replace("zhouwb@example.cn", " ZhouWB@Example.CN "), GOOD_ROWS[1]]
    preview = apply(setting, csv_bytes(rows))
    assert preview.counts == {"create": 0, "update": 0, "unchanged": 2, "error": 0}
    assert Member.objects.get(staff_number="K0001").email == "zhouwb@example.cn"


def test_exported_file_imports_back_unchanged(setting, client):
    apply(setting, csv_bytes(GOOD_ROWS))
    client.force_login(setting["officer"])
    exported = client.get(reverse("members:export_xlsx")).content
    # the officer's own roster entry is in the export too
    preview = services.roster_import_preview(roster_import=upload(setting, exported, "export.xlsx"))
    assert preview.counts["error"] == 0
    assert preview.counts["create"] == 0 and preview.counts["update"] == 0


@pytest.mark.parametrize(
    "filename, content, message",
    [
        ("roster.csv", b"", "empty"),
        ("roster.csv", "姓名,部门\n张三,系\n".encode(), "工号"),
        ("roster.pdf", b"%PDF-1.4", ".csv"),
        ("roster.xlsx", b"not a zip", "XLSX"),
        ("roster.csv", b"\xff\xfe\x00\x00garbage\x81", "UTF-8"),
        ("roster.csv", (HEADER + "\n").encode(), "no members"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(setting, filename, content, message):
    from django.utils import translation

    with translation.override("en"), pytest.raises(RosterFileError) as error:
        upload(setting, content, filename)
    assert message in str(error.value)
    assert not RosterImport.objects.exists()


def test_import_pages_preview_then_confirm(client, setting):
    client.force_login(setting["officer"])
    file = SimpleUploadedFile("roster.csv", csv_bytes(GOOD_ROWS), content_type="text/csv")
    response = client.post(
        reverse("members:import"), {"file": file, "branch": setting["branch"].pk}
    )
    roster_import = RosterImport.objects.get()
    assert response["Location"] == reverse("members:import_preview", args=[roster_import.pk])
    assert not Member.objects.filter(staff_number__startswith="K").exists()

    preview = client.get(response["Location"]).content.decode()
    assert "K0001" in preview and 'data-testid="confirm-import"' in preview

    client.post(reverse("members:import_confirm", args=[roster_import.pk]))
    assert Member.objects.filter(staff_number__startswith="K").count() == 2
    # A second confirm of the same upload is refused, not applied twice.
    response = client.post(reverse("members:import_confirm", args=[roster_import.pk]))
    assert response.status_code == 302
    assert Member.objects.filter(staff_number__startswith="K").count() == 2


def test_import_page_refuses_a_bad_upload_in_chinese(client, setting):
    client.force_login(setting["officer"])
    file = SimpleUploadedFile("roster.txt", b"hello")
    response = client.post(
        reverse("members:import"), {"file": file, "branch": setting["branch"].pk}
    )
    assert response.status_code == 200
    assert "请上传 .csv 或 .xlsx 文件" in " ".join(response.context["form"].errors["file"])
    assert not RosterImport.objects.exists()
    # No file at all.
    response = client.post(reverse("members:import"), {"branch": setting["branch"].pk})
    assert response.status_code == 200 and "file" in response.context["form"].errors
