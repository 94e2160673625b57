"""Reading and writing the HR roster spreadsheet (CSV or XLSX).

Columns are recognised by their Chinese header as HR writes them, or by the
English one; export writes the Chinese headers so a file can go round trip.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook, SheetTypeEnum

from union_portal.core.downloads import csv_bytes, xlsx_bytes

from .models import Member

# field -> accepted headers (the first is written on export)
COLUMNS = {
    "staff_number": ["工号", "staff number", "staff_number"],
    "name": ["姓名", "name"],
    "department": ["部门", "department"],
    "home_campus": ["校区", "campus", "home campus"],
    "job_title": ["职务", "职称", "job title"],
    "sex": ["性别", "sex", "gender"],
    "date_of_birth": ["出生日期", "出生年月日", "date of birth", "birth date", "birthday"],
    "email": ["邮箱", "电子邮箱", "email"],
    "phone": ["手机", "手机号", "电话", "phone"],
    "joined_on": ["入会日期", "join date", "joined on"],
    "status": ["状态", "status"],
    "is_representative": ["会员代表", "representative"],
    "has_hardship": ["困难职工", "hardship"],
}
REQUIRED = ["staff_number", "name", "department", "home_campus", "joined_on"]
HEADER_TO_FIELD = {h.lower(): f for f, headers in COLUMNS.items() for h in headers}

STATUS_WORDS = {
    "在册": "active",
    "在职": "active",
    "退休": "retired",
    "调离": "transferred",
    "调出": "transferred",
    "失效": "lapsed",
    "会籍中止": "lapsed",
}
STATUS_VALUES = frozenset(Member.Status.values)
STATUS_EXPORT = {"active": "在册", "retired": "退休", "transferred": "调离", "lapsed": "会籍中止"}
SEX_WORDS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
SEX_EXPORT = {"M": "男", "F": "女", "": ""}
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "x"}
FALSE_WORDS = {"否", "n", "no", "false", "0", ""}


class RosterFileError(ValueError):
    """The file as a whole cannot be read; the message is for the officer."""


def _decode(content: bytes) -> str:
    # Excel in China saves "CSV" as GB18030 (GBK); everything else is UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(_("The file is neither UTF-8 nor GB18030 text."))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- dates as HR files hold them ----------------------------------------------

DATE_FORMATS_SHOWN = "2024-09-01、2024/9/1、2024.9.1、2024年9月1日"
_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
# Excel counts days from 1899-12-30 (its 1900 leap-year bug included); a date
# cell that lost its format, or a CSV written from one, holds that number.
EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL = re.compile(r"(\d{5})(?:\.0+)?")
# A time part that Excel or a database dump adds after the date ("2024-09-01 00:00:00").
_TIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def parse_roster_date(text: str) -> date | None:
    """A date as HR spreadsheets write it: 2024-09-01, 2024/9/1, 2024.9.1,
    2024年9月1日, 20240901, or an Excel serial day number (45536); None if
    it is none of these or not a real day."""
    text = _TIME_TAIL.sub("", (text or "").strip())
    for pattern in (_YMD, _COMPACT):
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    match = _SERIAL.fullmatch(text)
    if match:
        return EXCEL_EPOCH + timedelta(days=int(match.group(1)))
    return None


# --- names damaged by an ANSI (GBK) save --------------------------------------

# What Excel writes for a character its "CSV (comma delimited)" (ANSI, i.e. GBK in
# China) cannot hold, and what a decoder writes for bytes it cannot read.
DAMAGE_MARKS = ("?", "？", "\ufffd")


def looks_damaged(text: str) -> bool:
    return any(mark in (text or "") for mark in DAMAGE_MARKS)


def damaged_version_of(damaged: str, name: str) -> bool:
    """True if `name` is what `damaged` was before each character it could not hold
    became "?" (one per character, or two for one outside the BMP)."""
    pattern = "".join(
        f".{{1,{len(run)}}}" if run[0] in DAMAGE_MARKS else re.escape(run)
        for run in re.findall(r"[?？\ufffd]+|[^?？\ufffd]+", damaged)
    )
    return bool(re.fullmatch(pattern, name)) and not looks_damaged(name)


def _xlsx_rows(content: bytes) -> list[list]:
    """The cells of the first worksheet, from A1 (line numbers stay the sheet's):
    a date cell as a date, a number as a float, text as text, an empty cell as "".
    Read by calamine (Rust): openpyxl took 8 s of CPU for a 20 000-row roster."""
    if not content.startswith(b"PK"):  # an XLSX is a zip; calamine would read .xls too
        raise ValueError("not a zip")
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    first = next(
        index
        for index, sheet in enumerate(workbook.sheets_metadata)
        if sheet.typ == SheetTypeEnum.WorkSheet
    )
    return workbook.get_sheet_by_index(first).to_python(skip_empty_area=False)


def _read_rows(filename: str, content: bytes) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        try:
            rows = _xlsx_rows(content)
        except Exception as exc:  # a damaged file fails in many ways
            raise RosterFileError(_("The XLSX file could not be opened.")) from exc
        for row in rows:  # in place: a 20 000-row sheet is not held twice
            row[:] = map(_cell_text, row)
        return rows
    if filename.lower().endswith(".csv"):
        text = _decode(content)
        try:
            return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
        except csv.Error as exc:
            raise RosterFileError(_("The CSV file could not be read: %s") % exc) from exc
    raise RosterFileError(_("Upload a .csv or .xlsx file."))


@dataclass
class RosterSheet:
    """What the import keeps of a file: the cells of the columns the portal knows,
    and only the headers of the others (their cells are never kept)."""

    records: list
    fields: list = field(default_factory=list)
    ignored: list = field(default_factory=list)


def parse_roster_file(filename: str, content: bytes) -> list[dict]:
    """Rows as {field: text} keyed by model field, with `line` the spreadsheet line."""
    return read_roster_file(filename, content).records


def read_roster_file(filename: str, content: bytes) -> RosterSheet:
    rows = _read_rows(filename, content)
    if any("\x00" in cell for row in rows for cell in row):
        raise RosterFileError(_("The file contains control characters; save it again as text."))
    while rows and not any(rows[0]):
        rows.pop(0)
    if not rows:
        raise RosterFileError(_("The file is empty."))
    header = [HEADER_TO_FIELD.get(h.strip().lower()) for h in rows[0]]
    # A column named twice would let its second copy silently win.
    ignored = [h.strip() for h, f in zip(rows[0], header, strict=True) if h.strip() and not f]
    for index, name in enumerate(header):
        if name and name in header[:index]:
            ignored.append(rows[0][index].strip())
            header[index] = None
    missing = [COLUMNS[f][0] for f in REQUIRED if f not in header]
    if missing:
        raise RosterFileError(
            _("The header row lacks the columns: %(columns)s.") % {"columns": "、".join(missing)}
        )
    parsed = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        record = {"line": line}
        for name, value in zip(header, row, strict=False):
            if name:
                record[name] = value
        parsed.append(record)
    if not parsed:
        raise RosterFileError(_("The file has a header row but no members."))
    return RosterSheet(records=parsed, fields=[f for f in header if f], ignored=ignored)


def status_code(text: str) -> str | None:
    text = (text or "").strip()
    if not text:
        return Member.Status.ACTIVE
    if text.lower() in STATUS_VALUES:
        return text.lower()
    if text in STATUS_WORDS:
        return STATUS_WORDS[text]
    for value, label in Member.Status.choices:
        if text.lower() == str(label).lower():
            return value
    return None


def sex_code(text: str) -> str | None:
    """男/女/M/F (any case) as the stored code; "" for an empty cell; None if unknown."""
    text = (text or "").strip()
    if not text:
        return ""
    return SEX_WORDS.get(text.lower())


def yes_no(text: str) -> bool | None:
    text = (text or "").strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


EXPORT_FIELDS = list(COLUMNS)


def export_row(member: Member, with_hardship: bool) -> list:
    yes, no = "是", "否"
    values = {
        "staff_number": member.staff_number,
        "name": member.name,
        "department": member.department.name,
        "home_campus": member.home_campus.name,
        "job_title": member.job_title,
        "sex": SEX_EXPORT.get(member.sex, ""),
        "date_of_birth": member.date_of_birth.isoformat() if member.date_of_birth else "",
        "email": member.email,
        "phone": member.phone,
        "joined_on": member.joined_on.isoformat(),
        "status": STATUS_EXPORT[member.status],
        "is_representative": yes if member.is_representative else no,
        "has_hardship": yes if member.has_hardship else no,
    }
    return [values[f] for f in export_fields(with_hardship)]


def export_fields(with_hardship: bool) -> list[str]:
    return [f for f in EXPORT_FIELDS if with_hardship or f != "has_hardship"]


def roster_csv(members, with_hardship: bool) -> bytes:
    header = [COLUMNS[f][0] for f in export_fields(with_hardship)]
    return csv_bytes([header, *(export_row(m, with_hardship) for m in members)])


def roster_xlsx(members, with_hardship: bool) -> bytes:
    header = [COLUMNS[f][0] for f in export_fields(with_hardship)]
    return xlsx_bytes([header, *(export_row(m, with_hardship) for m in members)], "花名册")
