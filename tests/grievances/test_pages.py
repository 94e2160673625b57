import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grievances import services
from grievances.models import Attachment, Grievance, GrievanceEvent
from tests.factories import CategoryFactory, GrievanceFactory
from union_portal.core.models import Notification

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def category(branch, people):
    return CategoryFactory(branch=branch, name="工作环境", default_assignee=people["officer"])


def file_case(client, category, **overrides):
    data = {
        "kind": "grievance",
        "category": category.pk,
        "subject": "实验室通风差",
        "description": "夏天温度超过 35 度。",
        "confidentiality": "named",
    }
    data.update(overrides)
    return client.post(reverse("grievances:file"), data)


def test_member_files_a_named_case_and_follows_it(client, people, category):
    client.force_login(people["member"])
    response = file_case(client, category)
    grievance = Grievance.objects.get()
    assert response["Location"] == reverse("grievances:detail", args=[grievance.pk])
    page = client.get(response["Location"]).content.decode()
    assert "实验室通风差" in page and 'data-testid="timeline"' in page
    mine = client.get(reverse("grievances:mine"))
    assert [c.pk for c in mine.context["page"].object_list] == [grievance.pk]


def test_anonymous_case_receipt_is_shown_once_and_opens_it_from_another_browser(
    client, people, category
):
    client.force_login(people["member"])
    response = file_case(client, category, confidentiality="anonymous")
    receipt = response.context["receipt"]
    grievance = Grievance.objects.get()
    assert grievance.filer_id is None and receipt in response.content.decode()

    from django.test import Client

    stranger = Client()  # another browser, not signed in
    detail = reverse("grievances:detail", args=[grievance.pk])
    assert stranger.get(detail)["Location"].startswith("/accounts/login/")
    stranger.cookies["django_language"] = "en"
    wrong = stranger.post(reverse("grievances:lookup"), {"code": "ABCD-EFGH-JKLM-NPQR-STUV"})
    assert "No case has this receipt code" in wrong.content.decode()
    right = stranger.post(reverse("grievances:lookup"), {"code": receipt.lower()})
    assert right["Location"] == detail
    assert stranger.get(detail).status_code == 200
    stranger.post(reverse("grievances:action", args=[grievance.pk, "message"]), {"text": "补充"})
    assert grievance.events.filter(kind="filer_replied", actor=None).exists()


def test_receipt_lookups_are_rate_limited(client, people, category, settings):
    settings.GRIEVANCE_RECEIPT_LOOKUPS_PER_10_MIN = 3
    cache.clear()
    client.force_login(people["member"])
    receipt = file_case(client, category, confidentiality="anonymous").context["receipt"]
    from django.test import Client

    guesser = Client()
    guesser.cookies["django_language"] = "en"
    for _ in range(3):
        guesser.post(reverse("grievances:lookup"), {"code": "WRONG-CODE"})
    blocked = guesser.post(reverse("grievances:lookup"), {"code": receipt})
    assert "Too many attempts" in blocked.content.decode()
    assert blocked.status_code == 200


def test_officer_sees_internal_notes_the_filer_never_does(client, people, category):
    grievance = GrievanceFactory(
        category=category, assignee=people["officer"], filer_member=people["member"].member
    )
    client.force_login(people["officer"])
    client.post(
        reverse("grievances:action", args=[grievance.pk, "reply"]),
        {"text": "仅内部：需要问后勤处", "internal": "on"},
    )
    client.post(reverse("grievances:action", args=[grievance.pk, "reply"]), {"text": "已在处理"})
    assert (
        "仅内部" in client.get(reverse("grievances:detail", args=[grievance.pk])).content.decode()
    )
    client.force_login(people["member"])
    page = client.get(reverse("grievances:detail", args=[grievance.pk])).content.decode()
    assert "已在处理" in page and "仅内部" not in page
    assert not Notification.objects.filter(user=people["member"], body__contains="仅内部").exists()


def test_confidential_name_is_for_the_chair_only(client, people, category):
    member = people["member"].member
    grievance = GrievanceFactory(
        category=category,
        assignee=people["officer"],
        filer_member=member,
        confidentiality="confidential",
    )
    client.force_login(people["officer"])
    officer_page = client.get(reverse("grievances:detail", args=[grievance.pk])).content.decode()
    queue_page = client.get(reverse("grievances:queue")).content.decode()
    assert member.name not in officer_page and member.staff_number not in officer_page
    assert member.name not in queue_page
    client.force_login(people["chair"])
    chair_page = client.get(reverse("grievances:detail", args=[grievance.pk])).content.decode()
    assert member.name in chair_page
    # Emails to handlers never carry the name either.
    services.grievance_reply(actor=people["officer"], grievance=grievance, text="收到")
    services.grievance_filer_message(grievance=grievance, user=people["member"], text="谢谢")
    for message in mail.outbox:
        if people["member"].email not in message.to:
            assert member.name not in message.subject + message.body


@pytest.mark.parametrize(
    "role, status", [("officer", 200), ("chair", 200), ("other_officer", 404), ("liaison", 404)]
)
def test_who_may_open_a_branch_case(client, people, category, role, status):
    grievance = GrievanceFactory(category=category, assignee=people["officer"])
    client.force_login(people[role])
    assert client.get(reverse("grievances:detail", args=[grievance.pk])).status_code == status


def test_acting_on_another_branchs_case_changes_nothing(client, people, category):
    grievance = GrievanceFactory(category=category, assignee=people["officer"])
    client.force_login(people["other_officer"])
    for action in ("acknowledge", "reply", "resolve", "forward"):
        response = client.post(
            reverse("grievances:action", args=[grievance.pk, action]), {"text": "x"}
        )
        assert response.status_code == 404
    assert grievance.events.count() == 0
    grievance.refresh_from_db()
    assert grievance.status == "new"


def test_bad_actions_get_a_message_and_change_nothing(client, people, category):
    grievance = GrievanceFactory(
        category=category, assignee=people["officer"], filer_member=people["member"].member
    )
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("grievances:action", args=[grievance.pk, "resolve"]), {"text": ""}, follow=True
    )
    assert response.status_code == 200 and "required" in response.content.decode()
    assert (
        client.post(reverse("grievances:action", args=[grievance.pk, "explode"])).status_code == 404
    )
    client.force_login(people["member"])
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("grievances:action", args=[grievance.pk, "appeal"]), {"text": "不服"}, follow=True
    )
    assert "once a resolution has been proposed" in response.content.decode()
    # The filer cannot use the handler's actions.
    assert (
        client.post(
            reverse("grievances:action", args=[grievance.pk, "resolve"]), {"text": "x"}
        ).status_code
        == 403
    )
    grievance.refresh_from_db()
    assert grievance.status == "new" and not grievance.events.exists()


def test_appeal_twice_and_reply_to_closed_are_refused_in_chinese(client, people, category):
    grievance = GrievanceFactory(
        category=category, assignee=people["officer"], filer_member=people["member"].member
    )
    services.grievance_propose_resolution(actor=people["officer"], grievance=grievance, text="ok")
    services.grievance_appeal(grievance=grievance, user=people["member"], text="不服")
    services.grievance_propose_resolution(actor=people["chair"], grievance=grievance, text="维持")
    client.force_login(people["member"])
    response = client.post(
        reverse("grievances:action", args=[grievance.pk, "appeal"]), {"text": "再次"}, follow=True
    )
    assert "已经申诉过一次" in response.content.decode()
    services.grievance_accept(grievance=grievance, user=people["member"])
    client.force_login(people["chair"])
    response = client.post(
        reverse("grievances:action", args=[grievance.pk, "reply"]), {"text": "x"}, follow=True
    )
    assert "该诉求已办结，如需回复，请先重新办理" in response.content.decode()
    assert grievance.events.filter(kind="appealed").count() == 1


def test_attachments_checked_stored_privately_and_served_to_the_allowed(
    client, people, category, settings
):
    client.force_login(people["member"])
    client.cookies["django_language"] = "en"
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = file_case(client, category, attachments=[fake])
    assert "is not a PDF, PNG or JPEG" in response.content.decode()
    settings.GRIEVANCE_ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("big.pdf", PDF, content_type="application/pdf")
    assert "larger than" in file_case(client, category, attachments=[big]).content.decode()
    assert not Grievance.objects.exists()

    settings.GRIEVANCE_ATTACHMENT_MAX_BYTES = 1024
    good = SimpleUploadedFile("工资条.pdf", PDF, content_type="application/pdf")
    file_case(client, category, attachments=[good])
    stored = Attachment.objects.get()
    assert str(settings.PRIVATE_MEDIA_ROOT) in stored.file.path
    assert not stored.file.path.startswith(str(settings.STATIC_ROOT or "/nonexistent"))
    url = reverse("grievances:attachment", args=[stored.token])
    assert b"".join(client.get(url).streaming_content) == PDF
    client.force_login(people["other_officer"])
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url)["Location"].startswith(reverse("account_login"))


def test_answered_suggestions_are_listed_only_with_consent(client, people, category):
    published = GrievanceFactory(category=category, kind="suggestion", publish_answer=True)
    private = GrievanceFactory(category=category, kind="suggestion", publish_answer=False)
    for case in (published, private):
        services.grievance_propose_resolution(
            actor=people["officer"], grievance=case, text=f"答复{case.pk}"
        )
    client.force_login(people["member"])
    page = client.get(reverse("grievances:suggestions")).content.decode()
    assert f"答复{published.pk}" in page and f"答复{private.pk}" not in page
    assert published.filer_member.name not in page


def _cases(category, n, people):
    cases = [
        GrievanceFactory.build(
            category=category,
            branch=category.branch,
            assignee=people["officer"],
            filer=people["member"],
            filer_member=people["member"].member,
        )
        for _ in range(n)
    ]
    created = Grievance.objects.bulk_create(cases)
    GrievanceEvent.objects.bulk_create(
        [
            GrievanceEvent(grievance=g, kind="filed", text="x", level="branch", status="new")
            for g in created
        ]
    )
    return created


@pytest.mark.parametrize("size", [10, 1000])
def test_case_lists_and_timeline_cost_fixed_queries(
    client, people, category, size, django_assert_max_num_queries
):
    cases = _cases(category, size, people)
    for _ in range(20):
        services.grievance_reply(actor=people["officer"], grievance=cases[0], text="进展")
    client.force_login(people["officer"])
    with django_assert_max_num_queries(6):
        assert client.get(reverse("grievances:queue")).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("grievances:detail", args=[cases[0].pk])).status_code == 200
    client.force_login(people["chair"])
    with django_assert_max_num_queries(7):
        assert client.get(reverse("grievances:detail", args=[cases[0].pk])).status_code == 200
    client.force_login(people["member"])
    with django_assert_max_num_queries(6):
        assert client.get(reverse("grievances:mine")).status_code == 200


def test_dashboard_figures_are_cached_until_a_case_changes(
    client, people, category, settings, django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.PORTAL_MIN_GROUP_SIZE = 1  # one case, shown (small groups: test_small_groups.py)
    case = GrievanceFactory(category=category, assignee=people["officer"])
    client.force_login(people["chair"])
    first = client.get(reverse("grievances:dashboard"))
    with django_assert_max_num_queries(6):  # the layout's queries only
        again = client.get(reverse("grievances:dashboard"))
    assert again.context["data"] == first.context["data"]
    open_before = sum(row["n"] for row in first.context["data"]["open_by_age"])
    with django_capture_on_commit_callbacks(execute=True):
        services.grievance_propose_resolution(actor=people["officer"], grievance=case, text="好")
    after = client.get(reverse("grievances:dashboard")).context["data"]
    assert sum(row["n"] for row in after["open_by_age"]) == open_before - 1


def test_the_assignee_menu_follows_roles_names_and_accounts(client, people, category, branch):
    """The branch's office holders are cached as the case page's assignee menu: a
    new officer, a new name and a disabled account show at once."""
    from tests.factories import user_with_role

    case = GrievanceFactory(category=category, assignee=people["officer"])
    client.force_login(people["chair"])
    url = reverse("grievances:detail", args=[case.pk])
    assert f'<option value="{people["officer"].pk}"' in client.get(url).content.decode()
    newcomer = user_with_role("officer", branch)
    newcomer.first_name, newcomer.last_name = "新来QNEWQ", ""
    newcomer.save()
    assert f'<option value="{newcomer.pk}">新来QNEWQ</option>' in client.get(url).content.decode()
    newcomer.is_active = False
    newcomer.save(update_fields=["is_active"])
    assert "新来QNEWQ" not in client.get(url).content.decode()
