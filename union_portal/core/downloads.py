"""File downloads the pages offer (CSV, XLSX, iCalendar)."""

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ICS = "text/calendar; charset=utf-8"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value):
    # A cell a spreadsheet would run as a formula (CSV injection) is kept as text.
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(rows) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the file with the Chinese intact."""
    out = io.StringIO()
    csv.writer(out).writerows([_inert(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows, title=None) -> bytes:
    """One sheet; numbers stay numbers, everything else is written as text."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)

    def cell(value):
        if value is None or isinstance(value, int | float):
            return value
        value = str(value)
        if not value.startswith("="):
            return value
        # openpyxl stores a string starting with "=" as a formula: a member's answer
        # "=HYPERLINK(…)" would run in the reader's Excel. Typed as text, it stays text.
        typed = WriteOnlyCell(sheet, value=value)
        typed.data_type = "s"
        return typed

    for row in rows:
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
