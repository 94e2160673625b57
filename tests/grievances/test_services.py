from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import translation

from grievances import services
from grievances.forms import GrievanceForm
from grievances.models import Grievance, GrievanceEvent, hash_receipt
from members.models import BranchRole
from tests.factories import CategoryFactory, MemberFactory, UserFactory, user_with_role
from union_portal.core.models import Notification

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
Status, Level = Grievance.Status, Grievance.Level


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def setting(branch, people):
    category = CategoryFactory(branch=branch, name="薪酬待遇", default_assignee=people["officer"])
    return {"category": category, **people}


def file(setting, *, confidentiality="named", kind="grievance", when=None, user=None):
    user = user or setting["member"]
    form = GrievanceForm(
        data={
            "kind": kind,
            "category": setting["category"].pk,
            "subject": "加班费未发放",
            "description": "十月加班费至今未发。",
            "confidentiality": confidentiality,
        },
        branch=setting["category"].branch,
    )
    assert form.is_valid(), form.errors
    return services.grievance_file(user=user, member=user.member, form=form, now=when)


def test_filing_sets_working_day_clocks_and_default_assignee(setting):
    grievance, receipt = file(setting, when=at(date(2025, 9, 30)))
    assert receipt is None
    assert grievance.assignee == setting["officer"]
    # 1–8 Oct 2025 are off, Saturday 11 Oct is worked: 9, 10, 11 Oct.
    assert grievance.ack_due == date(2025, 10, 11)
    assert grievance.filer == setting["member"]
    assert [e.kind for e in grievance.events.all()] == ["filed", "assigned"]
    assert Notification.objects.filter(user=setting["officer"]).exists()


def test_spring_festival_clock_counts_the_make_up_saturday(setting):
    grievance, _ = file(setting, when=at(date(2026, 2, 12)))
    # Fri 13, Sat 14 (make-up day), then 15–23 Feb off: the third is Tue 24 Feb.
    assert grievance.ack_due == date(2026, 2, 24)


def test_category_overrides_the_default_clock(setting):
    setting["category"].ack_days = 1
    setting["category"].resolve_days = 2
    setting["category"].save()
    grievance, _ = file(setting, when=at(date(2026, 3, 2)))
    assert (grievance.ack_due, grievance.resolve_due) == (date(2026, 3, 3), date(2026, 3, 4))


def test_anonymous_case_stores_no_link_and_opens_with_its_receipt(setting):
    grievance, receipt = file(setting, confidentiality="anonymous")
    assert grievance.filer is None and grievance.filer_member is None
    assert grievance.receipt_hash == hash_receipt(receipt) and receipt not in grievance.receipt_hash
    assert all(e.actor_id is None for e in grievance.events.filter(by_filer=True))
    assert services.grievance_for_receipt(receipt.lower()) == grievance
    assert services.grievance_for_receipt(receipt.replace("-", "")) == grievance
    assert services.grievance_for_receipt("AAAA-AAAA-AAAA-AAAA-AAAA") is None
    assert len(set(receipt.replace("-", ""))) > 1 and len(receipt) == 24


def test_pause_moves_the_deadlines_by_the_working_days_waited(setting):
    grievance, _ = file(setting, when=at(date(2025, 9, 22)))  # Monday
    assert grievance.resolve_due == date(2025, 10, 17)
    services.grievance_ask_filer(
        actor=setting["officer"],
        grievance=grievance,
        text="请提供工资条",
        now=at(date(2025, 9, 26)),
    )
    # The filer answers after National Day: the case stood still for 4 working
    # days (Sun 28 Sept make-up, Mon 29, Tue 30, then 1–8 Oct off, Thu 9 Oct).
    services.grievance_filer_message(
        grievance=grievance, user=setting["member"], text="附上工资条", now=at(date(2025, 10, 9))
    )
    grievance.refresh_from_db()
    assert grievance.status == Status.IN_PROGRESS and grievance.paused_on is None
    assert grievance.resolve_due == date(2025, 10, 23)


def test_full_path_reply_note_resolve_accept(setting):
    grievance, _ = file(setting)
    officer = setting["officer"]
    services.grievance_acknowledge(actor=officer, grievance=grievance)
    services.grievance_reply(actor=officer, grievance=grievance, text="正在核实")
    services.grievance_reply(
        actor=officer, grievance=grievance, text="财务处说下周发", internal=True
    )
    with pytest.raises(services.GrievanceRuleError, match="Write the resolution"):
        services.grievance_propose_resolution(actor=officer, grievance=grievance, text="  ")
    services.grievance_propose_resolution(actor=officer, grievance=grievance, text="已补发")
    services.grievance_accept(grievance=grievance, user=setting["member"])
    grievance.refresh_from_db()
    assert grievance.status == Status.CLOSED
    kinds = list(grievance.events.values_list("kind", flat=True))
    assert kinds == ["filed", "assigned", "acknowledged", "reply", "note", "resolution", "accepted"]
    filer_notes = Notification.objects.filter(user=setting["member"])
    assert not any("财务处" in n.body for n in filer_notes)
    with pytest.raises(services.GrievanceRuleError, match="closed"):
        services.grievance_reply(actor=officer, grievance=grievance, text="再说一句")


def test_appeal_goes_up_once(setting):
    grievance, _ = file(setting)
    officer, member = setting["officer"], setting["member"]
    services.grievance_propose_resolution(actor=officer, grievance=grievance, text="无法处理")
    with pytest.raises(services.GrievanceRuleError, match="reason"):
        services.grievance_appeal(grievance=grievance, user=member, text="")
    services.grievance_appeal(grievance=grievance, user=member, text="不同意")
    grievance.refresh_from_db()
    assert (grievance.level, grievance.status, grievance.appealed) == (
        Level.CHAIR,
        Status.IN_PROGRESS,
        True,
    )
    assert Notification.objects.filter(user=setting["chair"]).exists()
    services.grievance_propose_resolution(actor=setting["chair"], grievance=grievance, text="维持")
    with pytest.raises(services.GrievanceRuleError, match="already been appealed"):
        services.grievance_appeal(grievance=grievance, user=member, text="还是不同意")


def test_only_the_holder_of_the_level_acts_after_escalation(setting):
    from grievances.permissions import may_act_as_handler

    grievance, _ = file(setting)
    assert may_act_as_handler(setting["officer"], grievance)
    services.grievance_forward(actor=setting["chair"], grievance=grievance, text="")
    grievance.refresh_from_db()
    assert grievance.level == Level.UNIVERSITY
    assert not may_act_as_handler(setting["officer"], grievance)
    assert not may_act_as_handler(setting["chair"], grievance)
    assert may_act_as_handler(setting["liaison"], grievance)
    services.grievance_reply(actor=setting["liaison"], grievance=grievance, text="校工会已受理")


def test_reopen_within_ten_working_days_only(setting):
    grievance, _ = file(setting)
    services.grievance_propose_resolution(actor=setting["officer"], grievance=grievance, text="ok")
    services.grievance_accept(
        grievance=grievance, user=setting["member"], now=at(date(2025, 9, 26))
    )
    late = at(date(2025, 10, 17))  # 11 working days later, across National Day
    with pytest.raises(services.GrievanceRuleError, match="reopened up to 2025-10-16"):
        services.grievance_reopen(grievance=grievance, user=setting["member"], text="x", now=late)
    services.grievance_reopen(
        grievance=grievance, user=setting["member"], text="问题又出现了", now=at(date(2025, 10, 16))
    )
    grievance.refresh_from_db()
    assert grievance.status == Status.IN_PROGRESS


def test_missed_deadlines_escalate_to_chair_then_university_once(setting):
    grievance, _ = file(setting, when=at(date(2026, 3, 2)))  # ack due Thu 5 March
    assert services.grievance_escalate_overdue(now=at(date(2026, 3, 5), 20)) == 0
    assert services.grievance_escalate_overdue(now=at(date(2026, 3, 6), 1)) == 1
    assert services.grievance_escalate_overdue(now=at(date(2026, 3, 6), 2)) == 0
    grievance.refresh_from_db()
    assert grievance.level == Level.CHAIR and grievance.resolve_due == date(2026, 3, 13)
    assert Notification.objects.filter(user=setting["member"], key__contains="level").count() == 1
    assert services.grievance_escalate_overdue(now=at(date(2026, 3, 16))) == 1
    grievance.refresh_from_db()
    assert grievance.level == Level.UNIVERSITY and grievance.escalations == 2
    escalations = grievance.events.filter(kind="escalated")
    assert escalations.count() == 2 and escalations.first().assignee == setting["officer"]
    assert Notification.objects.filter(user=setting["liaison"]).exists()


def test_a_paused_or_resolved_case_does_not_escalate(setting):
    waiting, _ = file(setting, when=at(date(2026, 3, 2)))
    services.grievance_ask_filer(actor=setting["officer"], grievance=waiting, text="?")
    resolved, _ = file(setting, when=at(date(2026, 3, 2)))
    services.grievance_propose_resolution(actor=setting["officer"], grievance=resolved, text="ok")
    assert services.grievance_escalate_overdue(now=at(date(2026, 4, 30))) == 0


def test_reminder_one_working_day_before_during_working_hours_once(setting):
    grievance, _ = file(setting, when=at(date(2026, 3, 2)))  # ack due Thu 5 March
    assert services.grievance_send_reminders(now=at(date(2026, 3, 3))) == 0  # too early
    assert services.grievance_send_reminders(now=at(date(2026, 3, 4), 2)) == 0  # at night
    assert services.grievance_send_reminders(now=at(date(2026, 3, 4), 10)) == 1
    services.grievance_send_reminders(now=at(date(2026, 3, 4), 11))  # the task runs again
    reminders = Notification.objects.filter(user=setting["officer"], key__contains="reminder")
    assert reminders.count() == 1 and "2026-03-05" in reminders.get().subject


def test_deadline_reminders_of_many_cases_tell_each_handler_once_and_keep_secrets(
    setting, django_assert_max_num_queries
):
    def case(**kwargs):
        return file(setting, when=at(date(2026, 3, 2)), **kwargs)[0]  # ack due Thu 5 March

    named, secret, unowned = case(), case(confidentiality="confidential"), case()
    Grievance.objects.filter(pk=unowned.pk).update(assignee=None)
    more = [case() for _ in range(5)]
    with django_assert_max_num_queries(12):
        assert services.grievance_send_reminders(now=at(date(2026, 3, 4), 10)) == 8
    assert services.grievance_send_reminders(now=at(date(2026, 3, 4), 11)) == 8  # beat again
    told = {
        (n.user, int(n.key.split(":")[1])): n
        for n in Notification.objects.filter(key__startswith="grievance-reminder")
    }
    officer, chair = setting["officer"], setting["chair"]
    # The owner of each owned case; the branch chair for the one without an owner.
    assert sorted(told, key=lambda k: k[1]) == [
        (officer, named.pk), (officer, secret.pk), (chair, unowned.pk),
        *((officer, g.pk) for g in more),
    ]  # fmt: skip
    assert "加班费未发放" in told[(officer, named.pk)].body
    # A confidential case's subject never travels in the email.
    secret_note = told[(officer, secret.pk)]
    assert "加班费未发放" not in secret_note.body + secret_note.subject


def test_the_reminder_before_a_holiday_goes_on_the_last_working_day(setting):
    grievance, _ = file(setting, when=at(date(2025, 9, 25)))
    Grievance.objects.filter(pk=grievance.pk).update(ack_due=date(2025, 10, 9))
    assert services.grievance_send_reminders(now=at(date(2025, 10, 8), 10)) == 0  # holiday
    # The working day before Thursday 9 Oct is Tuesday 30 Sept.
    assert services.grievance_send_reminders(now=at(date(2025, 9, 30), 10)) == 1


def test_history_is_append_only_in_the_model_and_the_database(setting):
    grievance, _ = file(setting)
    event = grievance.events.first()
    event.text = "changed"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    for sql in (
        "UPDATE grievances_grievanceevent SET text = 'x'",
        "DELETE FROM grievances_grievanceevent",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
    with pytest.raises(DatabaseError), transaction.atomic():
        GrievanceEvent.objects.filter(pk=event.pk).update(text="x")
    assert grievance.events.first().text == "十月加班费至今未发。"


def test_assigning_needs_an_officer_of_the_branch(setting, other_branch):
    grievance, _ = file(setting)
    stranger = user_with_role("officer", other_branch)
    with pytest.raises(services.GrievanceRuleError, match="officer of this branch"):
        services.grievance_assign(actor=setting["chair"], grievance=grievance, assignee=stranger)
    services.grievance_assign(
        actor=setting["chair"], grievance=grievance, assignee=setting["chair"]
    )
    grievance.refresh_from_db()
    assert grievance.assignee == setting["chair"]


def test_escalation_by_a_real_celery_worker_with_a_controlled_clock(celery_worker, branch):
    import time

    from grievances.tasks import escalate_overdue

    chair = user_with_role("chair", branch)
    officer = user_with_role("officer", branch)
    member = MemberFactory(branch=branch, user=UserFactory())
    category = CategoryFactory(branch=branch, default_assignee=officer)
    form = GrievanceForm(
        data={"kind": "grievance", "category": category.pk, "subject": "宿舍漏水",
              "description": "已三周", "confidentiality": "confidential"},
        branch=branch,
    )  # fmt: skip
    assert form.is_valid()
    grievance, _ = services.grievance_file(
        user=member.user, member=member, form=form, now=at(date(2026, 3, 2))
    )
    escalate_overdue.delay(now_iso=at(date(2026, 3, 6), 9).isoformat())
    escalate_overdue.delay(now_iso=at(date(2026, 3, 6), 10).isoformat())  # beat fires again
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        grievance.refresh_from_db()
        if grievance.level == Level.CHAIR and len(mail.outbox) >= 3:
            break
        time.sleep(0.1)
    time.sleep(1.5)
    assert grievance.level == Level.CHAIR and grievance.escalations == 1
    told = Notification.objects.filter(key__regex=r"grievance-(escalated|level):")
    assert sorted(n.user.email for n in told) == sorted([chair.email, member.user.email])
    subjects = {n.subject for n in told}
    escalation_mail = [m for m in mail.outbox if m.subject in subjects]
    assert sorted(a for m in escalation_mail for a in m.to) == sorted(n.user.email for n in told)
    # Nobody's email names the confidential filer.
    assert all(member.name not in m.body + m.subject for m in mail.outbox)
    assert BranchRole.objects.filter(user=chair, role="chair").exists()
