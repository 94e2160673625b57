"""评优 as a process: criteria → nominations → proposed winners (公示) → result,
with conflicts of interest routed to the university liaison."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from awards import services
from awards.models import AwardRound, Nomination
from notices import services as notice_services
from notices.models import AwardResult, Notice, NoticeVersion
from tests.factories import DepartmentFactory, MemberFactory, user_with_role
from union_portal.core.models import Notification

from .conftest import close_nominations, make_round, member_of

pytestmark = pytest.mark.django_db
Stage = AwardRound.Stage


def nominate(user, award_round, nominee, **kwargs):
    return services.nomination_create(
        actor=user, award_round=award_round, nominee=nominee, reason="热心会员工作", **kwargs
    )


def shortlisted(award_round, people, *nominees, picker="officer"):
    """Nominations made, the period closed, the shortlist picked by `picker`."""
    for nominee in nominees:
        nominator = people["member"] if member_of(people["member"]) != nominee else people["chair"]
        nominate(nominator, award_round, nominee)
    close_nominations(award_round)
    services.shortlist_submit(
        actor=people[picker], award_round=award_round, nominee_ids=[n.pk for n in nominees]
    )
    award_round.refresh_from_db()
    return award_round.notice


def published_shortlist(award_round, people, *nominees, picker="officer"):
    notice = shortlisted(award_round, people, *nominees, picker=picker)
    notice_services.notice_approve(actor=people["chair"], notice=notice)
    notice_services.notice_publish(actor=people["officer"], notice=notice)
    notice.refresh_from_db()
    return notice


def test_a_draft_round_is_published_with_its_criteria_and_members_are_told(branch, people, today):
    award_round = make_round(branch, people["officer"], opens=today, closes=today, publish=False)
    assert award_round.stage(today) == Stage.DRAFT
    services.round_publish(actor=people["officer"], award_round=award_round)
    award_round.refresh_from_db()
    assert award_round.stage(today) == Stage.NOMINATING
    note = Notification.objects.get(user=people["member"], key=f"award-round:{award_round.pk}")
    assert note.subject == "评优推荐开始：2026 年度优秀工会会员评选"  # in the member's language
    with pytest.raises(services.AwardRuleError, match="already published"):
        services.round_publish(actor=people["officer"], award_round=award_round)


def test_a_member_cannot_start_or_publish_a_round(branch, people, today):
    with pytest.raises(services.AwardRuleError, match="Only officers"):
        make_round(branch, people["member"], opens=today, closes=today)
    award_round = make_round(branch, people["officer"], opens=today, closes=today, publish=False)
    with pytest.raises(services.AwardRuleError, match="Only officers"):
        services.round_publish(actor=people["other_officer"], award_round=award_round)


def test_nominations_cannot_close_before_they_open(branch, people, today):
    with pytest.raises(services.AwardRuleError, match="close before"):
        make_round(branch, people["officer"], opens=today, closes=today - timedelta(days=1))


def test_a_member_nominates_a_colleague_once(open_round, people, colleague):
    nomination = nominate(people["member"], open_round, colleague)
    assert nomination.nominee == colleague and nomination.nominator == member_of(people["member"])
    with pytest.raises(services.AwardRuleError, match="already nominated 优秀甲"):
        nominate(people["member"], open_round, colleague)
    # The database holds the rule too, also for two requests at once.
    with pytest.raises(IntegrityError), transaction.atomic():
        Nomination.objects.create(
            round=open_round, nominee=colleague, nominator=member_of(people["member"]),
            user=people["member"], reason="again",
        )  # fmt: skip
    assert Nomination.objects.filter(round=open_round).count() == 1
    # Another member may nominate the same colleague.
    nominate(people["chair"], open_round, colleague)


def test_nobody_nominates_themselves(open_round, people):
    me = member_of(people["member"])
    with pytest.raises(services.AwardRuleError, match="cannot nominate yourself"):
        nominate(people["member"], open_round, me)
    with pytest.raises(IntegrityError), transaction.atomic():
        Nomination.objects.create(
            round=open_round, nominee=me, nominator=me, user=people["member"], reason="我"
        )


def test_nominating_outside_the_period_is_refused(branch, people, colleague, today):
    later = make_round(branch, people["officer"], opens=today + timedelta(days=3),
                       closes=today + timedelta(days=10))  # fmt: skip
    with pytest.raises(services.AwardRuleError, match="accepted from .* only"):
        nominate(people["member"], later, colleague)
    over = close_nominations(make_round(branch, people["officer"], opens=today, closes=today))
    with pytest.raises(services.AwardRuleError, match="accepted from .* only"):
        nominate(people["member"], over, colleague)
    assert not Nomination.objects.exists()


def test_only_active_members_of_the_branch_are_nominated_by_members_of_the_branch(
    open_round, people, other_branch, colleague
):
    stranger = MemberFactory(branch=other_branch)
    with pytest.raises(services.AwardRuleError, match="members of the branch can be nominated"):
        nominate(people["member"], open_round, stranger)
    colleague.status = "retired"
    colleague.save()
    with pytest.raises(services.AwardRuleError, match="members of the branch can be nominated"):
        nominate(people["member"], open_round, colleague)
    with pytest.raises(services.AwardRuleError, match="Only members of the branch can nominate"):
        nominate(people["other_officer"], open_round, member_of(people["member"]))


def test_a_department_nominates_through_an_officer_once_per_nominee(
    open_round, people, colleague, department, other_branch
):
    nominate(people["officer"], open_round, colleague, department=department)
    # The officer may still nominate in their own name.
    nominate(people["officer"], open_round, colleague)
    with pytest.raises(services.AwardRuleError, match="软件工程系 has already nominated"):
        nominate(people["chair"], open_round, colleague, department=department)
    with pytest.raises(services.AwardRuleError, match="Only officers"):
        nominate(people["member"], open_round, colleague, department=department)
    with pytest.raises(services.AwardRuleError, match="department of the branch"):
        nominate(people["officer"], open_round, colleague,
                 department=DepartmentFactory(branch=other_branch))  # fmt: skip


def test_officers_pick_after_nominations_close_and_a_chair_who_did_not_pick_approves(
    open_round, people, colleague
):
    nominate(people["member"], open_round, colleague)
    with pytest.raises(services.AwardRuleError, match="pick after they close"):
        services.shortlist_submit(
            actor=people["officer"], award_round=open_round, nominee_ids=[colleague.pk]
        )
    close_nominations(open_round)
    services.shortlist_submit(
        actor=people["officer"], award_round=open_round, nominee_ids=[colleague.pk]
    )
    open_round.refresh_from_db()
    notice = open_round.notice
    assert notice.kind == Notice.Kind.AWARD and notice.status == Notice.Status.AWAITING
    row = AwardResult.objects.get(version=notice.current)
    assert row.member == colleague and row.winner == "优秀甲" and row.award == "优秀工会会员"
    assert open_round.stage(timezone.localdate()) == Stage.AWAITING
    assert Notification.objects.filter(user=people["chair"], key__startswith="notice-awaiting")
    # The chair who picked would not approve it; here the officer picked.
    notice_services.notice_approve(actor=people["chair"], notice=notice)
    notice_services.notice_publish(actor=people["officer"], notice=notice)
    open_round.refresh_from_db()
    assert open_round.stage(timezone.localdate()) == Stage.PUBLICITY
    with pytest.raises(services.AwardRuleError, match="already picked"):
        services.shortlist_submit(
            actor=people["officer"], award_round=open_round, nominee_ids=[colleague.pk]
        )


def test_a_chair_who_picked_the_shortlist_cannot_approve_it(open_round, people, colleague):
    nominate(people["member"], open_round, colleague)
    close_nominations(open_round)
    services.shortlist_submit(
        actor=people["chair"], award_round=open_round, nominee_ids=[colleague.pk]
    )
    open_round.refresh_from_db()
    with pytest.raises(notice_services.NoticeRuleError, match="nobody approves their own"):
        notice_services.notice_approve(actor=people["chair"], notice=open_round.notice)


def test_the_shortlist_keeps_to_the_places_the_nominees_and_never_the_picker(
    branch, people, colleague, today
):
    award_round = make_round(branch, people["officer"], opens=today, closes=today, places=1)
    other = MemberFactory(branch=branch, name="优秀乙")
    nominate(people["member"], award_round, colleague)
    nominate(people["member"], award_round, other)
    nominate(people["member"], award_round, member_of(people["officer"]))
    close_nominations(award_round)

    def pick(actor, *members):
        services.shortlist_submit(
            actor=people[actor], award_round=award_round, nominee_ids=[m.pk for m in members]
        )

    with pytest.raises(services.AwardRuleError, match="at most 1"):
        pick("officer", colleague, other)
    with pytest.raises(services.AwardRuleError, match="at least one"):
        pick("officer", MemberFactory(branch=branch))  # not nominated
    with pytest.raises(services.AwardRuleError, match="another officer must pick"):
        pick("officer", member_of(people["officer"]))
    award_round.refresh_from_db()
    assert award_round.notice is None
    pick("chair", member_of(people["officer"]))
    assert Nomination.objects.get(nominee=member_of(people["officer"])).picked


def test_a_chair_on_the_shortlist_cannot_approve_it(open_round, people):
    chair = member_of(people["chair"])
    notice = shortlisted(open_round, people, chair)
    with pytest.raises(notice_services.NoticeRuleError, match="among the proposed winners"):
        notice_services.notice_approve(actor=people["chair"], notice=notice)
    second = user_with_role("chair", open_round.branch)
    notice_services.notice_approve(actor=second, notice=notice)


def test_objections_about_a_nominated_officer_go_to_the_liaison_only(open_round, people, colleague):
    officer = member_of(people["officer"])
    people["officer2"] = user_with_role("officer", open_round.branch)
    notice = published_shortlist(open_round, people, colleague, officer, picker="officer2")
    mail.outbox = []
    objection = notice_services.objection_file(
        user=people["member"], member=member_of(people["member"]), notice=notice,
        text="活动次数不够QAWARDOBJQ",
    )  # fmt: skip
    assert objection.to_liaison
    told = set(
        Notification.objects.filter(
            key__startswith=f"notice-objection:{objection.pk}:"
        ).values_list("user__email", flat=True)
    )
    assert told == {people["liaison"].email}
    # Neither the nominated officer nor their colleagues hear of it.
    for role in ("officer", "chair"):
        assert not Notification.objects.filter(user=people[role], body__contains="QAWARDOBJQ")
    with pytest.raises(notice_services.NoticeRuleError, match="not yours to answer"):
        notice_services.objection_answer(actor=people["officer"], objection=objection, text="x")
    with pytest.raises(notice_services.NoticeRuleError, match="not yours to answer"):
        notice_services.objection_answer(actor=people["chair"], objection=objection, text="x")
    notice_services.objection_answer(actor=people["liaison"], objection=objection, text="已核实")
    objection.refresh_from_db()
    assert objection.answered_by == people["liaison"]
    assert Notification.objects.filter(
        user=people["member"], key__startswith="notice-objection-answer"
    )


def test_objections_about_members_only_go_to_the_branch_officers(open_round, people, colleague):
    notice = published_shortlist(open_round, people, colleague)
    objection = notice_services.objection_file(
        user=people["member"], member=member_of(people["member"]), notice=notice, text="?"
    )
    assert not objection.to_liaison
    told = set(
        Notification.objects.filter(
            key__startswith=f"notice-objection:{objection.pk}:"
        ).values_list("user", flat=True)
    )
    assert told == {people["officer"].pk, people["chair"].pk}
    with pytest.raises(notice_services.NoticeRuleError, match="not yours to answer"):
        notice_services.objection_answer(actor=people["liaison"], objection=objection, text="x")
    notice_services.objection_answer(actor=people["officer"], objection=objection, text="好")


def test_an_officer_named_by_a_correction_loses_the_objections_filed_before(
    open_round, people, colleague
):
    notice = published_shortlist(open_round, people, colleague)
    objection = notice_services.objection_file(
        user=people["member"], member=member_of(people["member"]), notice=notice, text="?"
    )
    officer = member_of(people["officer"])
    notice_services.notice_correct(
        actor=people["chair"], notice=notice, reason="补充",
        version=NoticeVersion(title="更正", criteria="c"),
        awards=[AwardResult(member=officer, winner=officer.name, award="优秀工会会员")],
    )  # fmt: skip
    with pytest.raises(notice_services.NoticeRuleError, match="not yours to answer"):
        notice_services.objection_answer(actor=people["officer"], objection=objection, text="x")


def test_the_result_follows_the_objection_period(open_round, people, colleague):
    published_shortlist(open_round, people, colleague)
    from awards import selectors

    assert selectors.result_of(open_round) is None
    after = timezone.now() + timedelta(days=30)
    notice_services.notice_close_periods(now=after)
    open_round.refresh_from_db()
    assert open_round.stage(timezone.localdate()) == Stage.RESULT
    assert [r.member for r in selectors.result_of(open_round)] == [colleague]


def test_a_withdrawn_shortlist_can_be_picked_again(open_round, people, colleague):
    notice = published_shortlist(open_round, people, colleague)
    notice_services.notice_withdraw(actor=people["chair"], notice=notice, reason="重新评议")
    open_round.refresh_from_db()
    assert open_round.stage(timezone.localdate()) == Stage.CLOSED
    assert services.shortlist_allowed(open_round)


def test_award_rows_written_as_text_are_linked_to_the_roster(branch, people, colleague):
    """Existing winners (free text) find their roster entry where one matches; the
    text stays where none does (the data migration and the notice form alike)."""
    import importlib

    from django.apps import apps

    notice = notice_services.notice_create(
        actor=people["officer"], branch_id=branch.pk, kind="award", visibility="public",
        version=NoticeVersion(title="评优", criteria="c"),
        awards=[AwardResult(winner="优秀甲", award="a"), AwardResult(winner="查无此人", award="a")],
    )  # fmt: skip
    rows = list(AwardResult.objects.filter(version=notice.current).order_by("id"))
    assert [r.member for r in rows] == [colleague, None]
    AwardResult.objects.filter(version=notice.current).update(member=None)
    migration = importlib.import_module("notices.migrations.0005_award_winners_are_members")
    migration.link_winners(apps, None)
    rows = list(AwardResult.objects.filter(version=notice.current).order_by("id"))
    assert [(r.member, r.winner) for r in rows] == [(colleague, "优秀甲"), (None, "查无此人")]


def test_a_nominated_officer_cannot_withdraw_the_award_notice_that_names_them(
    open_round, people, colleague
):
    """Review: withdrawing the 公示 ends its objection period, and the objections
    about the officer sit with the liaison: the officer named in it does not get
    to silence them. A colleague who is not named may still withdraw it."""
    officer = member_of(people["officer"])
    people["officer2"] = user_with_role("officer", open_round.branch)
    notice = published_shortlist(open_round, people, colleague, officer, picker="officer2")
    notice_services.objection_file(
        user=people["member"], member=member_of(people["member"]), notice=notice, text="不够格"
    )
    with pytest.raises(notice_services.NoticeRuleError, match="named in"):
        notice_services.notice_withdraw(actor=people["officer"], notice=notice, reason="撤回")
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED
    assert notice_services.objection_period_open(notice)
    notice_services.notice_withdraw(actor=people["officer2"], notice=notice, reason="重新评议")
    notice.refresh_from_db()
    assert notice.status == Notice.Status.WITHDRAWN
