"""Reads for the roster pages; each returns a query of fixed cost."""

from datetime import date

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import ExtractDay

from .models import Member


def roster_members(*, branch_ids, filters: dict):
    members = Member.objects.filter(branch_id__in=branch_ids).select_related(
        "branch", "department", "home_campus"
    )
    query = filters.get("q", "").strip()
    if query:
        members = members.filter(
            Q(name__icontains=query)
            | Q(staff_number__iexact=query)
            | Q(staff_number__icontains=query)
        )
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


def member_status_history(member):
    return member.status_changes.select_related("changed_by").all()


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
