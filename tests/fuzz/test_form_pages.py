"""Every page of the project read as the role the fuzzer uses for it (issue 15):
no choice reads "---------", every search box has a limit the server keeps to,
and a 10 000-character search answers with the list and a message, not 414 or 500.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from union_portal.core.forms import SEARCH_MAX_LENGTH

from .checks import forms_on
from .routes import CASES

pytestmark = pytest.mark.django_db

SEARCH_NAMES = ("q", "search")


def _pages(world):
    """(case id, path, client, html) of every page that answers 200 with HTML."""
    people, objects = world
    clients = {}
    for case in CASES:
        kwargs = case.kwargs(objects)
        if kwargs is None and case.converters:
            continue
        path = reverse(case.name, kwargs=kwargs or {})
        if case.role not in clients:
            client = Client()
            if people.get(case.role) is not None:
                client.force_login(people[case.role])
            clients[case.role] = client
        client = clients[case.role]
        response = client.get(path)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            yield case.id, path, client, response.content.decode()


@pytest.fixture(scope="module")
def pages(world, django_db_blocker):
    with django_db_blocker.unblock():
        return list(_pages(world))


def test_the_sweep_reads_the_form_pages(pages):
    names = {case_id.rsplit("-", 1)[0] for case_id, *_ in pages}
    assert {"grievances:file", "notices:create[fund]", "events:create", "members:create"} <= names


def test_no_page_offers_a_choice_of_dashes(pages):
    dashed = [case_id for case_id, _path, _client, html in pages if "---------" in html]
    assert dashed == []


def _search_boxes(path, html):
    """The search inputs of the page's GET forms that send to the page itself."""
    for form in forms_on(path, html):
        if form.method == "get" and path in form.targets:
            for name in SEARCH_NAMES:
                if name in form.fields:
                    yield name


def test_every_search_box_has_a_limit_and_a_long_search_answers_with_a_message(pages):
    searched = []
    for case_id, path, client, html in pages:
        for name in _search_boxes(path, html):
            box = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
            assert f'maxlength="{SEARCH_MAX_LENGTH}"' in box, case_id
            response = client.get(path, {name: "工会" * 5000})
            assert response.status_code == 200, case_id
            page = response.content.decode()
            assert "搜索词过长，只按前 100 个字搜索。" in page, case_id  # the portal speaks Chinese
            assert "工会" * 51 not in page, case_id  # the box holds the shortened search
            searched.append(case_id.rsplit("-", 1)[0])
    assert {"events:list", "members:roster", "notices:list", "grievances:queue",
            "participation:list", "participation:public_list"} <= set(searched)  # fmt: skip
