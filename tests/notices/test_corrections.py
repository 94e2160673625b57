"""Issue 10, defect 6: money and winners change only in the open. A correction
waits for a chair of the branch who did not write it; readers keep seeing the
approved version until then; approval opens a new objection period and tells the
branch what changed. Nobody approves their own notice."""

import io
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from members.models import BranchRole
from notices import services
from notices.demo import load_demo_notices
from notices.models import AwardResult, FundLine, Notice, NoticeVersion
from tests.factories import category_id, fund_notice, user_with_role
from tests.notices import at
from union_portal.core.models import Notification

pytestmark = pytest.mark.django_db
Status, Review = Notice.Status, NoticeVersion.Review
TITLE = "春季慰问经费公示"
FRIEND = "OFFICER-FRIEND LTD"


@pytest.fixture
def final(branch, people):
    """A fund notice published on Mon 1 Sept 2025, final since its period closed."""
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                         amounts=["1200.00", "300.50"], title=TITLE,
                         now=at(date(2025, 9, 1)))  # fmt: skip
    assert services.notice_close_periods(now=at(date(2025, 9, 10))) == 1
    notice.refresh_from_db()
    assert notice.status == Status.FINAL
    return notice


def correct(notice, actor, reason="发票金额录入有误"):
    """The issue's correction: the second line's payee and amount replaced."""
    return services.notice_correct(
        actor=actor, notice=notice, reason=reason,
        version=NoticeVersion(title=f"{TITLE}（更正）", body="更正后的说明"),
        lines=[
            FundLine(date=date(2026, 3, 1), note="用途0", payee="某某公司",
                     amount=Decimal("1200.00")),
            FundLine(date=date(2026, 3, 1), note="用途1", payee=FRIEND,
                     amount=Decimal("99999.00")),
        ],
    )  # fmt: skip


def _xlsx_text(content):
    sheet = load_workbook(io.BytesIO(content)).active
    return " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)


def public_surfaces(client, notice):
    """What a signed-out reader gets from every surface, as one text."""
    get = client.get
    text = get(reverse("notices:detail", args=[notice.pk])).content.decode()
    text += get(reverse("notices:export_csv", args=[notice.pk])).content.decode("utf-8-sig")
    text += _xlsx_text(get(reverse("notices:export_xlsx", args=[notice.pk])).content)
    text += get(reverse("notices:feed")).content.decode()
    text += get(reverse("notices:list")).content.decode()
    text += get(reverse("notices:summary") + "?year=2025").content.decode()
    text += get(reverse("notices:summary_csv") + "?year=2025").content.decode("utf-8-sig")
    text += _xlsx_text(get(reverse("notices:summary_xlsx") + "?year=2025").content)
    return text


def test_readers_see_the_approved_version_until_another_chair_approves(client, people, final):
    correction = correct(final, people["officer"])
    assert correction.number is None and correction.review == Review.PENDING
    final.refresh_from_db()
    assert final.status == Status.FINAL and final.current.number == 1
    before = public_surfaces(client, final)
    for hidden in (FRIEND, "99999", "99,999", "101199", "更正后的说明", "（更正）"):
        assert hidden not in before, hidden
    assert "300.50" in before and "1500.50" in before
    assert client.get(reverse("notices:version", args=[final.pk, 2])).status_code == 404
    assert client.get(reverse("notices:diff", args=[final.pk, 2])).status_code == 404
    # The chair was asked; the officer cannot approve their own correction.
    assert Notification.objects.filter(user=people["chair"], key__startswith="notice-correction:")
    with translation.override("en"), pytest.raises(services.NoticeRuleError, match="Only a chair"):
        services.correction_approve(actor=people["officer"], notice=final)

    services.correction_approve(actor=people["chair"], notice=final, now=at(date(2025, 9, 30)))
    final.refresh_from_db()
    assert final.status == Status.PUBLISHED and final.current.number == 2
    after = public_surfaces(client, final)
    assert FRIEND in after and "99999.00" in after and "101199.00" in after
    assert f"{TITLE}（更正）" in after and "更正后的说明" in after
    # The old version stays readable, with what changed.
    first = client.get(reverse("notices:version", args=[final.pk, 1])).content.decode()
    assert "300.50" in first and FRIEND not in first
    diff = client.get(reverse("notices:diff", args=[final.pk, 2])).content.decode()
    assert "diff-del" in diff and "300.50" in diff and FRIEND in diff


def test_approval_opens_a_new_period_across_national_day_and_the_beat_closes_it_once(people, final):
    correct(final, people["officer"])
    # Tue 30 Sept 2025; 1–8 Oct off, Sat 11 Oct a make-up day: 9, 10, 11, 13, 14 Oct.
    services.correction_approve(actor=people["chair"], notice=final, now=at(date(2025, 9, 30)))
    final.refresh_from_db()
    assert final.status == Status.PUBLISHED and final.finalised_at is None
    assert final.objection_closes_on == date(2025, 10, 14)
    assert final.published_at == at(date(2025, 9, 1))  # first published then, still
    # Members object to the new version during the new period.
    objection = services.objection_file(
        user=people["member"], member=people["member"].member, notice=final, text="为何改收款方？",
        now=at(date(2025, 10, 14)),
    )  # fmt: skip
    assert objection.version_id == final.current_id
    assert services.notice_close_periods(now=at(date(2025, 10, 14), 23)) == 0
    assert services.notice_close_periods(now=at(date(2025, 10, 15))) == 1
    assert services.notice_close_periods(now=at(date(2025, 10, 15))) == 0  # run twice
    final.refresh_from_db()
    assert final.status == Status.FINAL


def test_the_branch_is_told_what_changed(people, final):
    people["member"].language = "en"
    people["member"].save(update_fields=["language"])
    correct(final, people["officer"], reason="第二笔收款方录入有误")
    services.correction_approve(actor=people["chair"], notice=final, now=at(date(2025, 9, 30)))
    told = Notification.objects.get(user=people["member"], key__startswith="notice-corrected:")
    assert told.subject == f"Corrected: {TITLE}（更正）"
    assert "Reason: 第二笔收款方录入有误" in told.body
    assert "Lines: 0 added, 0 removed, 1 changed." in told.body
    assert "New total: ¥101,199.00 (was ¥1,500.50)." in told.body
    assert "Objections are possible until 2025-10-14." in told.body
    assert told.url == reverse("notices:detail", args=[final.pk])
    # Told once, in each member's language (the officer reads Chinese).
    in_chinese = Notification.objects.get(user=people["officer"], key=told.key)
    assert "101,199.00" in in_chinese.body and "第二笔收款方录入有误" in in_chinese.body
    assert "Lines" not in in_chinese.body


def test_award_winners_corrected_are_counted(branch, people):
    award = services.notice_create(
        actor=people["officer"], branch_id=branch.pk, kind="award", visibility="public",
        version=NoticeVersion(title="评优结果", body="名单", criteria="标准"),
        awards=[AwardResult(winner="张三", department="软件工程系", award="优秀会员"),
                AwardResult(winner="李四", department="软件工程系", award="优秀会员")],
    )  # fmt: skip
    services.notice_submit(actor=people["officer"], notice=award)
    services.notice_approve(actor=people["chair"], notice=award)
    services.notice_publish(actor=people["officer"], notice=award)
    services.notice_correct(
        actor=people["officer"], notice=award, reason="换人",
        version=NoticeVersion(title="评优结果", body="名单", criteria="标准"),
        awards=[AwardResult(winner="张三", department="软件工程系", award="优秀会员"),
                AwardResult(winner="王五", department="软件工程系", award="优秀会员"),
                AwardResult(winner="赵六", department="学院办公室", award="优秀会员")],
    )  # fmt: skip
    services.correction_approve(actor=people["chair"], notice=award)
    told = Notification.objects.get(user=people["officer"], key__startswith="notice-corrected:")
    assert "1 added, 0 removed, 1 changed" in told.body or "新增 1" in told.body


def test_only_one_correction_waits_at_a_time(client, people, final):
    correct(final, people["officer"])
    with pytest.raises(services.NoticeRuleError, match="already awaiting approval"):
        correct(final, people["chair"])
    client.force_login(people["chair"])
    client.cookies["django_language"] = "en"
    response = client.get(reverse("notices:correct", args=[final.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("notices:correction", args=[final.pk])
    assert "already awaiting approval" in response.content.decode()
    assert final.versions.filter(review=Review.PENDING).count() == 1


def test_forged_posts_cannot_approve_a_correction(client, people, final):
    url = reverse("notices:step", args=[final.pk, "approve_correction"])
    correct(final, people["chair"], reason="主席自己改")
    client.cookies["django_language"] = "en"
    expected = {"officer": 403, "member": 403, "other_officer": 404, "liaison": 403}
    for role, status in expected.items():
        client.force_login(people[role])
        assert client.post(url).status_code == status, role
    # The chair wrote this correction, and the branch has no other chair.
    client.force_login(people["chair"])
    response = client.post(url, follow=True)
    page = response.content.decode()
    assert "another chair of the branch must approve" in page and "no other chair" in page
    final.refresh_from_db()
    assert final.current.number == 1 and final.status == Status.FINAL
    assert final.versions.get(review=Review.PENDING).number is None
    # A second chair, who did not write it, may.
    second = user_with_role("chair", final.branch)
    client.force_login(second)
    client.post(url)
    final.refresh_from_db()
    assert final.current.number == 2 and final.current.reviewed_by == second


def test_approving_twice_publishes_once(client, people, final):
    correct(final, people["officer"])
    client.force_login(people["chair"])
    client.cookies["django_language"] = "en"
    url = reverse("notices:step", args=[final.pk, "approve_correction"])
    client.post(url)
    response = client.post(url, follow=True)
    assert "No correction of this notice is awaiting approval" in response.content.decode()
    final.refresh_from_db()
    assert final.current.number == 2 and final.versions.count() == 2
    assert Notification.objects.filter(user=people["member"], key__startswith="notice-corrected")
    assert (
        Notification.objects.filter(
            user=people["member"], key__startswith="notice-corrected"
        ).count()
        == 1
    )


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_the_same_moment_publish_once(branch, people):
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published")
    correct(notice, people["officer"])
    barrier, results = threading.Barrier(2), []

    def approve():
        try:
            barrier.wait()
            services.correction_approve(actor=people["chair"], notice=notice)
            results.append("approved")
        except services.NoticeRuleError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["approved", "refused"]
    assert list(notice.versions.values_list("number", flat=True).order_by("number")) == [1, 2]
    assert Notification.objects.filter(key__startswith="notice-corrected").count() == (
        Notification.objects.filter(key__startswith="notice-corrected")
        .values("user")
        .distinct()
        .count()
    )


def test_nobody_approves_their_own_notice(client, branch, people):
    chair = people["chair"]
    notice = fund_notice(branch, chair, status="awaiting")
    with pytest.raises(services.NoticeRuleError, match="no other chair"):
        services.notice_approve(actor=chair, notice=notice)
    client.force_login(chair)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert 'data-testid="approval-refusal"' in page and "another chair" in page
    assert reverse("notices:step", args=[notice.pk, "approve"]) not in page
    client.post(reverse("notices:step", args=[notice.pk, "approve"]))
    client.post(reverse("notices:step", args=[notice.pk, "publish"]))
    notice.refresh_from_db()
    assert notice.status == Status.AWAITING and notice.published_at is None
    client.force_login(people["officer"])
    assert client.post(reverse("notices:step", args=[notice.pk, "approve"])).status_code == 403
    # An officer who edited a chair's draft is one of its authors too.
    second = user_with_role("chair", branch)
    draft = fund_notice(branch, people["officer"])
    services.notice_update_draft(
        actor=second, notice=draft, visibility="public", version=NoticeVersion(title="改过"),
        lines=[FundLine(date=date(2026, 3, 1), note="x", payee="y", amount=Decimal("5"))],
    )  # fmt: skip
    services.notice_submit(actor=people["officer"], notice=draft)
    with translation.override("en"), pytest.raises(services.NoticeRuleError, match="another"):
        services.notice_approve(actor=second, notice=draft)
    services.notice_approve(actor=chair, notice=draft)
    services.notice_approve(actor=second, notice=notice)  # not an author of this one
    notice.refresh_from_db()
    assert notice.status == Status.APPROVED and notice.approved_by == second


def test_a_chair_who_submits_is_not_asked_to_approve_it(branch, people):
    notice = fund_notice(branch, people["chair"])
    services.notice_submit(actor=people["chair"], notice=notice)
    assert not Notification.objects.filter(key__startswith="notice-awaiting")


def test_a_correction_sent_back_changes_nothing_and_is_fixed_from_the_comment(
    client, people, final
):
    correct(final, people["officer"])
    with pytest.raises(services.NoticeRuleError, match="Say what should change"):
        services.correction_send_back(actor=people["chair"], notice=final, comment=" ")
    client.force_login(people["chair"])
    client.cookies["django_language"] = "en"
    url = reverse("notices:correction_send_back", args=[final.pk])
    client.post(url, {"reason": "收款方不对，请附发票"})
    correction = final.versions.get(number__isnull=True)
    assert correction.review == Review.SENT_BACK and correction.review_comment
    told = Notification.objects.get(user=people["officer"], key__contains="correction-sent-back")
    assert told.body == "收款方不对，请附发票"
    final.refresh_from_db()
    assert final.current.number == 1 and final.status == Status.FINAL
    assert FRIEND not in public_surfaces(client.__class__(), final)
    # The officer's next correction starts from the one sent back, with the comment.
    client.force_login(people["officer"])
    page = client.get(reverse("notices:correct", args=[final.pk])).content.decode()
    assert 'data-testid="sent-back"' in page and "请附发票" in page and FRIEND in page
    correct(final, people["officer"], reason="按主席意见更正")
    assert final.versions.filter(review=Review.PENDING).count() == 1


def test_a_correction_is_dropped_by_its_author_or_a_chair_only(client, branch, people, final):
    correct(final, people["officer"])
    other = user_with_role("officer", branch)
    with pytest.raises(services.NoticeRuleError, match="author of the correction or a chair"):
        services.correction_drop(actor=other, notice=final)
    client.force_login(people["officer"])
    client.post(reverse("notices:step", args=[final.pk, "drop_correction"]))
    assert final.versions.get(number__isnull=True).review == Review.DROPPED
    final.refresh_from_db()
    assert final.current.number == 1
    # Nothing waits now: a new correction may start.
    correct(final, people["officer"])
    services.correction_drop(actor=people["chair"], notice=final)
    assert final.versions.filter(review=Review.DROPPED).count() == 2


def test_withdrawing_drops_the_waiting_correction(people, final):
    correct(final, people["officer"])
    services.notice_withdraw(actor=people["chair"], notice=final, reason="整体作废")
    assert final.versions.get(number__isnull=True).review == Review.DROPPED
    with pytest.raises(services.NoticeRuleError):
        services.correction_approve(actor=people["chair"], notice=final)


def test_the_officers_review_page_shows_the_correction_and_its_changes(client, people, final):
    correct(final, people["officer"])
    client.cookies["django_language"] = "en"
    client.force_login(people["chair"])
    page = client.get(reverse("notices:correction", args=[final.pk])).content.decode()
    assert FRIEND in page and "Lines: 0 added, 0 removed, 1 changed." in page
    assert reverse("notices:step", args=[final.pk, "approve_correction"]) in page
    detail = client.get(reverse("notices:detail", args=[final.pk])).content.decode()
    assert 'data-testid="pending-correction"' in detail
    assert reverse("notices:correct", args=[final.pk]) not in detail
    client.force_login(people["officer"])  # its author: may drop, not approve
    page = client.get(reverse("notices:correction", args=[final.pk])).content.decode()
    assert "drop_correction" in page and "approve_correction" not in page


def test_an_author_answering_an_objection_is_shown_to_the_chair(client, branch, people):
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published")
    objection = services.objection_file(
        user=people["member"], member=people["member"].member, notice=notice, text="?"
    )
    # Allowed: the officer handles objections, also to a notice they wrote.
    services.objection_answer(actor=people["officer"], objection=objection, text="已核对")
    client.force_login(people["chair"])
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert 'data-testid="answered-by-author"' in page


def test_demo_notices_go_through_approval(branch, people):
    BranchRole.objects.filter(branch=branch).exclude(user=people["chair"]).exclude(
        user=people["officer"]
    ).delete()
    load_demo_notices(branch=branch, officer=people["officer"], chair=people["chair"],
                      member=people["member"].member)  # fmt: skip
    corrected = Notice.objects.get(current__title="教职工羽毛球赛经费使用公示")
    assert corrected.current.number == 2 and corrected.status == Status.FINAL
    assert corrected.current.reviewed_by == people["chair"]
    waiting = NoticeVersion.objects.get(review=Review.PENDING)
    assert waiting.notice.current.number == 1 and waiting.notice.status == Status.PUBLISHED


def _page_lines(lines, total):
    data = {"lines-TOTAL_FORMS": str(total), "lines-INITIAL_FORMS": "0"}
    for i, (purpose, amount) in enumerate(lines):
        data.update({f"lines-{i}-date": "2026-03-01", f"lines-{i}-note": purpose,
                     f"lines-{i}-category": category_id(),
                     f"lines-{i}-payee": "某某公司", f"lines-{i}-amount": amount})  # fmt: skip
    return data


def test_rows_left_as_they_were_are_kept_by_a_correction_and_a_draft_edit(client, branch, people):
    """The correction page fills in the current lines; those left untouched stay
    lines of the correction (they used to be dropped as if empty)."""
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                         amounts=["1200.00", "300.50", "10.00"])  # fmt: skip
    client.force_login(people["officer"])
    page = client.get(reverse("notices:correct", args=[notice.pk]))
    assert page.context["lines"].total_form_count() == 6  # three lines and three empty rows
    data = {
        "title": "工会经费使用公示",
        "body": "",
        "reason": "第二笔金额有误",
        **_page_lines([("用途0", "1200.00"), ("用途1", "350.50"), ("用途2", "10.00")], 6),
    }
    data["lines-2-DELETE"] = "on"  # fmt: skip
    client.post(reverse("notices:correct", args=[notice.pk]), data)
    correction = notice.versions.get(review=Review.PENDING)
    amounts = list(correction.fund_lines.values_list("amount", flat=True))
    assert amounts == [Decimal("1200.00"), Decimal("350.50")]
    # The same on a draft: saving it unchanged keeps its lines.
    draft = fund_notice(branch, people["officer"], amounts=["5.00", "6.00"])
    data = {"title": "草稿", "body": "", "visibility": "public",
            **_page_lines([("用途0", "5.00"), ("用途1", "6.00")], 5)}  # fmt: skip
    client.post(reverse("notices:edit", args=[draft.pk]), data)
    draft.refresh_from_db()
    assert draft.current.title == "草稿" and draft.current.fund_lines.count() == 2


@pytest.mark.parametrize("size", [10, 500])
def test_fixed_queries_for_the_correction_page(
    client, branch, people, size, django_assert_max_num_queries
):
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                         amounts=["1.00"] * size)  # fmt: skip
    correct(notice, people["officer"])
    client.force_login(people["chair"])
    with django_assert_max_num_queries(15):
        response = client.get(reverse("notices:correction", args=[notice.pk]))
    assert FRIEND in response.content.decode()
