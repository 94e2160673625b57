"""Issue 16, "Notices of the right kind": an announcement (通知公告) has no
objection period; a withdrawn notice's inbox items say so; approving and
publishing are one step where the branch says so."""

import pytest
from django.urls import reverse

from notices import services
from notices.models import BranchNoticeSettings, Notice, NoticeVersion
from tests.factories import fund_notice, user_with_role
from union_portal.core.models import Notification

pytestmark = pytest.mark.django_db
Status = Notice.Status


def announcement(branch, people, *, publish=True):
    notice = services.notice_create(
        actor=people["officer"], branch_id=branch.pk, kind="announcement", visibility="public",
        version=NoticeVersion(title="体检通知", body="请预约。"),
    )  # fmt: skip
    if publish:
        services.notice_submit(actor=people["officer"], notice=notice)
        services.notice_approve(actor=people["chair"], notice=notice)
        services.notice_publish(actor=people["officer"], notice=notice)
        notice.refresh_from_db()
    return notice


def test_an_announcement_is_published_without_an_objection_period(client, branch, people):
    notice = announcement(branch, people)
    assert notice.status == Status.FINAL and notice.objection_closes_on is None
    assert not services.objection_period_open(notice)
    told = Notification.objects.get(user=people["member"], key=f"notice-published:{notice.pk}")
    assert "Objections" not in told.body and "异议" not in told.body
    client.force_login(people["member"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert 'data-testid="objection-form"' not in page and "Objections until" not in page
    assert ">Published<" in page


def test_the_services_refuse_an_objection_to_an_announcement(client, branch, people):
    notice = announcement(branch, people)
    # Even forced into an objection period, an announcement takes no objection.
    Notice.objects.filter(pk=notice.pk).update(
        status=Status.PUBLISHED, objection_closes_on="2100-01-01"
    )
    notice.refresh_from_db()
    with pytest.raises(services.NoticeRuleError, match="An announcement has no objection period"):
        services.objection_file(
            user=people["member"], member=people["member"].member, notice=notice, text="反对"
        )
    client.force_login(people["member"])
    response = client.post(reverse("notices:object", args=[notice.pk]), {"text": "反对"})
    assert response.status_code == 302 and not notice.objections.exists()


def test_fund_and_award_notices_keep_their_objection_period(branch, people):
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published")
    assert notice.status == Status.PUBLISHED and services.objection_period_open(notice)


def test_a_corrected_announcement_stays_without_a_period(branch, people):
    notice = announcement(branch, people)
    services.notice_correct(actor=people["officer"], notice=notice, reason="时间有误",
                            version=NoticeVersion(title="体检通知（更正）"))  # fmt: skip
    services.correction_approve(actor=people["chair"], notice=notice)
    notice.refresh_from_db()
    assert notice.status == Status.FINAL and notice.objection_closes_on is None
    told = Notification.objects.get(user=people["member"], key__startswith="notice-corrected:")
    assert "Objections" not in told.body


def test_a_withdrawn_notices_inbox_items_say_so(client, branch, people):
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published")
    services.notice_correct(actor=people["officer"], notice=notice, reason="更正",
                            version=NoticeVersion(title="更正"),
                            lines=list(notice.current.fund_lines.all()))  # fmt: skip
    people["member"].language = "en"
    people["member"].save(update_fields=["language"])
    services.notice_withdraw(actor=people["chair"], notice=notice, reason="金额有误，作废")
    told = Notification.objects.get(user=people["member"], key=f"notice-published:{notice.pk}")
    assert told.subject.startswith("[Withdrawn] ")
    assert "This notice was withdrawn." in told.body and "金额有误，作废" in told.body
    assert "Objections are possible" not in told.body
    # The chair was asked to review the correction: that link is gone with it.
    review = Notification.objects.get(user=people["chair"], key__startswith="notice-correction:")
    assert review.subject.startswith("【已撤回】")
    assert review.url == reverse("notices:detail", args=[notice.pk])
    client.force_login(people["member"])
    client.cookies["django_language"] = "en"
    inbox = client.get(reverse("core:inbox")).content.decode()
    assert "[Withdrawn]" in inbox


def test_approving_publishes_at_once_where_the_branch_says_so(client, branch, people):
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="awaiting")
    services.notice_settings_save(actor=people["chair"], branch_id=branch.pk,
                                  publish_on_approval=True)  # fmt: skip
    client.force_login(people["chair"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert "Approve and publish" in page
    response = client.post(reverse("notices:step", args=[notice.pk, "approve"]), follow=True)
    assert "Approved and published." in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == Status.PUBLISHED and notice.published_at and notice.approved_by
    assert Notification.objects.filter(
        user=people["member"], key=f"notice-published:{notice.pk}"
    ).exists()


def test_one_step_still_refuses_approving_ones_own_notice(branch, people):
    services.notice_settings_save(actor=people["chair"], branch_id=branch.pk,
                                  publish_on_approval=True)  # fmt: skip
    own = fund_notice(branch, people["chair"], status="awaiting")
    with pytest.raises(services.NoticeRuleError, match="nobody approves their own notice"):
        services.notice_approve(actor=people["chair"], notice=own)
    own.refresh_from_db()
    assert own.status == Status.AWAITING and own.published_at is None


def test_by_default_approving_does_not_publish(branch, people):
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="approved")
    assert notice.status == Status.APPROVED and notice.published_at is None


def test_only_a_chair_sets_one_step_publishing(client, branch, people):
    with pytest.raises(services.NoticeRuleError, match="Only a chair"):
        services.notice_settings_save(actor=people["officer"], branch_id=branch.pk,
                                      publish_on_approval=True)  # fmt: skip
    client.force_login(people["officer"])
    assert (
        client.post(reverse("notices:settings"), {"publish_on_approval": "on"}).status_code == 403
    )
    client.force_login(people["chair"])
    assert (
        client.post(reverse("notices:settings"), {"publish_on_approval": "on"}).status_code == 302
    )
    assert BranchNoticeSettings.objects.get(branch=branch).publish_on_approval
    # Another branch's chair sets their own branch, never this one.
    other_chair = user_with_role("chair", people["other_officer"].member.branch)
    client.force_login(other_chair)
    client.post(reverse("notices:settings"), {})
    assert BranchNoticeSettings.objects.get(branch=branch).publish_on_approval
