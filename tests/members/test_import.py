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
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.QUEUED  # a worker writes it
    # A second confirm (double click, second tab) is refused: one job per file.
    response = client.post(reverse("members:import_confirm", args=[roster_import.pk]))
    assert response.status_code == 302
    with translation.override("en"):
        with pytest.raises(services.ImportRejected, match="already"):
            services.roster_import_confirm(actor=setting["officer"], roster_import=roster_import)
    services.roster_import_run(roster_import_id=roster_import.pk)
    assert Member.objects.filter(staff_number__startswith="K").count() == 2
    # The task delivered again finds the job finished and writes nothing.
    assert services.roster_import_run(roster_import_id=roster_import.pk) is None
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


# --- issue 15: an import that explains itself ----------------------------------

SHORT = "工号,姓名,部门,校区,入会日期"


def short_csv(rows, header=SHORT, encoding="utf-8"):
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def check(setting, content, filename="roster.csv"):
    roster_import = upload(setting, content, filename)
    return roster_import, services.roster_import_preview(roster_import=roster_import)


def causes(roster_import):
    from members.selectors import roster_import_causes

    roster_import.refresh_from_db()
    return [cause["message"] for cause in roster_import_causes(roster_import)]


@pytest.mark.parametrize(
    "written", ["2024-09-01", "2024/9/1", "2024.9.1", "2024年9月1日", "20240901", "45536"]
)
@pytest.mark.parametrize("column", ["入会日期", "出生日期"])
def test_each_date_form_hr_files_hold_is_read(setting, written, column):
    """The forms HR sheets hold, and an Excel serial day number (45536 is what a
    date cell that lost its format shows, also once saved as CSV)."""
    from datetime import date

    header = SHORT + ",出生日期"
    joined, born = (written, "1975-03-08") if column == "入会日期" else ("2018-09-01", written)
    apply(setting, short_csv([f"D0001,周文博,软件工程系,江湾校区,{joined},{born}"], header=header))
    member = Member.objects.get(staff_number="D0001")
    got = member.date_of_birth if column == "出生日期" else member.joined_on
    assert got == date(2024, 9, 1)


def test_a_date_before_1949_or_after_today_is_refused_with_a_reason(setting):
    from datetime import timedelta

    from django.utils import timezone

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    rows = [
        "D0001,甲,软件工程系,江湾校区,1948/12/31",
        f"D0002,乙,软件工程系,江湾校区,{tomorrow}",
        "D0003,丙,软件工程系,江湾校区,2024-13-01",
        "D0004,丁,软件工程系,江湾校区,1949-01-01",
    ]
    with translation.override("en"):
        roster_import, preview = check(setting, short_csv(rows))
        errors = {row.line: " ".join(row.errors) for row in preview.error_rows}
        said = causes(roster_import)
    assert sorted(errors) == [2, 3, 4]
    assert "before 1949" in errors[2] and "after today" in errors[3]
    assert "2024-13-01" in errors[4] and "2024年9月1日" in errors[4]
    assert any("before 1949" in text and "row 2" in text for text in said)
    assert any("cannot read" in text and "2024/9/1" in text for text in said)
    with pytest.raises(services.ImportRejected):
        services.roster_import_apply(actor=setting["officer"], roster_import=roster_import)
    assert not Member.objects.filter(staff_number__startswith="D").exists()


def test_xlsx_date_cells_and_serial_numbers_import(setting):
    from datetime import date, datetime

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(SHORT.split(",") + ["出生日期"])
    sheet.append(
        ["X0001", "孙丽", "软件工程系", "江湾校区", datetime(2016, 5, 4), date(1980, 1, 2)]
    )
    # A number cell without a date format: Excel's serial day number.
    sheet.append(["X0002", "钱多", "软件工程系", "江湾校区", 45536, 29221])
    out = io.BytesIO()
    workbook.save(out)
    apply(setting, out.getvalue(), "roster.xlsx")
    got = {m.staff_number: (m.joined_on, m.date_of_birth) for m in Member.objects.all()}
    assert got["X0001"] == (date(2016, 5, 4), date(1980, 1, 2))
    assert got["X0002"] == (date(2024, 9, 1), date(1980, 1, 1))


def test_a_gbk_csv_with_only_gbk_characters_imports_intact(setting):
    """Excel's "CSV (comma delimited)" in China is GBK (cp936): read as GB18030."""
    rows = [
        "G0001,欧阳喆,软件工程系,江湾校区,2018-09-01",
        "G0002,王堃,软件工程系,临港校区,2019/3/1",
    ]
    apply(setting, short_csv(rows, encoding="cp936"))
    assert set(Member.objects.values_list("name", flat=True)) >= {"欧阳喆", "王堃"}


def test_a_name_damaged_by_an_ansi_save_is_refused_and_the_roster_name_kept(setting, branch):
    """𠮷 (U+20BB7) is not in GBK: Excel's ANSI save writes "?" for it."""
    name = "张𠮷"
    with pytest.raises(UnicodeEncodeError):
        name.encode("cp936")
    MemberFactory(
        branch=branch,
        staff_number="G0009",
        name=name,
        department=branch.departments.get(name="软件工程系"),
    )
    content = "\r\n".join(
        [
            SHORT + ",职务",
            "G0009,张𠮷,软件工程系,江湾校区,2018-09-01,教授",
            "G0010,䶮明,软件工程系,江湾校区,2018-09-01,讲师",
        ]
    ).encode("cp936", errors="replace")
    assert "张?".encode("cp936") in content  # what Excel writes
    with translation.override("zh-hans"):
        roster_import, preview = check(setting, content)
        errors = {row.line: " ".join(row.errors) for row in preview.error_rows}
        said = causes(roster_import)
    assert sorted(errors) == [2, 3]
    assert "张𠮷" in errors[2] and "保持不变" in errors[2]
    assert len(said) == 1 and "CSV UTF-8" in said[0] and "XLSX" in said[0] and "2 行" in said[0]
    with pytest.raises(services.ImportRejected):
        services.roster_import_apply(actor=setting["officer"], roster_import=roster_import)
    member = Member.objects.get(staff_number="G0009")
    assert member.name == "张𠮷" and member.job_title != "教授"
    assert not Member.objects.filter(staff_number="G0010").exists()


@pytest.mark.parametrize("mark", ["?", "？", "\ufffd"])
def test_any_replacement_mark_in_a_name_is_refused(setting, mark):
    _import, preview = check(
        setting, short_csv([f"G0011,李{mark}明,软件工程系,江湾校区,2018-09-01"])
    )
    assert [row.line for row in preview.error_rows] == [2]


def test_an_unknown_department_is_reported_once_with_the_valid_ones(setting):
    rows = ["U0001,甲,软件工程系,江湾校区,2018-09-01"] + [
        f"U{n:04d},乙{n},软件系,江湾校区,2018-09-01" for n in range(2, 14)
    ]
    with translation.override("zh-hans"):
        roster_import, preview = check(setting, short_csv(rows))
        said = causes(roster_import)
    assert len(preview.error_rows) == 12  # every row still shows its own error
    assert len(said) == 1
    (message,) = said
    assert message.count("软件系") == 1 and "12 行" in message
    assert "第 3、4、5、6、7、8、9、10、11、12 …" in message  # the first ten lines
    valid = message.split("可用的部门：")[1]
    assert "软件工程系" in valid and "软件系" not in valid
    roster_import.refresh_from_db()
    assert roster_import.error_count == 12


def test_unknown_campus_and_status_say_the_valid_values(setting):
    rows = [
        "U0001,甲,软件工程系,南校区,2018-09-01,外星",
        "U0002,乙,软件工程系,南校区,2018-09-01,在册",
    ]
    with translation.override("en"):
        roster_import, _preview = check(setting, short_csv(rows, header=SHORT + ",状态"))
        said = causes(roster_import)
    assert len(said) == 2
    assert "2 rows name the campus “南校区”" in said[0] and "rows 2、3" in said[0]
    assert "Valid campuses: 临港校区、江湾校区." in said[0]
    assert "“外星”" in said[1] and "在册" in said[1] and "退休" in said[1]


def test_columns_the_portal_does_not_keep_are_reported_and_never_stored(setting, client):
    from django.core.cache import cache

    header = SHORT + ",性别,民族,政治面貌,身份证号,备注"
    id_number = "11010519491231002X"
    rows = [f"I0001,周文博,软件工程系,江湾校区,2018-09-01,男,汉族,中共党员,{id_number},新调入"]
    roster_import, preview = check(setting, short_csv(rows, header=header))
    assert not preview.has_errors
    roster_import.refresh_from_db()
    assert roster_import.summary["ignored"] == ["民族", "政治面貌", "身份证号", "备注"]
    assert "sex" in roster_import.summary["fields"]  # 性别 is kept
    kept = roster_import.file.read()
    for secret in (id_number, "汉族", "中共党员", "新调入"):
        assert secret.encode() not in kept
        assert secret not in str(list(RosterImport.objects.values()))
    redis = cache._cache.get_client()
    assert not any(id_number.encode() in (redis.get(key) or b"") for key in redis.keys("*"))
    client.force_login(setting["officer"])
    with translation.override("zh-hans"):
        page = client.get(reverse("members:import_preview", args=[roster_import.pk]))
    text = page.content.decode()
    assert "以下各列系统不保存，已忽略：民族、政治面貌、身份证号、备注。" in text
    assert id_number not in text
    services.roster_import_apply(actor=setting["officer"], roster_import=roster_import)
    assert Member.objects.get(staff_number="I0001").sex == "M"


def test_a_long_file_is_previewed_by_cause_with_the_first_rows_of_each(setting):
    rows = [f"L{n:05d},成员{n},软件工程系,江湾校区,2018-09-01" for n in range(600)]
    rows[10] = rows[10].replace("软件工程系", "软件系")
    rows += [f"M{n:05d},成员{n},软件系,江湾校区,2018-09-01" for n in range(30)]
    roster_import = upload(setting, short_csv(rows))
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.CHECKED
    assert roster_import.counts == {"create": 599, "update": 0, "unchanged": 0, "error": 31}
    shown = roster_import.summary["rows"]
    assert not roster_import.summary["every_row"]
    assert len(shown) == services.ROWS_PER_CAUSE and all(row["errors"] for row in shown)
    (cause,) = roster_import.summary["causes"]
    assert cause["count"] == 31 and len(cause["lines"]) == services.ROWS_PER_CAUSE


def test_the_export_offers_xlsx_first_and_says_why(client, setting):
    client.force_login(setting["officer"])
    with translation.override("zh-hans"):
        text = client.get(reverse("members:roster")).content.decode()
    assert text.index('data-testid="export-xlsx"') < text.index('data-testid="export-csv"')
    assert "𠮷" in text and "XLSX" in text
