"""A case's history on its page: the latest entries first, older ones a page at a
time, with the same rules as ever (internal notes for the handlers, an anonymous
filer's steps by the day), at the same cost whatever the history's length."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grievances.models import Attachment, GrievanceEvent
from tests.factories import CategoryFactory, GrievanceFactory

pytestmark = pytest.mark.django_db
PER_PAGE = 20


@pytest.fixture
def category(branch, people):
    return CategoryFactory(branch=branch, name="工作环境", default_assignee=people["officer"])


def case_with_history(category, people, steps, *, internal_every=0, **fields):
    """A case assigned to the officer, filed by the member, with `steps` history rows
    numbered 第1步 (oldest) to 第N步 (latest); every `internal_every`-th is an
    internal note."""
    fields.setdefault("filer_member", people["member"].member)
    case = GrievanceFactory(category=category, assignee=people["officer"], **fields)
    GrievanceEvent.objects.bulk_create(
        [
            GrievanceEvent(
                grievance=case,
                kind="note" if internal_every and k % internal_every == 0 else "reply",
                internal=bool(internal_every and k % internal_every == 0),
                actor=people["officer"],
                text=f"第{k}步。",
                level="branch",
                status="in_progress",
            )
            for k in range(1, steps + 1)
        ]
    )
    return case


def steps_shown(response) -> list[int]:
    return [int(n) for n in re.findall(r"第(\d+)步。", response.content.decode())]


def test_case_page_shows_the_latest_entries_first_and_links_the_older_ones(
    client, people, category
):
    case = case_with_history(category, people, 45)
    client.force_login(people["officer"])
    page = client.get(reverse("grievances:detail", args=[case.pk]))
    assert steps_shown(page) == list(range(45, 45 - PER_PAGE, -1))
    older = reverse("grievances:history", args=[case.pk]) + "?page=2"
    assert f'href="{older}"' in page.content.decode()

    second = client.get(older)
    assert steps_shown(second) == list(range(25, 5, -1))
    body = second.content.decode()
    assert f'href="{reverse("grievances:detail", args=[case.pk])}" data-testid="newer-entries"' in (
        body
    )
    assert 'href="?page=3"' in body
    third = client.get(older.replace("page=2", "page=3"))
    assert steps_shown(third) == [5, 4, 3, 2, 1]
    assert 'data-testid="older-entries"' not in third.content.decode()
    assert 'href="?page=2" data-testid="newer-entries"' in third.content.decode()
    # Past the end, or a page number no history could reach: nothing there.
    assert client.get(older.replace("page=2", "page=4")).status_code == 404
    assert client.get(older.replace("page=2", "page=9999999")).status_code == 404
    # A page number that is no number is the first page.
    first = reverse("grievances:history", args=[case.pk]) + "?page=二"
    assert steps_shown(client.get(first)) == steps_shown(page)


def test_a_short_history_has_no_older_entries(client, people, category):
    case = case_with_history(category, people, PER_PAGE)
    client.force_login(people["member"])
    page = client.get(reverse("grievances:detail", args=[case.pk]))
    assert steps_shown(page) == list(range(PER_PAGE, 0, -1))
    assert 'data-testid="older-entries"' not in page.content.decode()


@pytest.mark.parametrize(
    "role, sees_notes",
    [("officer", True), ("chair", True), ("member", False)],
)
def test_older_entries_keep_internal_notes_for_the_handlers(
    client, people, category, role, sees_notes
):
    # Every third step an internal note: they are on every page, the older ones too.
    case = case_with_history(category, people, 60, internal_every=3)
    client.force_login(people[role])
    shown = []
    for number in (1, 2, 3, 4):
        response = client.get(reverse("grievances:history", args=[case.pk]), {"page": number})
        if response.status_code == 404:
            break
        assert "第3步。" not in response.content.decode() or sees_notes
        shown += steps_shown(response)
    visible = [k for k in range(60, 0, -1) if sees_notes or k % 3]
    assert shown == visible


@pytest.mark.parametrize("role", ["other_officer", "liaison"])
def test_older_entries_of_a_case_are_hidden_from_who_may_not_open_it(
    client, people, category, role
):
    case = case_with_history(category, people, 30)
    client.force_login(people[role])
    response = client.get(reverse("grievances:history", args=[case.pk]), {"page": 2})
    assert response.status_code == 404
    client.logout()
    response = client.get(reverse("grievances:history", args=[case.pk]), {"page": 2})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_older_entries_of_an_anonymous_case_show_the_filers_steps_by_the_day(
    client, people, category
):
    case = case_with_history(
        category, people, 25, filer_member=None, filer=None, confidentiality="anonymous",
        receipt_hash="0" * 64,
    )  # fmt: skip
    first = GrievanceEvent.objects.create(
        grievance=case, kind="filer_replied", by_filer=True, text="匿名补充。",
        level="branch", status="in_progress",
    )  # fmt: skip
    # The filer's step is the latest; 25 more after it push it to the older page.
    GrievanceEvent.objects.bulk_create(
        [
            GrievanceEvent(
                grievance=case,
                kind="reply",
                actor=people["officer"],
                text=f"后续{k}。",
                level="branch",
                status="in_progress",
            )  # fmt: skip
            for k in range(PER_PAGE)
        ]
    )
    client.force_login(people["officer"])
    page = client.get(reverse("grievances:history", args=[case.pk]), {"page": 2}).content.decode()
    assert "匿名补充。" in page
    minute = first.created_at.astimezone().strftime("%H:%M")
    at = page.index("匿名补充。")
    entry = page[page.rindex("<li", 0, at) : at]
    day = first.created_at.astimezone().strftime("%Y-%m-%d")
    assert day in entry and f"{day} {minute}" not in entry
    # The subject of a case that is not named stays out of the title.
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert case.subject not in title


def test_case_page_costs_the_same_queries_for_30_and_300_history_rows(
    client, people, category, django_assert_max_num_queries
):
    short = case_with_history(category, people, 30)
    long = case_with_history(category, people, 300)
    counts = {}
    for role in ("officer", "chair", "member"):
        client.force_login(people[role])
        for case in (short, long):
            for url in (
                reverse("grievances:detail", args=[case.pk]),
                reverse("grievances:history", args=[case.pk]) + "?page=2",
            ):
                client.get(url)  # the branch's assignee menu is cached (either case)
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(url).status_code == 200
                counts[role, case.pk == long.pk, "history" in url] = len(queries)
    for role in ("officer", "chair", "member"):
        for older in (False, True):
            assert counts[role, False, older] == counts[role, True, older], (role, older)
    client.force_login(people["chair"])
    with django_assert_max_num_queries(7):
        client.get(reverse("grievances:detail", args=[long.pk]))


def entries(response) -> dict:
    """Each history entry's HTML, by the step number of its text."""
    found = re.findall(
        r'<li class="mb-3[^"]*" data-kind="[^"]*">(.*?)</li>', response.content.decode(), re.S
    )
    return {int(re.search(r"第(\d+)步。", body).group(1)): body for body in found}


def test_history_entries_show_their_own_files_at_one_query_more(
    client, people, category, django_assert_max_num_queries
):
    """Each entry lists the files sent with it, in the order sent, with their size and
    a link; the case page reads them in one more query, and only when it shows any."""
    case = case_with_history(category, people, 25)
    steps = {int(e.text[1:-2]): e for e in case.events.all()}
    without = case_with_history(category, people, 25)
    files = [
        (steps[25], "b" * 32, "image/png", 10),
        (steps[25], "a" * 32, "application/pdf", 2048),
        (steps[3], "c" * 32, "image/jpeg", 5),  # on the older page
    ]
    for number, (event, token, content_type, size) in enumerate(files, start=1):
        Attachment.objects.create(
            grievance=case, event=event, token=token, file=f"grievances/{case.pk}/{token}",
            number=number, content_type=content_type, size=size,
        )  # fmt: skip
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    with CaptureQueriesContext(connection) as plain:
        client.get(reverse("grievances:detail", args=[without.pk]))
    with django_assert_max_num_queries(len(plain) + 1):
        page = client.get(reverse("grievances:detail", args=[case.pk]))
    latest = entries(page)[25]
    first, second = (reverse("grievances:attachment", args=[t]) for t in ("b" * 32, "a" * 32))
    assert latest.index(f'href="{first}">📎 Attachment 1.png</a> <small>(10') < latest.index(
        f'href="{second}">📎 Attachment 2.pdf</a> <small>(2.0'
    )
    assert "Attachment" not in "".join(body for step, body in entries(page).items() if step != 25)
    older = client.get(reverse("grievances:history", args=[case.pk]), {"page": 2})
    assert "Attachment 3.jpg" in entries(older)[3] and "Attachment 1" not in older.content.decode()
