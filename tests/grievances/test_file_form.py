"""The filing form (issue 15): radio buttons with a default and no blank, a
description of at most 10 000 characters with a counter, clear Chinese messages
for a forged or overlong post, and nothing lost or saved when it is refused."""

import re

import pytest
from django.urls import reverse

from grievances.models import Grievance, GrievanceEvent
from tests.factories import CategoryFactory, GrievanceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(branch, people):
    return CategoryFactory(branch=branch, name="工作环境", default_assignee=people["officer"])


@pytest.fixture
def member(client, people):
    client.cookies["django_language"] = "zh-hans"
    client.force_login(people["member"])
    return people["member"]


def _post(client, category, **overrides):
    data = {
        "kind": "grievance",
        "category": category.pk,
        "subject": "实验室通风差",
        "description": "夏天温度超过 35 度。",
        "confidentiality": "named",
    }
    data.update(overrides)
    return client.post(reverse("grievances:file"), {k: v for k, v in data.items() if v is not None})


def _checked(page, name):
    return [
        re.search(r'value="([^"]*)"', tag).group(1)
        for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
        if " checked" in tag
    ]


def test_the_form_offers_no_dashes_and_defaults_to_a_named_grievance(client, member, category):
    page = client.get(reverse("grievances:file")).content.decode()
    assert "---------" not in page
    assert _checked(page, "kind") == ["grievance"]
    assert _checked(page, "confidentiality") == ["named"]
    # Every radio is a real choice: none sends an empty value.
    radios = re.findall(r'<input[^>]*type="radio"[^>]*name="(?:kind|confidentiality)"[^>]*>', page)
    assert len(radios) == 5 and not [r for r in radios if 'value=""' in r]
    assert ">请选择类别…<" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", None, "请选择是诉求还是建议。"),
        ("kind", "complaint", "请选择是诉求还是建议。"),
        ("confidentiality", None, "请选择是否实名：实名、保密或匿名。"),
        ("confidentiality", "secret", "请选择是否实名：实名、保密或匿名。"),
    ],
)
def test_a_forged_choice_is_refused_with_a_message(client, member, category, field, value, message):
    response = _post(client, category, **{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Grievance.objects.exists()


def test_a_description_over_10000_characters_is_refused_and_kept(client, member, category):
    text = "工" * 9_999 + "会办"  # 10 001 characters
    response = _post(client, category, description=text)
    page = response.content.decode()
    assert response.status_code == 200
    assert "不能超过 10000 个字（现有 10001 个字）。" in page
    assert "该变量" not in page
    assert not Grievance.objects.exists() and not GrievanceEvent.objects.exists()
    # What was typed is on the page again, whole, with the rest of the form.
    assert text in page and 'value="实验室通风差"' in page


def test_a_description_of_exactly_10000_characters_is_filed(client, member, category):
    response = _post(client, category, description="会" * 10_000)
    assert response.status_code == 302
    assert len(Grievance.objects.get().description) == 10_000


def test_the_description_carries_its_limit_and_counter(client, member, category):
    page = client.get(reverse("grievances:file")).content.decode()
    box = re.search(r'<textarea[^>]*name="description"[^>]*>', page).group(0)
    assert 'maxlength="10000"' in box
    assert 'data-maxlength-counter="已输入 {count} 字，最多 {max} 字"' in box
    assert "/static/js/maxlength-counter.js" in page


@pytest.mark.parametrize("action", ["reply", "note", "resolve"])
def test_a_reply_or_note_over_5000_characters_is_refused(client, people, category, action):
    grievance = GrievanceFactory(
        category=category, assignee=people["officer"], filer_member=people["member"].member
    )
    client.force_login(people["officer"])
    client.cookies["django_language"] = "zh-hans"
    response = client.post(
        reverse("grievances:action", args=[grievance.pk, action]), {"text": "复" * 5_001},
        follow=True,
    )  # fmt: skip
    assert "不能超过 5000 个字（现有 5001 个字）。" in response.content.decode()
    assert not grievance.events.exists()
