"""Markdown fields (event description, notice body): the sanitiser says what it
removed, the Preview button shows the text as readers will see it and never
saves, and saving tells the writer what was removed (issue 15)."""

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation

from events.models import Event
from notices.models import Notice, NoticeVersion
from tests.factories import CampusFactory, EventFactory, category_id, fund_notice
from union_portal.core.markdown import markdown_preview, removed_message, render_markdown

pytestmark = pytest.mark.django_db

DIRTY = (
    "**加粗** 与 [官网](https://union.example.cn)\n\n"
    '<script>alert("x")</script>\n\n'
    '<a href="https://a.example.cn" onclick="steal()">链接</a> '
    "[点我](javascript:alert(1)) <!-- 备注 -->"
)


def _english(text):
    with translation.override("en"):
        return markdown_preview(text)


def test_the_sanitiser_names_each_kind_of_thing_it_removed():
    html, removed = _english(DIRTY)
    assert removed == ["<script> element", "onclick attribute", "javascript: link", "HTML comment"]
    assert "<strong>加粗</strong>" in html and 'href="https://union.example.cn"' in html
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html
    assert html == render_markdown(DIRTY)  # what readers get, exactly


def test_clean_markdown_removes_nothing():
    html, removed = _english("## 小标题\n\n- 一\n- 二\n\n| 项 | 金额 |\n|---|---|\n| 慰问 | 100 |")
    assert removed == [] and "<table>" in html and "<h2>" in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# 大标题", ["<h1> element"]),
        ("![照片](https://x.example.cn/a.png)", ["<img> element"]),
        ('<p style="color:red" title="t">x</p>', ["style attribute"]),
        ("<iframe src='https://x'></iframe><iframe></iframe>", ["<iframe> element"]),
        ("[x](vbscript:msgbox) [y](data:text/html,hi)", ["vbscript: link", "data: link"]),
        ("[相对](/notices/) [邮件](mailto:a@b.cn)", []),
    ],
)
def test_what_is_removed_is_found_by_comparing_before_and_after(text, expected):
    assert _english(text)[1] == expected


def test_the_notice_reads_in_chinese():
    with translation.override("zh-hans"):
        message = removed_message(markdown_preview(DIRTY)[1])
    assert message == (
        "以下内容不允许使用，已删除：<script> 元素、onclick 属性、“javascript:”链接、HTML 注释"
    )


# --- the Preview button --------------------------------------------------------------


def _counts():
    models = [m for m in apps.get_models() if m._meta.app_label in ("notices", "events")]
    return {m._meta.label: m.objects.count() for m in models}


def _notice_post(**more):
    return {
        "title": "三月经费公示", "body": DIRTY, "visibility": "members",
        "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0",
        "lines-0-date": "2026-03-01", "lines-0-note": "慰问",
        "lines-0-category": category_id(), "lines-0-payee": "超市",
        "lines-0-amount": "100.10", **more,
    }  # fmt: skip


@pytest.fixture
def officer(client, people):
    client.force_login(people["officer"])
    client.cookies["django_language"] = "zh-hans"
    return people["officer"]


def _preview_shown(page):
    assert 'data-testid="markdown-preview"' in page
    assert "<strong>加粗</strong>" in page
    assert "以下内容不允许使用，已删除：&lt;script&gt; 元素、onclick 属性" in page


def test_previewing_a_new_notice_saves_nothing_and_keeps_the_form(client, officer):
    before = _counts()
    response = client.post(reverse("notices:create", args=["fund"]), _notice_post(preview="1"))
    page = response.content.decode()
    assert response.status_code == 200
    _preview_shown(page)
    assert _counts() == before
    # Everything typed is on the form again: the text, the visibility, the lines.
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert 'value="三月经费公示"' in page and 'value="超市"' in page
    radios = re.findall(r'<input[^>]*name="visibility"[^>]*>', page)
    checked = [tag for tag in radios if " checked" in tag]
    assert len(checked) == 1 and 'value="members"' in checked[0]
    assert "预览不会保留已选择的附件" in page


def test_saving_after_the_preview_says_what_was_removed(client, officer):
    response = client.post(reverse("notices:create", args=["fund"]), _notice_post(), follow=True)
    page = response.content.decode()
    notice = Notice.objects.get()
    assert "<script" not in render_markdown(notice.current.body)
    assert "以下内容不允许使用，已删除：&lt;script&gt; 元素" in page


def test_saving_clean_text_says_nothing_about_removals(client, officer):
    response = client.post(
        reverse("notices:create", args=["fund"]), _notice_post(body="**干净**"), follow=True
    )
    assert "已删除" not in response.content.decode() and Notice.objects.count() == 1


def test_previewing_a_draft_or_a_correction_changes_nothing(client, officer, branch, people):
    draft = fund_notice(branch, officer)
    published = fund_notice(branch, officer, chair=people["chair"], status="published")
    before = _counts()
    versions = list(NoticeVersion.objects.values_list("pk", "body", "title"))
    for url, more in [
        (reverse("notices:edit", args=[draft.pk]), {}),
        (reverse("notices:correct", args=[published.pk]), {"reason": "金额有误"}),
    ]:
        response = client.post(url, _notice_post(preview="1", title="改过的标题", **more))
        assert response.status_code == 200
        _preview_shown(response.content.decode())
    assert _counts() == before
    assert list(NoticeVersion.objects.values_list("pk", "body", "title")) == versions
    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.status == "draft" and published.status == "published"


def _event_post(campus, **more):
    fmt = "%Y-%m-%dT%H:%M"

    def at(hours):
        return timezone.localtime(timezone.now() + timedelta(hours=hours)).strftime(fmt)

    return {
        "title": "秋季登山", "category": "outing", "description": DIRTY,
        "starts_at": at(240), "ends_at": at(244), "signup_opens_at": at(0),
        "signup_closes_at": at(216), "cancel_deadline": at(192), "online_url": "",
        "trips-TOTAL_FORMS": "0", "trips-INITIAL_FORMS": "0",
        "venues-TOTAL_FORMS": "1", "venues-INITIAL_FORMS": "0",
        "venues-0-campus": campus.pk, "venues-0-place": "北门集合", "venues-0-capacity": "30",
        **more,
    }  # fmt: skip


def test_previewing_an_event_saves_nothing(client, officer, branch):
    campus = CampusFactory(name="江湾校区")
    event = EventFactory(branch=branch, description="原来的说明")
    before = _counts()
    for url in (reverse("events:create"), reverse("events:edit", args=[event.pk])):
        response = client.post(url, _event_post(campus, preview="1"))
        page = response.content.decode()
        assert response.status_code == 200
        _preview_shown(page)
        assert 'value="北门集合"' in page
    assert _counts() == before
    event.refresh_from_db()
    assert event.description == "原来的说明" and event.title != "秋季登山"


def test_saving_an_event_says_what_was_removed(client, officer, branch):
    campus = CampusFactory(name="江湾校区")
    response = client.post(reverse("events:create"), _event_post(campus), follow=True)
    assert Event.objects.filter(title="秋季登山").exists()
    assert "以下内容不允许使用，已删除：&lt;script&gt; 元素" in response.content.decode()


def test_the_forms_have_a_preview_button_after_the_save_button(client, officer):
    for url in (reverse("notices:create", args=["announcement"]), reverse("events:create")):
        page = client.get(url).content.decode()
        save, preview = page.index('data-testid="save"'), page.index('data-testid="preview"')
        assert save < preview  # Enter in a field presses Save, as before
        assert 'name="preview"' in page
