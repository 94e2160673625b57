"""Demo award rounds (评优) of the first branch: one taking nominations, one whose
proposed winners are in their objection period with the demo officer among them
(so the demo member's objection went to the university liaison), and one with
its result. Idempotent: nothing is added once the branch has a round."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from members.models import BranchRole, Member
from notices import services as notice_services

from . import services
from .models import AwardRound


def _round(officer, branch, title, award, opens, closes, places=3):
    award_round = services.round_create(
        actor=officer, branch_id=branch.pk, title=title, award=award, places=places,
        criteria="热心工会工作，全年参加工会活动不少于3次，群众评议优秀。",
        opens_on=opens, closes_on=closes,
    )  # fmt: skip
    services.round_publish(
        actor=officer,
        award_round=award_round,
        now=timezone.make_aware(timezone.datetime.combine(opens, timezone.datetime.min.time())),
    )
    award_round.refresh_from_db()
    return award_round


def _second_officer(branch):
    """A committee member of the branch without a demo sign-in: an officer named
    in a round cannot pick its shortlist, so someone else on the committee does."""
    member = (
        Member.objects.filter(branch=branch, user__isnull=True, status=Member.Status.ACTIVE)
        .order_by("staff_number")
        .first()
    )
    user = get_user_model().objects.create_user(
        username=f"committee-{member.staff_number}", email="", password=None
    )
    member.user = user
    member.save(update_fields=["user"])
    BranchRole.objects.create(user=user, branch=branch, role="officer")
    return user


def load_demo_awards(*, branch, officer, chair, member):
    if AwardRound.objects.filter(branch=branch).exists():
        return
    today = timezone.localdate()
    year = today.year
    colleagues = list(
        Member.objects.filter(branch=branch, status=Member.Status.ACTIVE, user__isnull=True)
        .exclude(pk=member.pk)
        .order_by("staff_number")[1:8]
    )
    me, officer_member = member, Member.objects.get(user=officer)

    # 1. Taking nominations now.
    open_round = _round(officer, branch, f"{year} 年度优秀工会会员评选", "优秀工会会员",
                        today - timedelta(days=3), today + timedelta(days=11))  # fmt: skip
    for nominee, reason in [(colleagues[0], "热心组织系部活动，全年参加活动 8 次。"),
                            (colleagues[1], "积极参与帮扶困难职工走访。")]:  # fmt: skip
        services.nomination_create(
            actor=member.user, award_round=open_round, nominee=nominee, reason=reason
        )

    # 2. Proposed winners in their objection period, the demo officer among them.
    committee = _second_officer(branch)
    opens, closes = today - timedelta(days=20), today - timedelta(days=6)
    shortlist = _round(officer, branch, f"{year} 年度工会积极分子评选", "工会积极分子",
                       opens, closes, places=2)  # fmt: skip
    services.nomination_create(
        actor=me.user, award_round=shortlist, nominee=officer_member,
        reason="组织秋季健步走，服务两个校区的会员。", today=opens,
    )  # fmt: skip
    services.nomination_create(actor=chair, award_round=shortlist, nominee=colleagues[2],
                               reason="长期担任工会小组长。", today=opens)  # fmt: skip
    services.nomination_create(actor=chair, award_round=shortlist, nominee=colleagues[3],
                               reason="热心公益。", today=opens)  # fmt: skip
    services.shortlist_submit(
        actor=committee, award_round=shortlist,
        nominee_ids=[officer_member.pk, colleagues[2].pk],
    )  # fmt: skip
    shortlist.refresh_from_db()
    notice_services.notice_approve(actor=chair, notice=shortlist.notice)
    notice_services.notice_publish(
        actor=committee, notice=shortlist.notice, now=timezone.now() - timedelta(days=1)
    )
    notice_services.objection_file(
        user=me.user, member=me, notice=shortlist.notice,
        text="王建国同志今年参加活动次数是否达到评选条件？",
    )  # fmt: skip

    # 3. Decided: the objection period is long over.
    opens, closes = today - timedelta(days=80), today - timedelta(days=60)
    decided = _round(officer, branch, f"{year} 年度三八红旗手评选", "三八红旗手",
                     opens, closes, places=1)  # fmt: skip
    services.nomination_create(
        actor=me.user, award_round=decided, nominee=colleagues[4],
        reason="教学与工会工作兼顾，深受同事好评。", today=opens,
    )  # fmt: skip
    services.shortlist_submit(
        actor=officer, award_round=decided, nominee_ids=[colleagues[4].pk],
        today=closes + timedelta(days=1),
    )  # fmt: skip
    decided.refresh_from_db()
    notice_services.notice_approve(actor=chair, notice=decided.notice)
    notice_services.notice_publish(
        actor=officer, notice=decided.notice, now=timezone.now() - timedelta(days=55)
    )
    notice_services.notice_close_periods(now=timezone.now())
