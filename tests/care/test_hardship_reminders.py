"""The contact clock: no contact in PORTAL_HARDSHIP_CONTACT_DAYS days → the
responsible officer once, on a working day in working hours; the chair after 10
more working days, once; the yearly review once."""

import time
from datetime import date, timedelta

import pytest
from django.core import mail

from care import services
from care.models import HardshipFile
from union_portal.core.calendar import add_working_days, is_working_day
from union_portal.core.models import Notification

from .conftest import OPENED, at, open_file

DUE = OPENED + timedelta(days=60)  # 2026-05-01, 劳动节
FIRST_WORKING = date(2026, 5, 6)  # the first working day after the holiday


def keys(user, prefix):
    return list(
        Notification.objects.filter(user=user, key__startswith=prefix).values_list("key", flat=True)
    )


@pytest.fixture
def file(people, needy):
    return open_file(people["chair"], needy, officer=people["officer"])


def test_the_officer_is_reminded_once_on_a_working_day(people, file):
    assert not is_working_day(DUE)
    assert services.hardship_send_reminders(now=at(DUE - timedelta(days=1))) == 0
    assert services.hardship_send_reminders(now=at(DUE)) == 0  # a holiday
    assert services.hardship_send_reminders(now=at(FIRST_WORKING, 8)) == 0  # before 09:00
    assert services.hardship_send_reminders(now=at(FIRST_WORKING, 10)) == 1
    assert services.hardship_send_reminders(now=at(FIRST_WORKING, 11)) == 0
    assert services.hardship_send_reminders(now=at(FIRST_WORKING + timedelta(days=1))) == 0
    assert keys(people["officer"], "hardship-contact:") == [f"hardship-contact:{file.pk}:{OPENED}"]
    assert keys(people["chair"], "hardship-contact-chair:") == []


def test_the_chair_is_told_after_ten_more_working_days_once(people, file):
    services.hardship_send_reminders(now=at(FIRST_WORKING))
    chair_day = add_working_days(FIRST_WORKING, 10)
    services.hardship_send_reminders(now=at(add_working_days(chair_day, -1)))
    assert keys(people["chair"], "hardship-contact-chair:") == []
    assert services.hardship_send_reminders(now=at(chair_day)) == 1
    assert services.hardship_send_reminders(now=at(chair_day, 15)) == 0
    assert keys(people["chair"], "hardship-contact-chair:") == [
        f"hardship-contact-chair:{file.pk}:{OPENED}"
    ]
    # The officer was told once in all.
    assert len(keys(people["officer"], "hardship-contact:")) == 1


def test_a_contact_stops_the_clock_and_starts_a_new_one(people, file):
    services.hardship_send_reminders(now=at(FIRST_WORKING))
    visit = FIRST_WORKING + timedelta(days=1)
    services.support_record_add(actor=people["officer"], file=file, kind="visit", date=visit,
                                today=visit)  # fmt: skip
    services.hardship_send_reminders(now=at(add_working_days(FIRST_WORKING, 12)))
    assert keys(people["chair"], "hardship-contact-chair:") == []
    # 60 days after the visit, a new reminder for the new clock.
    later = visit + timedelta(days=61)
    while not is_working_day(later):
        later += timedelta(days=1)
    assert services.hardship_send_reminders(now=at(later)) == 1
    assert sorted(keys(people["officer"], "hardship-contact:")) == sorted(
        [f"hardship-contact:{file.pk}:{OPENED}", f"hardship-contact:{file.pk}:{visit}"]
    )


def test_a_closed_file_reminds_nobody(people, file):
    services.hardship_file_close(actor=people["officer"], file=file, reason="recovered",
                                 today=OPENED)  # fmt: skip
    assert services.hardship_send_reminders(now=at(FIRST_WORKING)) == 0


def test_the_yearly_review_is_reminded_once(people, file):
    review = file.review_on
    while not is_working_day(review):
        review += timedelta(days=1)
    services.hardship_send_reminders(now=at(review))
    services.hardship_send_reminders(now=at(review, 16))
    assert keys(people["officer"], "hardship-review:") == [
        f"hardship-review:{file.pk}:{file.review_on}"
    ]


def test_reminders_through_a_real_celery_worker_are_sent_once(celery_worker, people, needy):
    from care.tasks import hardship_send_reminders

    file = open_file(people["chair"], needy, officer=people["officer"])
    hardship_send_reminders.delay(now_iso=at(FIRST_WORKING, 10).isoformat())
    hardship_send_reminders.delay(now_iso=at(FIRST_WORKING, 11).isoformat())  # beat again
    key = f"hardship-contact:{file.pk}:{OPENED}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        told = Notification.objects.filter(key=key).first()
        if told and [m for m in mail.outbox if m.subject == told.subject]:
            break
        time.sleep(0.1)
    time.sleep(1)  # the second run has had its chance to send again
    told = Notification.objects.get(key=key)
    sent = [m for m in mail.outbox if m.subject == told.subject]
    assert len(sent) == 1
    assert needy.name in told.subject
    assert sent[0].to == [people["officer"].email]
    assert HardshipFile.objects.get(pk=file.pk).contact_reminder_for == OPENED
