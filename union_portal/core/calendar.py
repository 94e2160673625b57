"""Working days under the official Chinese calendar.

A day is a working day when it is a make-up working day (调休), or a Monday to
Friday that is not a holiday. Special days live in CalendarDay; a year without
a CalendarYear row has no schedule yet, so only weekends are days off.
"""

from datetime import date, datetime, timedelta

from .models import CalendarDay, CalendarYear


def _special_days(start: date, end: date) -> dict[date, str]:
    return dict(CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "kind"))


def _is_working(day: date, special: dict[date, str]) -> bool:
    kind = special.get(day)
    if kind == CalendarDay.Kind.WORKDAY:
        return True
    if kind == CalendarDay.Kind.HOLIDAY:
        return False
    return day.weekday() < 5


def is_working_day(day: date) -> bool:
    return _is_working(day, _special_days(day, day))


def add_working_days(start: date, n: int) -> date:
    """The date n working days after `start` (before it for negative n).

    `start` itself is not counted, so add_working_days(friday, 1) is the next
    working day; n == 0 gives `start` unchanged.
    """
    if n == 0:
        return start
    step = 1 if n > 0 else -1
    # Long holidays are at most 8 days, so 2n + 30 calendar days always suffice.
    horizon = timedelta(days=abs(n) * 2 + 30)
    window = (start, start + horizon) if step > 0 else (start - horizon, start)
    special = _special_days(*window)
    day, remaining = start, abs(n)
    while remaining:
        day += timedelta(days=step)
        if _is_working(day, special):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative if end < start).

    It is the inverse of add_working_days: working_days_between(d, add_working_days(d, n)) == n.
    """
    if end == start:
        return 0
    if end < start:
        return -working_days_between(end, start)
    special = _special_days(start, end)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if _is_working(day, special):
            count += 1
    return count


def scheduled_years() -> frozenset[int]:
    """The years whose holiday schedule has been entered (a few rows)."""
    return frozenset(CalendarYear.objects.values_list("year", flat=True))


def years_without_schedule(years, scheduled=None) -> list[int]:
    """Of the given years, those for which no holiday schedule has been entered
    (`scheduled`: the scheduled years, when the caller has read them already)."""
    return sorted(set(years) - (scheduled_years() if scheduled is None else scheduled))


def is_estimated(day, years=None) -> bool:
    """Whether a working-day deadline on `day` (a date or an aware datetime) is
    an estimate: its year has no holiday schedule yet, so Monday to Friday were
    counted and the date may move when the schedule is entered. `years`, the
    scheduled years, can be passed to mark a whole list with one look-up."""
    if day is None:
        return False
    if isinstance(day, datetime):
        from django.utils import timezone

        day = timezone.localdate(day)
    return day.year not in (scheduled_years() if years is None else years)


def seed_from_chinese_calendar(*, day_model=CalendarDay, year_model=CalendarYear) -> list[int]:
    """Copies the schedule the `chinese-calendar` package knows into the table.

    Years already in the table are left alone, so an administrator's edits
    survive; returns the years added. The models are parameters so that the
    data migration can pass its historical ones.
    """
    from chinese_calendar import constants

    chinese = {holiday.value: holiday.chinese for holiday in constants.Holiday}
    package_years = {d.year for d in constants.holidays} | {d.year for d in constants.workdays}
    added = sorted(package_years - set(year_model.objects.values_list("year", flat=True)))
    rows = [
        # Weekends inside a holiday change nothing for the Monday-to-Friday rule.
        day_model(date=day, kind="holiday", name=chinese.get(name, name))
        for day, name in constants.holidays.items()
        if day.year in added and day.weekday() < 5
    ] + [
        day_model(date=day, kind="workday", name=chinese.get(name, name))
        for day, name in constants.workdays.items()
        if day.year in added
    ]
    day_model.objects.bulk_create(rows, ignore_conflicts=True)
    year_model.objects.bulk_create([year_model(year=y, source="chinese-calendar") for y in added])
    return added


class WorkingClock:
    """Working hours on the calendar: the working days (as `is_working_day`) from
    settings.WORKING_HOURS' start to its end, local time. Built for a span of dates
    with one query; then `hours_between(a, b)` costs no query, so a report can
    measure thousands of waits (e.g. filed on Friday 17:00, answered on Monday
    10:00: 2 working hours, not 65)."""

    def __init__(self, first: date, last: date):
        from django.conf import settings
        from django.utils import timezone

        self.opens, self.closes = settings.WORKING_HOURS
        self.first = first
        self._first_ordinal = first.toordinal()
        self._zone = timezone.get_current_timezone()
        special = _special_days(first, last)
        self._working = []
        self._before = []  # working hours from `first` to the start of each day
        total, day = 0, first
        while day <= last:
            working = _is_working(day, special)
            self._working.append(working)
            self._before.append(total)
            total += (self.closes - self.opens) if working else 0
            day += timedelta(days=1)

    def position(self, moment) -> float:
        """Working hours from the start of `first` to `moment` (aware)."""
        local = moment.astimezone(self._zone)
        index = local.toordinal() - self._first_ordinal
        if not 0 <= index < len(self._working):
            raise ValueError("The moment is outside the clock's dates.")
        if not self._working[index]:
            return float(self._before[index])
        hour = local.hour + local.minute / 60 + (local.second + local.microsecond / 1e6) / 3600
        return self._before[index] + min(max(hour - self.opens, 0), self.closes - self.opens)

    def hours_between(self, start, end) -> float:
        return self.position(end) - self.position(start)


def working_hours_between(start, end) -> float:
    """Working hours from `start` to `end` (aware datetimes), as WorkingClock counts them."""
    from django.utils import timezone

    first, last = sorted((timezone.localdate(start), timezone.localdate(end)))
    return WorkingClock(first, last).hours_between(start, end)


def reminder_day(now, hours=None):
    """The local date of `now` if it falls within working hours of a working day,
    when a reminder may go out (never at night or on a day off); None otherwise.
    Shared by every app's reminder clock (grievances, proposals)."""
    from django.conf import settings
    from django.utils import timezone

    start, end = hours or settings.WORKING_HOURS
    local = timezone.localtime(now)
    if not (start <= local.hour < end) or not is_working_day(local.date()):
        return None
    return local.date()


def working_days_late(dues, today: date) -> list[int]:
    """For each date of `dues`, the working days from it up to `today`
    (working_days_between(due, today)), with one query for all of them."""
    dues = list(dues)
    if not dues:
        return []
    first = min([*dues, today])
    special = _special_days(first, max([*dues, today]))
    # Working days after `first` up to and including each day of the span.
    counted, total, day = {first: 0}, 0, first
    while day < today or day < max(dues):
        day += timedelta(days=1)
        total += _is_working(day, special)
        counted[day] = total
    return [counted[today] - counted[due] for due in dues]


def years_to_remind(today: date) -> list[int]:
    """The years whose missing schedule the administrators are reminded of:
    next year from 1 December (the State Council announces it in the winter),
    and this year, if it is still missing."""
    years = {today.year, today.year + 1} if today.month == 12 else {today.year}
    return years_without_schedule(years)


def calendar_schedule_remind(*, today: date | None = None) -> int:
    """Emails the administrators (active superusers with an email, and the
    addresses of settings.ADMINS) that a holiday schedule is missing, from
    1 December until next year's is entered: once per ISO week, however often
    the task runs, is retried, or runs under two beats (the key names the week;
    an account is told through notify(), an address without one is claimed by
    an AdminEmail row). Returns how many were told now."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.db import transaction
    from django.db.models import Q
    from django.urls import reverse
    from django.utils import timezone, translation
    from django.utils.translation import gettext as _

    from .models import AdminEmail, User
    from .notifications import notify_many

    today = today or timezone.localdate()
    missing = years_to_remind(today)
    if not missing:
        return 0
    iso_year, week, _weekday = today.isocalendar()
    key = f"calendar-schedule-missing:{iso_year}-W{week:02d}"
    years = ", ".join(str(year) for year in missing)
    url = reverse("admin:core_calendaryear_changelist")

    def subject():
        return _("Enter the holiday schedule for %(years)s") % {"years": years}

    def body():
        return _(
            "No official holiday schedule has been entered in the portal for %(years)s. "
            "Until it is, Monday to Friday count as working days there, so grievance, "
            "notice and proposal deadlines falling then are estimates, and are marked "
            "so.\n\nEnter the holidays and make-up working days under Special days, then "
            "add the year under Calendar years (or run `python manage.py seed_calendar` "
            "once the chinese-calendar package knows the year). This reminder comes once "
            "a week until then."
        ) % {"years": years}

    admin_emails = {email.lower() for _name, email in getattr(settings, "ADMINS", ()) if email}
    wanted = Q(is_superuser=True)
    for email in admin_emails:
        wanted |= Q(email__iexact=email)
    accounts = User.objects.filter(wanted, is_active=True).exclude(email="")
    told = notify_many(users=accounts, key=key, subject=subject, body=body, url=url)

    with_account = {email.lower() for email in accounts.values_list("email", flat=True)}
    with translation.override(settings.LANGUAGE_CODE):
        message = f"{body()}\n\n{settings.PORTAL_BASE_URL}{url}"
        for email in sorted(admin_emails - with_account):
            with transaction.atomic():
                _row, created = AdminEmail.objects.get_or_create(key=f"{key}:{email}")
                if created:  # a failed send rolls the claim back for the retry
                    send_mail(subject(), message, None, [email])
                    told += 1
    return told
