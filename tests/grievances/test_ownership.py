"""Issue 16: a new case is routed by category and campus (the chair as fallback)
and its owner told at once; at each level the case belongs to someone of that
level, the earlier owners keep reading it and may add internal notes only."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from grievances import dashboard as stats
from grievances import services
from grievances.forms import GrievanceForm
from grievances.models import Grievance, GrievanceEvent, Route
from grievances.permissions import may_act_as_handler, may_add_note, may_read_as_handler
from members.models import BranchRole
from tests.factories import CampusFactory, CategoryFactory, GrievanceFactory, user_with_role
from union_portal.core.models import Notification
from union_portal.core.notifications import notification_send_email

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
Level = Grievance.Level


def at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def campuses():
    return {"江湾": CampusFactory(name="江湾校区"), "临港": CampusFactory(name="临港校区")}


@pytest.fixture
def setting(branch, people, campuses):
    lingang = user_with_role("officer", branch, home_campus=campuses["临港"])
    lingang.first_name = "临港委员"
    lingang.save(update_fields=["first_name"])
    category = CategoryFactory(branch=branch, name="后勤服务")
    Route.objects.create(category=category, campus=campuses["临港"], officer=lingang)
    far_member = user_with_role("member", branch, home_campus=campuses["临港"])
    near_member = people["member"]
    near_member.member.home_campus = campuses["江湾"]
    near_member.member.save(update_fields=["home_campus"])
    return {**people, "lingang": lingang, "category": category, "far_member": far_member}


def send_emails():
    """What the worker does with each queued email (the notification task's body)."""
    for pk in Notification.objects.values_list("pk", flat=True):
        notification_send_email(notification_id=pk)


def file(user, category, *, confidentiality="named", when=None):
    form = GrievanceForm(
        data={
            "kind": "grievance",
            "category": category.pk,
            "subject": "班车太少",
            "description": "下午五点后只有一班车。",
            "confidentiality": confidentiality,
        },
        branch=category.branch,
    )
    assert form.is_valid(), form.errors
    grievance, _ = services.grievance_file(user=user, member=user.member, form=form, now=when)
    return grievance


# Routing -----------------------------------------------------------------------------


def test_a_lingang_filer_is_routed_to_the_lingang_officer_who_is_told_at_once(setting):
    grievance = file(setting["far_member"], setting["category"])
    send_emails()
    assert grievance.assignee == setting["lingang"]
    assert Notification.objects.filter(
        user=setting["lingang"], key__startswith=f"grievance-new:{grievance.pk}"
    ).exists()
    assert [m.to for m in mail.outbox] == [[setting["lingang"].email]]
    assert "班车太少" in mail.outbox[0].body  # a named case: the subject may travel
    assert grievance.events.filter(kind="assigned", assignee=setting["lingang"]).exists()


def test_a_confidential_cases_email_to_its_routed_owner_carries_the_number_only(setting):
    grievance = file(setting["far_member"], setting["category"], confidentiality="confidential")
    send_emails()
    (message,) = mail.outbox
    assert message.to == [setting["lingang"].email]
    assert f"#{grievance.pk}" in message.subject
    assert "班车" not in message.subject + message.body
    assert setting["far_member"].member.name not in message.subject + message.body


def test_other_campuses_go_to_the_category_default_then_to_the_chair(setting):
    category = setting["category"]
    assert file(setting["member"], category).assignee == setting["chair"]  # no default
    category.default_assignee = setting["officer"]
    category.save()
    assert file(setting["member"], category).assignee == setting["officer"]
    assert file(setting["far_member"], category).assignee == setting["lingang"]


def test_an_anonymous_case_is_routed_by_category_never_by_the_filers_campus(setting):
    grievance = file(setting["far_member"], setting["category"], confidentiality="anonymous")
    # The 临港 officer would learn the filer works there: the chair takes it.
    assert grievance.assignee == setting["chair"]


def test_a_route_to_someone_no_longer_an_officer_falls_back(setting):
    BranchRole.objects.filter(user=setting["lingang"]).delete()
    assert file(setting["far_member"], setting["category"]).assignee == setting["chair"]


def test_a_route_to_an_officer_of_another_branch_is_refused(setting, campuses):
    with pytest.raises(services.GrievanceRuleError, match="officer of this branch"):
        services.route_set(
            actor=setting["chair"],
            category=setting["category"],
            campus=campuses["江湾"],
            officer=setting["other_officer"],
        )
    assert not Route.objects.filter(campus=campuses["江湾"]).exists()


def test_the_routing_page_sets_removes_and_refuses_bad_input(client, setting, campuses):
    url = reverse("grievances:routing")
    client.cookies["django_language"] = "en"
    client.force_login(setting["officer"])
    page = client.get(url).content.decode()
    assert "临港委员" in page and "后勤服务" in page
    category = setting["category"]
    response = client.post(
        url,
        {"category": category.pk, "campus": campuses["江湾"].pk, "officer": setting["officer"].pk},
    )
    assert response.status_code == 302
    assert (
        Route.objects.get(category=category, campus=campuses["江湾"]).officer == setting["officer"]
    )
    # Another branch's officer is not among the choices: the form says so, nothing changes.
    response = client.post(
        url,
        {
            "category": category.pk,
            "campus": campuses["江湾"].pk,
            "officer": setting["other_officer"].pk,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert (
        Route.objects.get(category=category, campus=campuses["江湾"]).officer == setting["officer"]
    )
    # No campus: the category's default; no officer on a campus: the route goes.
    client.post(url, {"category": category.pk, "officer": setting["lingang"].pk})
    category.refresh_from_db()
    assert category.default_assignee == setting["lingang"]
    client.post(url, {"category": category.pk, "campus": campuses["江湾"].pk})
    assert not Route.objects.filter(category=category, campus=campuses["江湾"]).exists()
    # Another branch's category is not this officer's to route.
    theirs = CategoryFactory(branch=setting["other_officer"].member.branch, name="其他")
    response = client.post(url, {"category": theirs.pk, "officer": setting["officer"].pk})
    assert response.status_code == 200
    theirs.refresh_from_db()
    assert theirs.default_assignee is None


@pytest.mark.parametrize(
    "role, status", [("member", 403), ("liaison", 403), ("officer", 200), ("chair", 200)]
)
def test_who_may_open_the_routing_page(client, setting, role, status):
    client.force_login(setting[role])
    assert client.get(reverse("grievances:routing")).status_code == status


# Ownership at every level ------------------------------------------------------------------


@pytest.fixture
def escalated(setting):
    """Filed on Monday 2 March 2026 and assigned to the officer, who lets the
    acknowledgement deadline (Thursday) pass: the clock gives it to the chair."""
    setting["category"].default_assignee = setting["officer"]
    setting["category"].save()
    grievance = file(setting["member"], setting["category"], when=at(date(2026, 3, 2)))
    assert grievance.assignee == setting["officer"]
    assert services.grievance_escalate_overdue(now=at(date(2026, 3, 6), 1)) == 1
    grievance.refresh_from_db()
    return grievance


def test_escalation_hands_the_case_to_the_chair_and_counts_against_the_officer(setting, escalated):
    assert (escalated.level, escalated.assignee) == (Level.CHAIR, setting["chair"])
    escalation, handover = escalated.events.filter(kind__in=["escalated", "assigned"]).order_by(
        "-id"
    )[:2][::-1]
    assert (escalation.kind, escalation.assignee) == ("escalated", setting["officer"])
    assert (handover.kind, handover.assignee) == ("assigned", setting["chair"])
    assert Notification.objects.filter(
        user=setting["chair"], key__startswith=f"grievance-escalated:{escalated.pk}"
    ).exists()
    escalations = stats.escalations_per_officer(Grievance.objects.all())
    assert [(r["name"], r["n"]) for r in escalations] == [
        (setting["officer"].get_full_name() or setting["officer"].email, 1)
    ]
    # The officer stays the one measured for the case on the dashboard.
    (measured,) = stats.measured_cases(Grievance.objects.all())
    assert measured["officer"] == setting["officer"].pk


def test_at_university_level_a_liaison_owns_it_and_both_earlier_owners_still_read(
    setting, escalated
):
    assert services.grievance_escalate_overdue(now=at(date(2026, 3, 16))) == 1
    escalated.refresh_from_db()
    assert (escalated.level, escalated.assignee) == (Level.UNIVERSITY, setting["liaison"])
    officer, chair = setting["officer"], setting["chair"]
    assert may_read_as_handler(officer, escalated) and may_add_note(officer, escalated)
    assert not may_act_as_handler(officer, escalated)
    assert may_read_as_handler(chair, escalated) and not may_act_as_handler(chair, escalated)
    # The second escalation counts against the chair, who held it then.
    escalation = escalated.events.filter(kind="escalated").last()
    assert escalation.assignee == chair


def test_a_forward_gives_the_case_to_a_liaison_and_is_not_a_missed_deadline(setting):
    grievance = file(setting["member"], setting["category"])
    services.grievance_assign(
        actor=setting["chair"], grievance=grievance, assignee=setting["officer"]
    )
    services.grievance_forward(actor=setting["chair"], grievance=grievance, text="涉及全校")
    grievance.refresh_from_db()
    assert (grievance.level, grievance.assignee) == (Level.UNIVERSITY, setting["liaison"])
    assert stats.escalations_per_officer(Grievance.objects.all()) == []


def test_an_appeal_gives_the_case_to_the_chair(setting):
    grievance = file(setting["member"], setting["category"])
    services.grievance_assign(
        actor=setting["chair"], grievance=grievance, assignee=setting["officer"]
    )
    services.grievance_propose_resolution(actor=setting["officer"], grievance=grievance, text="ok")
    services.grievance_appeal(grievance=grievance, user=setting["member"], text="不同意")
    grievance.refresh_from_db()
    assert (grievance.level, grievance.assignee) == (Level.CHAIR, setting["chair"])


def test_the_earlier_owner_reads_and_notes_but_takes_no_other_step(client, setting, escalated):
    client.cookies["django_language"] = "en"
    client.force_login(setting["officer"])
    detail = reverse("grievances:detail", args=[escalated.pk])
    page = client.get(detail)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="note-only"' in html and 'data-testid="handler-actions"' not in html
    response = client.post(
        reverse("grievances:action", args=[escalated.pk, "note"]), {"text": "我这周在外培训"}
    )
    assert response.status_code == 302
    assert escalated.events.filter(kind="note", internal=True, actor=setting["officer"]).exists()
    before = escalated.events.count()
    for action, data in [
        ("reply", {"text": "x"}),
        ("ask", {"text": "x"}),
        ("resolve", {"text": "x"}),
        ("acknowledge", {}),
        ("forward", {}),
    ]:
        response = client.post(reverse("grievances:action", args=[escalated.pk, action]), data)
        assert response.status_code == 403, action
    response = client.post(
        reverse("grievances:assign", args=[escalated.pk]), {"assignee": setting["officer"].pk}
    )
    assert response.status_code == 403
    escalated.refresh_from_db()
    assert escalated.events.count() == before and escalated.assignee == setting["chair"]
    # Another officer of the branch, who never held it, sees nothing.
    client.force_login(setting["lingang"])
    assert client.get(detail).status_code == 404
    note = reverse("grievances:action", args=[escalated.pk, "note"])
    assert client.post(note, {"text": "x"}).status_code == 404


def test_the_earlier_owner_never_sees_a_confidential_filers_name(client, setting):
    setting["category"].default_assignee = setting["officer"]
    setting["category"].save()
    grievance = file(
        setting["member"], setting["category"], confidentiality="confidential",
        when=at(date(2026, 3, 2)),
    )  # fmt: skip
    services.grievance_escalate_overdue(now=at(date(2026, 3, 6), 1))
    name = setting["member"].member.name
    client.force_login(setting["officer"])
    page = client.get(reverse("grievances:detail", args=[grievance.pk])).content.decode()
    assert name not in page and setting["member"].member.staff_number not in page
    client.force_login(setting["chair"])
    page = client.get(reverse("grievances:detail", args=[grievance.pk])).content.decode()
    assert name in page


def test_the_chairs_queue_says_the_case_came_up_overdue(client, setting, escalated):
    other = GrievanceFactory(category=setting["category"], assignee=setting["chair"])
    client.force_login(setting["chair"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("grievances:queue")).content.decode()
    assert html.count("Overdue and not resolved; now under your supervision") == 1
    row = html.split(f'data-case="{escalated.pk}"')[1].split("</li>")[0]
    assert "now under your supervision" in row
    assert (
        "now under your supervision"
        not in html.split(f'data-case="{other.pk}"')[1].split("</li>")[0]
    )
    client.cookies["django_language"] = "zh-hans"
    assert "逾期未办结，已转由您督办" in client.get(reverse("grievances:queue")).content.decode()


# The liaison's hand-over -------------------------------------------------------------------


@pytest.fixture
def at_university(setting):
    grievance = file(setting["member"], setting["category"])
    services.grievance_forward(actor=setting["chair"], grievance=grievance, text="")
    grievance.refresh_from_db()
    return grievance


def test_a_liaison_hands_a_university_case_to_a_colleague(client, setting, branch, at_university):
    colleague = user_with_role("liaison", branch)
    client.force_login(setting["liaison"])
    page = client.get(reverse("grievances:detail", args=[at_university.pk])).content.decode()
    assert 'data-testid="assign-form"' in page
    response = client.post(
        reverse("grievances:assign", args=[at_university.pk]), {"assignee": colleague.pk}
    )
    assert response.status_code == 302
    at_university.refresh_from_db()
    assert at_university.assignee == colleague
    assert Notification.objects.filter(
        user=colleague, key__startswith=f"grievance-assigned:{at_university.pk}"
    ).exists()
    # The first liaison was an owner: they still read it.
    assert may_read_as_handler(setting["liaison"], at_university)


def test_a_university_case_goes_to_liaisons_only_and_not_by_the_chair(
    client, setting, at_university
):
    with pytest.raises(services.GrievanceRuleError, match="university union"):
        services.grievance_assign(
            actor=setting["liaison"], grievance=at_university, assignee=setting["officer"]
        )
    client.force_login(setting["chair"])
    response = client.post(
        reverse("grievances:assign", args=[at_university.pk]), {"assignee": setting["chair"].pk}
    )
    assert response.status_code == 403
    at_university.refresh_from_db()
    assert at_university.assignee == setting["liaison"]


def test_at_the_chairs_level_the_case_stays_with_a_chair(setting, escalated):
    with pytest.raises(services.GrievanceRuleError, match="chair"):
        services.grievance_assign(
            actor=setting["chair"], grievance=escalated, assignee=setting["officer"]
        )


@pytest.mark.parametrize("size", [10, 500])
def test_the_liaisons_queue_costs_a_fixed_number_of_queries(
    client, setting, branch, size, django_assert_max_num_queries
):
    cases = Grievance.objects.bulk_create(
        GrievanceFactory.build(
            category=setting["category"],
            branch=branch,
            filer=setting["member"],
            filer_member=setting["member"].member,
            level=Level.UNIVERSITY,
            assignee=setting["liaison"],
        )
        for _ in range(size)
    )
    GrievanceEvent.objects.bulk_create(
        GrievanceEvent(grievance=c, kind="escalated", level="university", status="new")
        for c in cases
    )
    client.force_login(setting["liaison"])
    with django_assert_max_num_queries(9):
        response = client.get(reverse("grievances:queue"))
    assert response.context["page"].paginator.count == size
    assert response.content.decode().count('data-testid="case-supervising"') == min(size, 25)


def test_an_officer_removed_from_office_keeps_no_case_earlier_or_current(
    client, setting, escalated
):
    """Review: owning a case once is no licence for life. The officer who let the
    deadline pass leaves the committee (the role is removed, the member stays on
    the roster): the case page and the note form answer 404, as for any member."""
    officer = setting["officer"]
    detail = reverse("grievances:detail", args=[escalated.pk])
    note = reverse("grievances:action", args=[escalated.pk, "note"])
    client.force_login(officer)
    assert client.get(detail).status_code == 200
    BranchRole.objects.filter(user=officer).delete()
    assert client.get(detail).status_code == 404
    before = escalated.events.count()
    assert client.post(note, {"text": "还想看看"}).status_code == 404
    assert escalated.events.count() == before
    # The same for a current owner: the routed 临港 officer leaves office while
    # holding a new case; the chair still reads it and can hand it on.
    lingang = setting["lingang"]
    grievance = file(setting["far_member"], setting["category"])
    assert grievance.assignee == lingang
    BranchRole.objects.filter(user=lingang).delete()
    lingang = type(lingang).objects.get(pk=lingang.pk)
    assert not may_read_as_handler(lingang, grievance)
    assert not may_act_as_handler(lingang, grievance)
    client.force_login(lingang)
    assert client.get(reverse("grievances:detail", args=[grievance.pk])).status_code == 404
    assert may_read_as_handler(setting["chair"], grievance)


def test_an_officer_the_chair_moves_off_a_case_keeps_nothing_of_it(client, setting):
    """Review: only going up a level leaves the earlier owner reading. A case the
    chair takes from the routed officer at the same level (the complaint is about
    them, say) is closed to that officer, also after it later goes up."""
    lingang, chair = setting["lingang"], setting["chair"]
    grievance = file(setting["far_member"], setting["category"], when=at(date(2026, 3, 2)))
    assert grievance.assignee == lingang
    services.grievance_assign(actor=chair, grievance=grievance, assignee=setting["officer"])
    detail = reverse("grievances:detail", args=[grievance.pk])
    note = reverse("grievances:action", args=[grievance.pk, "note"])
    client.force_login(lingang)
    assert client.get(detail).status_code in (403, 404)
    before = grievance.events.count()
    assert client.post(note, {"text": "我想解释一下"}).status_code in (403, 404)
    assert grievance.events.count() == before
    assert services.grievance_escalate_overdue(now=at(date(2026, 3, 6), 1)) == 1
    grievance.refresh_from_db()
    assert not may_read_as_handler(lingang, grievance)
    # The officer who held it when it went up still reads it.
    assert may_read_as_handler(setting["officer"], grievance)
