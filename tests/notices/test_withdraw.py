"""Issue 10, defect 5: withdrawing an approved notice that was never published
must not publish it. Only a published notice is withdrawn in public; an approved
one goes back to draft and stays unseen outside the branch's officers."""

import io

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.urls import reverse
from openpyxl import load_workbook

from notices import services
from notices.models import Notice, NoticeAttachment
from tests.factories import fund_notice

pytestmark = pytest.mark.django_db
Status = Notice.Status
SECRET_AMOUNT = "88888.00"
TITLE = "从未发布的公示"


@pytest.fixture
def approved(branch, people):
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="approved",
                         amounts=[SECRET_AMOUNT], title=TITLE)  # fmt: skip
    NoticeAttachment.objects.create(
        version=notice.current, token="w" * 32, name="invoice.pdf",
        content_type="application/pdf", size=4, file=ContentFile(b"%PDF", name="a.pdf"),
    )  # fmt: skip
    return notice


def _xlsx_text(content):
    sheet = load_workbook(io.BytesIO(content)).active
    return " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)


def _everything_a_reader_sees(client, notice):
    """Every surface that shows notices, as one text, and the status of each
    page about this notice."""
    pages = {
        "detail": reverse("notices:detail", args=[notice.pk]),
        "version": reverse("notices:version", args=[notice.pk, 1]),
        "csv": reverse("notices:export_csv", args=[notice.pk]),
        "xlsx": reverse("notices:export_xlsx", args=[notice.pk]),
        "file": reverse("notices:file", args=["w" * 32]),
    }
    statuses = {name: client.get(url).status_code for name, url in pages.items()}
    text = ""
    for name in ("list", "feed", "summary", "summary_csv"):
        text += client.get(reverse(f"notices:{name}")).content.decode("utf-8-sig")
    for year in ("", "?year=2026"):
        text += client.get(reverse("notices:summary") + year).content.decode()
        text += _xlsx_text(client.get(reverse("notices:summary_xlsx") + year).content)
    return statuses, text


def test_withdrawing_an_approved_notice_takes_it_back_to_draft_unseen(client, people, approved):
    reason = "发现金额有误，暂不发布"
    services.notice_withdraw(actor=people["officer"], notice=approved, reason=reason)
    for who in (None, "member", "other_officer", "liaison"):
        client.logout()
        if who:
            client.force_login(people[who])
        statuses, text = _everything_a_reader_sees(client, approved)
        assert set(statuses.values()) == {404}, (who, statuses)
        assert TITLE not in text and "88888" not in text and "88,888" not in text, who
    approved.refresh_from_db()
    assert approved.status == Status.DRAFT
    assert approved.approved_by is None and approved.published_at is None
    assert approved.review_comment == reason
    client.force_login(people["officer"])
    page = client.get(reverse("notices:detail", args=[approved.pk]))
    assert page.status_code == 200 and "88888.00" in page.content.decode()


def test_the_approved_notice_goes_back_to_draft_through_the_page(client, people, approved):
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    url = reverse("notices:withdraw", args=[approved.pk])
    assert "Take the notice back to draft" in client.get(url).content.decode()
    response = client.post(url, {"reason": "预算未定"}, follow=True)
    assert "back in draft" in response.content.decode()
    approved.refresh_from_db()
    assert approved.status == Status.DRAFT
    # Back in draft, it needs the chair's approval again before anyone reads it.
    with pytest.raises(services.NoticeRuleError):
        services.notice_publish(actor=people["officer"], notice=approved)


def test_a_draft_cannot_be_withdrawn(people, branch):
    draft = fund_notice(branch, people["officer"])
    with pytest.raises(services.NoticeRuleError):
        services.notice_withdraw(actor=people["officer"], notice=draft, reason="x")
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_published_notice_withdrawn_stays_readable_as_withdrawn(client, branch, people):
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                         amounts=["321.00"], title="已发布后撤回")  # fmt: skip
    services.notice_withdraw(actor=people["chair"], notice=notice, reason="重复发布")
    notice.refresh_from_db()
    assert notice.status == Status.WITHDRAWN
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert 'data-testid="withdrawn"' in page and "重复发布" in page and "321.00" in page
    feed = client.get(reverse("notices:feed")).content.decode()
    assert "[Withdrawn] 已发布后撤回" in feed or "已撤回" in feed
    assert client.get(reverse("notices:export_csv", args=[notice.pk])).status_code == 200


def test_the_database_refuses_a_readable_notice_that_was_never_published(approved):
    with pytest.raises(IntegrityError):
        Notice.objects.filter(pk=approved.pk).update(status=Status.WITHDRAWN)
