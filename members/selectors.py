"""Reads for the roster pages; each returns a query of fixed cost."""

from datetime import date
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q
from django.db.models.functions import ExtractDay
from django.utils.translation import gettext, ngettext

from .models import EMAIL_IN_USE, STAFF_NUMBER_IN_USE, Campus, Department, Member, RosterImport
from .roster_io import COLUMNS, DATE_FORMATS_SHOWN, STATUS_WORDS

# The version of figures cached from the roster (the participation report's
# members per campus and department): bumped by every service that writes
# members, and by the admin's edits of members, branches, departments, campuses.
ROSTER_VERSION = "roster"


def campus_choices():
    """(id, name) of every campus by name, for a menu: cached until the admin edits
    the roster's campuses (ROSTER_VERSION); a campus's name is no secret."""
    from union_portal.core.cache_versions import cached

    from .models import Campus

    def read():
        return list(Campus.objects.order_by("name").values_list("pk", "name"))

    return cached(ROSTER_VERSION, "campus-choices", read)


def roster_members(*, branch_ids, filters: dict):
    members = Member.objects.filter(branch_id__in=branch_ids).select_related(
        "branch", "department", "home_campus"
    )
    query = filters.get("q", "").strip()
    if query:
        # Matched in the index of branch, staff number and name (an index-only scan),
        # then the few rows found are read: not every row of the branches.
        # (A staff number typed whole is found by icontains as well.)
        found = Member.objects.filter(branch_id__in=branch_ids).filter(
            Q(name__icontains=query) | Q(staff_number__icontains=query)
        )
        members = members.filter(pk__in=found.values("pk"))
    if "branch" in filters:
        members = members.filter(branch=filters["branch"])
    if "department" in filters:
        members = members.filter(department=filters["department"])
    if "campus" in filters:
        members = members.filter(home_campus=filters["campus"])
    if "status" in filters:
        members = members.filter(status=filters["status"])
    if "representative" in filters:
        members = members.filter(is_representative=filters["representative"] == "yes")
    if "hardship" in filters:
        members = members.filter(has_hardship=filters["hardship"] == "yes")
    if "sex" in filters:
        members = members.filter(sex=filters["sex"])
    return members.order_by("staff_number")


# What a roster page's rows show (members/roster_list.html), as plain values: a
# page reads these columns only, not whole entries and their branch (the export
# reads everything), and renders no model field per row.
def roster_rows(members):
    """`members` (roster_members()) as the rows of a roster page: dicts of pk,
    staff_number, name, status, is_representative, has_hardship, department_name
    and campus_name; label_statuses() adds each row's status as shown."""
    return members.values(
        "pk", "staff_number", "name", "status", "is_representative", "has_hardship",
        department_name=F("department__name"), campus_name=F("home_campus__name"),
    )  # fmt: skip


def label_statuses(rows) -> list[SimpleNamespace]:
    """`rows` (roster_rows()) as objects, each with its `status_label` in the
    reader's language."""
    labels = {value: str(label) for value, label in Member.Status.choices}
    return [
        SimpleNamespace(**row, status_label=labels.get(row["status"], row["status"]))
        for row in rows
    ]


def member_status_history(member):
    return member.status_changes.select_related("changed_by").only(
        "member", "changed_at", "old_status", "new_status", "note",
        "changed_by__first_name", "changed_by__email",
    )  # fmt: skip


def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def birthdays_in_month(*, branch_ids, month: int):
    """Active members of the branches born in `month`, by day then name (one query)."""
    return (
        Member.objects.filter(
            branch_id__in=branch_ids,
            status=Member.Status.ACTIVE,
            date_of_birth__month=month,
        )
        .select_related("branch", "department", "home_campus")
        .annotate(birth_day=ExtractDay("date_of_birth"))
        .order_by("birth_day", "name", "staff_number")
    )


def retirement_ages() -> dict:
    """Statutory retirement age per sex (settings RETIREMENT_AGE_MEN / _WOMEN)."""
    return {
        Member.Sex.MALE: settings.RETIREMENT_AGE_MEN,
        Member.Sex.FEMALE: settings.RETIREMENT_AGE_WOMEN,
    }


def retiring_within_year(*, branch_ids, today: date):
    """Active members who reach the retirement age of their sex from today up to
    (not including) the same day next year, soonest first (one query). Members
    with no sex or date of birth on the roster cannot be foreseen and are left out."""
    reaches = Q(pk__in=[])
    for sex, age in retirement_ages().items():
        # Retires on the birthday of `age`: born in [today − age, today − age + 1 year).
        reaches |= Q(
            sex=sex,
            date_of_birth__gte=_years_before(today, age),
            date_of_birth__lt=_years_before(today, age - 1),
        )
    members = (
        Member.objects.filter(reaches, branch_id__in=branch_ids, status=Member.Status.ACTIVE)
        .select_related("branch", "department", "home_campus")
        .order_by("date_of_birth", "name", "staff_number")
    )
    ages = retirement_ages()
    rows = list(members)
    for member in rows:
        member.retires_on = _add_years(member.date_of_birth, ages[member.sex])
    rows.sort(key=lambda m: (m.retires_on, m.name))
    return rows


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, month=3, day=1)


# --- roster import ------------------------------------------------------------

RECENT_IMPORTS = 20
LINES_IN_MESSAGE = 10


def roster_imports_for(*, branch_ids):
    """The branches' recent imports, newest first (those running among them)."""
    return (
        RosterImport.objects.filter(branch_id__in=branch_ids)
        .select_related("branch", "uploaded_by")
        .defer("summary")
        .order_by("-created_at", "-id")[:RECENT_IMPORTS]
    )


def _lines(cause) -> str:
    shown = cause["lines"][:LINES_IN_MESSAGE]
    text = "、".join(str(line) for line in shown)
    if cause["count"] > len(shown):
        text += " …"
    return ngettext("row %(lines)s", "rows %(lines)s", cause["count"]) % {"lines": text}


def _values(cause) -> str:
    return "、".join(f"“{value}”" for value in cause.get("values", []))


def roster_import_causes(roster_import) -> list[dict]:
    """Each problem of an import once, in the reader's language: how many rows,
    which (the first ones), and what the import would have accepted."""
    causes = roster_import.summary.get("causes", [])
    if not causes:
        return []
    departments = list(
        Department.objects.filter(branch_id=roster_import.branch_id)
        .order_by("name")
        .values_list("name", flat=True)
    )
    campuses = list(Campus.objects.order_by("name").values_list("name", flat=True))
    described = []
    for cause in causes:
        kind, *params = cause["key"]
        count = cause["count"]
        values = {"count": count, "lines": _lines(cause), "values": _values(cause)}
        if kind == "department":
            message = ngettext(
                "%(count)d row names the department “%(value)s”, which this branch does "
                "not have (%(lines)s). Valid departments: %(valid)s.",
                "%(count)d rows name the department “%(value)s”, which this branch does "
                "not have (%(lines)s). Valid departments: %(valid)s.",
                count,
            ) % {**values, "value": params[0], "valid": "、".join(departments) or "—"}
        elif kind == "campus":
            message = ngettext(
                "%(count)d row names the campus “%(value)s”, which the portal does not "
                "have (%(lines)s). Valid campuses: %(valid)s.",
                "%(count)d rows name the campus “%(value)s”, which the portal does not "
                "have (%(lines)s). Valid campuses: %(valid)s.",
                count,
            ) % {**values, "value": params[0], "valid": "、".join(campuses) or "—"}
        elif kind == "status":
            message = ngettext(
                "%(count)d row has the status “%(value)s”, which the import does not "
                "know (%(lines)s). Valid statuses: %(valid)s.",
                "%(count)d rows have the status “%(value)s”, which the import does not "
                "know (%(lines)s). Valid statuses: %(valid)s.",
                count,
            ) % {**values, "value": params[0], "valid": "、".join(STATUS_WORDS)}
        elif kind == "sex":
            message = ngettext(
                "%(count)d row has the sex “%(value)s” (%(lines)s). Valid values: 男, 女 "
                "(or M, F), or an empty cell.",
                "%(count)d rows have the sex “%(value)s” (%(lines)s). Valid values: 男, 女 "
                "(or M, F), or an empty cell.",
                count,
            ) % {**values, "value": params[0]}
        elif kind == "flag":
            message = ngettext(
                "%(count)d row has “%(value)s” in the column %(column)s (%(lines)s). "
                "Valid values: 是, 否, or an empty cell.",
                "%(count)d rows have “%(value)s” in the column %(column)s (%(lines)s). "
                "Valid values: 是, 否, or an empty cell.",
                count,
            ) % {**values, "value": params[1], "column": COLUMNS[params[0]][0]}
        elif kind == "date_unreadable":
            message = ngettext(
                "%(count)d row has a %(column)s the import cannot read (%(lines)s: "
                "%(values)s). Write dates as %(formats)s, or use date cells in XLSX.",
                "%(count)d rows have a %(column)s the import cannot read (%(lines)s: "
                "%(values)s). Write dates as %(formats)s, or use date cells in XLSX.",
                count,
            ) % {**values, "column": COLUMNS[params[0]][0], "formats": DATE_FORMATS_SHOWN}
        elif kind == "date_early":
            year = 1949 if params[0] == "joined_on" else 1900
            message = ngettext(
                "%(count)d row has a %(column)s before %(year)d (%(lines)s: %(values)s); "
                "check the year.",
                "%(count)d rows have a %(column)s before %(year)d (%(lines)s: %(values)s); "
                "check the year.",
                count,
            ) % {**values, "column": COLUMNS[params[0]][0], "year": year}
        elif kind == "date_future":
            message = ngettext(
                "%(count)d row has a %(column)s after today (%(lines)s: %(values)s).",
                "%(count)d rows have a %(column)s after today (%(lines)s: %(values)s).",
                count,
            ) % {**values, "column": COLUMNS[params[0]][0]}
        elif kind == "damaged_name":
            message = (
                ngettext(
                    "%(count)d row has a name with “?” (%(lines)s: %(values)s). Excel writes "
                    "“?” for each character that a CSV saved as ANSI (GBK) cannot hold, such "
                    "as 𠮷 or 䶮; no name is changed from such a file. In Excel, save the "
                    "file as “CSV UTF-8” or as an Excel workbook (XLSX) and upload it again.",
                    "%(count)d rows have a name with “?” (%(lines)s: %(values)s). Excel writes "
                    "“?” for each character that a CSV saved as ANSI (GBK) cannot hold, such "
                    "as 𠮷 or 䶮; no name is changed from such a file. In Excel, save the "
                    "file as “CSV UTF-8” or as an Excel workbook (XLSX) and upload it again.",
                    count,
                )
                % values
            )
        else:  # in_use, duplicate, form: the row's own message says it
            what = {
                ("in_use", "staff_number"): str(STAFF_NUMBER_IN_USE),
                ("in_use", "email"): str(EMAIL_IN_USE),
                ("duplicate", "staff_number"): gettext("The same staff number is on two rows."),
                ("duplicate", "email"): gettext("The same email is on two rows."),
            }.get((kind, params[0]))
            if what is None:  # a field's own check: "label: message"
                try:
                    what = f"{Member._meta.get_field(params[0]).verbose_name}: {params[1]}"
                except FieldDoesNotExist:
                    what = params[1]
            message = ngettext(
                "%(what)s (%(count)d row: %(lines)s)",
                "%(what)s (%(count)d rows: %(lines)s)",
                count,
            ) % {**values, "what": what}
        described.append({"message": message, "lines": cause["lines"], "count": count})
    return described
