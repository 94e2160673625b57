import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from union_portal.core.models import CalendarYear

pytestmark = pytest.mark.django_db


def test_first_visit_is_chinese_whatever_the_browser_asks(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-CN">' in response.content.decode()


def test_language_switch_is_remembered_and_saved_on_the_account(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("core:set_language"), {"language": "en", "next": "/inbox/"})
    assert response["Location"] == "/inbox/"
    assert client.get("/")["Content-Language"] == "en"
    user.refresh_from_db()
    assert user.language == "en"


@pytest.mark.parametrize(
    "data",
    [
        {"language": "klingon", "next": "/"},
        {"language": "", "next": "/"},
        {"language": "en", "next": "https://evil.example.com/"},
        {},
    ],
)
def test_bad_language_switch_changes_nothing_and_never_leaves_the_site(client, data):
    response = client.post(reverse("core:set_language"), data)
    assert response.status_code == 302
    assert response["Location"] == "/" or response["Location"].startswith("/")
    if data.get("language") != "en":
        assert client.get("/")["Content-Language"] == "zh-hans"


@pytest.mark.parametrize(
    "role, visible, hidden",
    [
        ("member", ["/me/"], ["/roster/", "/admin/"]),
        ("officer", ["/me/", "/roster/"], ["/admin/"]),
        ("chair", ["/me/", "/roster/"], ["/admin/"]),
        ("liaison", [], ["/roster/", "/admin/"]),
    ],
)
def test_navigation_shows_each_role_what_it_may_use(client, people, role, visible, hidden):
    client.force_login(people[role])
    page = client.get("/").content.decode()
    nav = page[page.index("<nav") : page.index("</nav>")]
    for href in visible:
        assert f'href="{href}"' in nav
    for href in hidden:
        assert f'href="{href}"' not in nav


def test_staff_are_warned_when_next_years_schedule_is_missing(client):
    staff = UserFactory(is_staff=True)
    member = UserFactory()
    next_year = timezone.localdate().year + 1
    CalendarYear.objects.filter(year__gte=next_year).delete()
    client.force_login(staff)
    page = client.get("/").content.decode()
    assert 'data-testid="calendar-warning"' in page and str(next_year) in page
    client.force_login(member)
    assert 'data-testid="calendar-warning"' not in client.get("/").content.decode()

    CalendarYear.objects.create(year=next_year, source="admin")
    client.force_login(staff)
    assert 'data-testid="calendar-warning"' not in client.get("/").content.decode()


def test_csv_cells_that_look_like_formulas_stay_text():
    from union_portal.core.downloads import csv_bytes

    text = csv_bytes([["=HYPERLINK(1)", "+1", "-2", "@x", "普通", 5, -3]]).decode("utf-8-sig")
    assert text.strip() == "'=HYPERLINK(1),'+1,'-2,'@x,普通,5,-3"


def test_the_benchmark_floor_runs_no_sql(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(reverse("core:floor")).status_code == 200


def test_xlsx_cells_that_look_like_formulas_stay_text():
    import io

    from openpyxl import load_workbook

    from union_portal.core.downloads import xlsx_bytes

    sheet = load_workbook(io.BytesIO(xlsx_bytes([["=HYPERLINK(1)", "普通", 5]]))).active
    cells = list(sheet.iter_rows())[0]
    assert [c.value for c in cells] == ["=HYPERLINK(1)", "普通", 5]
    assert [c.data_type for c in cells] == ["s", "s", "n"]
