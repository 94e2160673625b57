"""From 1 December the administrators are emailed once a week until next
year's holiday schedule is entered."""

import time
from datetime import date

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from tests.factories import UserFactory
from tests.waiting import wait_for
from union_portal.celery import app
from union_portal.core.calendar import calendar_schedule_remind
from union_portal.core.models import AdminEmail, CalendarYear, Notification
from union_portal.core.tasks import calendar_schedule_remind as remind_task

KEY = "calendar-schedule-missing:"


@pytest.fixture
def only_2026_entered(db):
    CalendarYear.objects.get_or_create(year=2026, defaults={"source": "test"})
    CalendarYear.objects.filter(year__gt=2026).delete()


@pytest.fixture
def admins(only_2026_entered, settings):
    admin = UserFactory(is_staff=True, is_superuser=True, email="root@univ.edu.cn")
    UserFactory(is_staff=True, is_superuser=True, email="")  # no address: not told
    UserFactory(is_staff=True)  # staff, not an administrator
    UserFactory()  # a member
    # One address of ADMINS has an account (told once, through it), one has none.
    settings.ADMINS = [("Root", "ROOT@univ.edu.cn"), ("网络中心", "it@univ.edu.cn")]
    return admin


def reminders():
    return list(Notification.objects.filter(key__startswith=KEY).values_list("user", "key"))


def test_nothing_before_1_december(admins):
    assert calendar_schedule_remind(today=date(2026, 11, 30)) == 0
    assert reminders() == [] and mail.outbox == []


def test_from_1_december_administrators_are_told_once_a_week(admins):
    assert calendar_schedule_remind(today=date(2026, 12, 1)) == 2  # Tuesday, ISO week 49
    assert reminders() == [(admins.pk, f"{KEY}2026-W49")]
    told = Notification.objects.get(user=admins)
    assert "2027" in told.subject and told.url == "/admin/core/calendaryear/"
    assert [m.to for m in mail.outbox] == [["it@univ.edu.cn"]]
    assert "2027" in mail.outbox[0].subject and "/admin/core/calendaryear/" in mail.outbox[0].body

    # Again the same day (a retry, a second beat) and later that week: nothing.
    for day in (1, 1, 3, 6):
        assert calendar_schedule_remind(today=date(2026, 12, day)) == 0
    assert len(reminders()) == 1 and len(mail.outbox) == 1

    # The next week: once more, to both.
    assert calendar_schedule_remind(today=date(2026, 12, 7)) == 2
    assert calendar_schedule_remind(today=date(2026, 12, 8)) == 0
    assert len(reminders()) == 2 and len(mail.outbox) == 2
    assert AdminEmail.objects.count() == 2


def test_no_reminder_once_next_years_schedule_is_entered(admins):
    assert calendar_schedule_remind(today=date(2026, 12, 1)) == 2
    CalendarYear.objects.create(year=2027, source="国务院办公厅通知")
    for day in (8, 15, 31):
        assert calendar_schedule_remind(today=date(2026, 12, day)) == 0
    assert len(reminders()) == 1 and len(mail.outbox) == 1


def test_a_year_still_missing_after_new_year_keeps_the_reminder_going(admins):
    assert calendar_schedule_remind(today=date(2027, 1, 4)) == 2
    assert "2027" in Notification.objects.get(user=admins).subject


def test_the_reminder_is_on_the_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["calendar-schedule-reminder"]
    assert entry["task"] == remind_task.name
    assert remind_task.name in app.tasks


def test_a_real_worker_sends_one_email_however_often_the_task_runs(celery_worker):
    today = timezone.localdate()
    # Whatever the date the test runs on, this year's schedule is missing.
    CalendarYear.objects.filter(year__gte=today.year).delete()
    admin = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(3):  # runs many times a day, two beats, a retry
        remind_task.delay()
    assert wait_for(lambda: len(mail.outbox) >= 1)
    assert wait_for(
        lambda: Notification.objects.filter(user=admin, emailed_at__isnull=False).exists()
    )
    time.sleep(1.5)
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert str(today.year) in mail.outbox[0].subject
    assert Notification.objects.filter(user=admin).count() == 1
