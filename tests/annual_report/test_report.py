from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annual_report import selectors
from annual_report.permissions import INSIDE, PUBLIC
from annual_report.services import report_settings_save
from tests.annual_report.conftest import attend, case, held_event, moment
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def figures(sections):
    """{(section, figure): value} and {(section, figure): url} of a report."""
    values, urls = {}, {}
    for section in sections:
        for figure in section["figures"]:
            values[section["key"], figure["key"]] = figure["value"]
            urls[section["key"], figure["key"]] = figure["url"]
    return values, urls


def rows(sections, key):
    section = next(s for s in sections if s["key"] == key)
    return {str(r["name"]): [f["value"] for f in r["figures"]] for r in section["rows"]}


def page_url(world, branch):
    return reverse("annual_report:year", args=[world["year"]]) + f"?branch={branch.pk}"


def shown(response):
    """The figures a page shows: {(section, figure): value} from its context."""
    return figures(response.context["sections"])[0]


def test_each_section_counts_last_years_data(world, branch):
    sections = selectors.report(branch_ids=[branch.pk], year=world["year"], audience=INSIDE)
    values, _urls = figures(sections)
    assert values["events", "events_held"] == 3
    assert values["events", "far_share"] == 50
    per_campus = rows(sections, "events")
    assert per_campus["江湾校区"][0] == 2 and per_campus["临港校区"][0] == 2
    assert per_campus["临港校区"][2] == 5  # members who attended
    assert values["cases", "filed"] == 6
    assert values["cases", "ack_met"] == 2
    assert values["cases", "resolved"] == 2
    assert values["cases", "resolve_met"] == 1
    assert values["cases", "escalated"] == 1
    assert values["cases", "appealed"] == 1
    assert values["cases", "accepted"] == 1
    # The anonymous case counts in the total only, never per campus.
    assert rows(sections, "cases") == {"江湾校区": [5]}
    assert values["proposals", "filed"] == 2
    assert values["proposals", "accepted"] == 1
    assert values["proposals", "not_accepted"] == 1
    assert values["proposals", "on_time"] == 1
    assert values["money", "spent"] == Decimal("2000.00")
    assert values["money", "notices"] == 2
    assert values["objections", "received"] == 1
    assert values["objections", "answered"] == 0


def test_a_public_reader_counts_public_notices_only(world, branch):
    sections = selectors.report(branch_ids=[branch.pk], year=world["year"], audience=PUBLIC)
    values, _urls = figures(sections)
    assert values["money", "spent"] == world["total"]
    assert values["money", "notices"] == 1
    assert "members" not in str(rows(sections, "money"))


@pytest.mark.parametrize("filers, expected", [(4, "<5"), (5, 5)])
def test_cases_per_campus_are_withheld_under_five(people, branch, campuses, filers, expected):
    year = moment(1, 1).year
    for day in range(filers):
        case(
            branch,
            filed=moment(2, day + 1),
            member=MemberFactory(branch=branch, home_campus=campuses[0]),
        )
    sections = selectors.report(branch_ids=[branch.pk], year=year, audience=INSIDE)
    assert rows(sections, "cases") == {"江湾校区": [expected]}
    assert figures(sections)[0]["cases", "filed"] == filers  # the total is not about a group


@pytest.mark.parametrize("attendees, expected", [(4, "<5"), (5, 5)])
def test_participation_per_campus_is_withheld_under_five(people, branch, campuses, attendees,
                                                         expected):  # fmt: skip
    near, far = campuses
    for campus, n in ((near, 12), (far, 6)):  # 江湾 is the main campus: most members work there
        for _ in range(n):
            MemberFactory(branch=branch, home_campus=campus)
    event, (venue,) = held_event(branch, far)
    attend(event, venue, [MemberFactory(branch=branch, home_campus=far) for _ in range(attendees)])
    sections = selectors.report(branch_ids=[branch.pk], year=moment(1, 1).year, audience=INSIDE)
    assert rows(sections, "events")["临港校区"][2] == expected
    values = figures(sections)[0]
    # A share computed from a withheld campus would give it away.
    assert values["events", "far_share"] == (None if expected == "<5" else 100)


def _count(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    if "cards" in response.context:  # the event list: its cards are cached HTML
        return response.context["count"]
    if "page" in response.context:
        return response.context["page"].paginator.count
    return len(response.context["proposals"])


def test_figures_link_to_lists_showing_the_same_count(client, world, people, branch):
    client.force_login(people["chair"])
    response = client.get(page_url(world, branch))
    values, urls = figures(response.context["sections"])
    checked = [("events", "events_held"), ("cases", "filed"), ("cases", "ack_met"),
               ("cases", "resolve_met"), ("cases", "escalated"), ("cases", "appealed"),
               ("proposals", "filed"), ("proposals", "not_accepted"),
               ("money", "notices")]  # fmt: skip
    for key in checked:
        query = urlparse(urls[key]).query
        assert f"year={world['year']}" in query, key
        assert _count(client, urls[key]) == values[key], key
    # Events per campus open the event list filtered to that campus.
    campus_links = [f["url"] for r in response.context["sections"][0]["rows"] for f in r["figures"]
                    if f["key"] == "events"]  # fmt: skip
    assert sorted(_count(client, url) for url in campus_links) == [2, 2]
    # Each link is on the page as it is in the data.
    assert urls["cases", "ack_met"].replace("&", "&amp;") in response.content.decode()


def test_a_member_opens_the_event_list_behind_the_figure(client, world, people, branch):
    client.force_login(people["member"])
    values, urls = figures(client.get(page_url(world, branch)).context["sections"])
    assert _count(client, urls["events", "events_held"]) == values["events", "events_held"] == 3
    assert _count(client, urls["proposals", "filed"]) == 2


@pytest.mark.parametrize(
    "role, members_only, public",
    [("anonymous", "login", 200), ("member", 200, 200), ("officer", 200, 200),
     ("chair", 200, 200), ("liaison", 200, 200), ("other_officer", 404, 200)],
)  # fmt: skip
def test_who_reads_a_branch_report(client, world, people, branch, role, members_only, public):
    if role != "anonymous":
        client.force_login(people[role])
    for setting, expected in ((False, members_only), (True, public)):
        report_settings_save(actor=people["chair"], branch=branch, public=setting)
        response = client.get(page_url(world, branch))
        if expected == "login":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == expected


def test_an_outsider_of_a_public_report_sees_public_money_only(client, world, people, branch):
    report_settings_save(actor=people["chair"], branch=branch, public=True)
    assert shown(client.get(page_url(world, branch)))["money", "spent"] == world["total"]
    client.force_login(people["other_officer"])
    assert shown(client.get(page_url(world, branch)))["money", "spent"] == world["total"]
    client.force_login(people["member"])
    assert shown(client.get(page_url(world, branch)))["money", "spent"] == Decimal("2000.00")


def test_members_only_figures_cached_are_never_served_to_a_signed_out_reader(
    client, world, people, branch
):
    client.force_login(people["member"])
    assert shown(client.get(page_url(world, branch)))["money", "spent"] == Decimal("2000.00")
    client.logout()
    assert client.get(page_url(world, branch)).status_code == 302
    report_settings_save(actor=people["chair"], branch=branch, public=True)
    response = client.get(page_url(world, branch))
    assert shown(response)["money", "spent"] == world["total"]
    assert "2000.00" not in response.content.decode()


def test_a_new_event_or_case_changes_the_figure_on_the_next_request(
    client, world, people, branch, campuses, django_capture_on_commit_callbacks
):
    client.force_login(people["member"])
    before = shown(client.get(page_url(world, branch)))
    with django_capture_on_commit_callbacks(execute=True):
        held_event(branch, campuses[0], month=10)
    after = shown(client.get(page_url(world, branch)))
    assert after["events", "events_held"] == before["events", "events_held"] + 1
    with django_capture_on_commit_callbacks(execute=True):
        case(branch, filed=moment(11, 2), member=world["near_members"][0])
    assert shown(client.get(page_url(world, branch)))["cases", "filed"] == 7


def _figure_on_page(html, section, key):
    import re

    found = re.search(rf'data-testid="figure-{section}-{key}">.*?data-figure="{key}">([^<]*)<',
                      html, flags=re.S)  # fmt: skip
    return found.group(1)


def test_the_page_shows_the_new_figure_once_the_data_changes(
    client, world, people, branch, django_capture_on_commit_callbacks
):
    """The rendered sections are cached too: they change with the figures."""
    client.force_login(people["member"])
    page = client.get(page_url(world, branch)).content.decode()
    assert _figure_on_page(page, "cases", "filed") == "6"
    assert client.get(page_url(world, branch)).content.decode().count("figure-cases-filed") == 1
    with django_capture_on_commit_callbacks(execute=True):
        case(branch, filed=moment(11, 2), member=world["near_members"][0])
    page = client.get(page_url(world, branch)).content.decode()
    assert _figure_on_page(page, "cases", "filed") == "7"


def test_the_university_page_shows_the_new_figure_once_the_data_changes(
    client, world, people, branch, other_branch, django_capture_on_commit_callbacks
):
    import re

    def filed_cells(html):  # the first line of figures "filed": cases, per branch and total
        row = next(row for row in html.split("<tr>") if 'data-figure="filed"' in row)
        return re.findall(r'data-figure="filed">([^<]*)<', row)

    url = reverse("annual_report:university", args=[world["year"]])
    client.force_login(people["liaison"])
    before = filed_cells(client.get(url).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        case(branch, filed=moment(11, 2), member=world["near_members"][0])
    after = filed_cells(client.get(url).content.decode())
    assert int(after[-1]) == int(before[-1]) + 1  # the total


def test_the_report_is_read_from_the_cache_until_the_data_changes(client, world, people, branch):
    client.force_login(people["member"])
    client.get(page_url(world, branch))
    with CaptureQueriesContext(connection) as queries:
        client.get(page_url(world, branch))
    report_queries = [q for q in queries.captured_queries if "events_event" in q["sql"]
                      or "grievances_grievance" in q["sql"]]  # fmt: skip
    assert report_queries == []


def _cold_queries(client, url):
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_count_is_fixed_whatever_the_data(client, world, people, branch, campuses):
    client.force_login(people["member"])
    small = _cold_queries(client, page_url(world, branch))
    for month in range(1, 12):
        event, (venue,) = held_event(branch, *campuses[:1], month=month)
        attend(event, venue, [MemberFactory(branch=branch, home_campus=campuses[1])
                              for _ in range(3)])  # fmt: skip
        case(branch, filed=moment(month, 5), member=world["far_members"][month % 5])
    assert _cold_queries(client, page_url(world, branch)) == small


@pytest.mark.parametrize(
    "path", ["/report/1900/", "/report/9999/", "/report/99999999999999999999/"]
)
def test_a_year_without_a_report_gets_a_clear_page(client, world, people, path):
    client.force_login(people["member"])
    response = client.get(path)
    assert response.status_code == 404
    assert b'data-testid="no-year"' in response.content


@pytest.mark.parametrize(
    "query", ["?year=abc", "?branch=abc", "?branch=%EF%BC%91", "?branch=999999"]
)
def test_odd_query_strings_never_fail(client, world, people, query):
    client.force_login(people["member"])
    response = client.get(reverse("annual_report:year", args=[world["year"]]) + query)
    assert response.status_code in (200, 404)


def test_officers_choose_who_reads_the_report(client, world, people, branch):
    url = reverse("annual_report:settings")
    client.force_login(people["member"])
    assert client.post(url, {"public": "on"}).status_code == 403
    client.force_login(people["officer"])
    assert client.post(url, {"public": "on", "branch": branch.pk}).status_code == 302
    client.logout()
    assert client.get(page_url(world, branch)).status_code == 200
    client.force_login(people["other_officer"])
    client.post(url, {"branch": branch.pk})  # another branch's officer sets their own only
    client.logout()
    assert client.get(page_url(world, branch)).status_code == 200


def test_the_university_report_puts_every_branch_side_by_side(client, world, people, branch,
                                                              other_branch):  # fmt: skip
    client.force_login(people["liaison"])
    response = client.get(reverse("annual_report:university", args=[world["year"]]))
    assert response.status_code == 200
    events = response.context["sections"][0]["lines"][0]
    by_branch = dict(zip([b.pk for b in response.context["branches"]],
                         [c["value"] for c in events["cells"]], strict=True))  # fmt: skip
    assert by_branch[branch.pk] == 3 and by_branch[other_branch.pk] == 1
    assert events["total"]["value"] == 4
    client.force_login(people["chair"])
    assert client.get(reverse("annual_report:university", args=[world["year"]])).status_code == 403


def test_the_page_has_a_print_stylesheet_and_no_inline_style(client, world, people, branch):
    client.force_login(people["member"])
    html = client.get(page_url(world, branch)).content.decode()
    assert 'report-print.css" media="print"' in html
    assert "style=" not in html


def test_last_years_report_is_offered(client, world, people, branch):
    years = selectors.years_offered([branch.pk])
    assert years[0] == world["year"] + 1 and world["year"] in years
    assert max(years) == moment(1, 1).year + 1  # never a year to come


def test_a_members_only_notice_counts_without_its_title(world, branch):
    """Its title is for the branch on the notice page: not in the report, not in the cache."""
    sections = selectors.report(branch_ids=[branch.pk], year=world["year"], audience=INSIDE)
    money = rows(sections, "money")
    assert money["工会经费使用公示"] == [Decimal("1500.00"), None]
    assert "会员内部公示" not in money
    assert Decimal("500.00") in [values[0] for values in money.values()]
