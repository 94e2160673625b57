"""The award pages as each person uses them, and the notice page's objections
when an officer is among the proposed winners."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from awards import services
from awards.models import AwardRound, Nomination
from events.models import Registration
from notices import services as notice_services
from notices.models import Objection
from tests.factories import EventFactory, MemberFactory, VenueFactory, user_with_role

from .conftest import close_nominations, make_round, member_of

pytestmark = pytest.mark.django_db


def page(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def attended(member, n, *, year_offset=0):
    """`member` attended `n` past events (this year unless year_offset)."""
    now = timezone.localtime()
    for i in range(n):
        start = now.replace(month=1, day=2 + i, hour=10) if year_offset == 0 else now.replace(
            year=now.year + year_offset, month=6, day=1 + i
        )  # fmt: skip
        event = EventFactory(
            branch=member.branch, starts_at=start, ends_at=start + timedelta(hours=1),
            signup_opens_at=start - timedelta(days=9), signup_closes_at=start - timedelta(days=1),
            cancel_deadline=start - timedelta(days=2), title=f"活动{year_offset}-{i}",
        )  # fmt: skip
        venue = VenueFactory(event=event)
        Registration.objects.create(event=event, member=member, venue=venue, status="attended")


def test_the_round_list_shows_an_empty_state_then_the_branch_rounds_only(
    client, branch, people, today
):
    response = page(client, people["member"], reverse("awards:list"))
    assert 'data-testid="empty"' in response.content.decode()
    make_round(branch, people["officer"], opens=today, closes=today)
    make_round(branch, people["officer"], opens=today, closes=today, publish=False)
    body = page(client, people["member"], reverse("awards:list")).content.decode()
    assert body.count("2026 年度优秀工会会员评选") == 1  # the draft is the officers' only
    body = page(client, people["officer"], reverse("awards:list")).content.decode()
    assert body.count("2026 年度优秀工会会员评选") == 2
    body = page(client, people["other_officer"], reverse("awards:list")).content.decode()
    assert "优秀工会会员评选" not in body


def test_an_officer_creates_a_round_and_confirms_before_publishing(client, people, branch):
    client.force_login(people["officer"])
    today = timezone.localdate()
    form = client.get(reverse("awards:create")).content.decode()
    assert "nominations_close_on" in form
    data = {"branch": branch.pk, "title": "评优", "award": "优秀会员", "places": 2,
            "criteria": "全年参加不少于3次", "nominations_open_on": today,
            "nominations_close_on": today - timedelta(days=1)}  # fmt: skip
    response = client.post(reverse("awards:create"), data)
    assert response.status_code == 200 and not AwardRound.objects.exists()
    assert "推荐截止日期不能早于开始日期。" in response.content.decode()
    data["nominations_close_on"] = today + timedelta(days=7)
    response = client.post(reverse("awards:create"), data)
    award_round = AwardRound.objects.get()
    assert response["Location"] == reverse("awards:detail", args=[award_round.pk])
    confirm = client.get(reverse("awards:publish", args=[award_round.pk])).content.decode()
    assert "全年参加不少于3次" in confirm and 'data-testid="confirm-publish"' in confirm
    award_round.refresh_from_db()
    assert award_round.status == "draft"  # only the POST publishes
    client.post(reverse("awards:publish", args=[award_round.pk]))
    award_round.refresh_from_db()
    assert award_round.status == "open"


def test_a_member_nominates_and_bad_input_changes_nothing(
    client, people, open_round, colleague, other_branch
):
    client.force_login(people["member"])
    url = reverse("awards:nominate", args=[open_round.pk])
    form = client.get(url).content.decode()
    assert "优秀甲" in form and member_of(people["member"]).name not in form  # not oneself
    stranger = MemberFactory(branch=other_branch, name="外院某")
    for nominee in (stranger, member_of(people["member"])):
        response = client.post(url, {"nominee": nominee.pk, "reason": "好"})
        assert response.status_code == 200
        assert "请选择本分工会的在册会员（不能推荐本人）。" in response.content.decode()
    response = client.post(url, {"nominee": colleague.pk, "reason": "热心服务"})
    assert response.status_code == 302
    response = client.post(url, {"nominee": colleague.pk, "reason": "again"}, follow=True)
    assert Nomination.objects.count() == 1
    assert 'data-testid="nomination-form"' in response.content.decode()
    detail = client.get(reverse("awards:detail", args=[open_round.pk])).content.decode()
    assert 'data-testid="my-nominations"' in detail and "优秀甲" in detail


def test_nominating_after_the_period_says_when_it_was_open(client, people, open_round, colleague):
    close_nominations(open_round)
    client.force_login(people["member"])
    url = reverse("awards:nominate", args=[open_round.pk])
    assert 'data-testid="not-open"' in client.get(url).content.decode()
    response = client.post(url, {"nominee": colleague.pk, "reason": "好"}, follow=True)
    assert not Nomination.objects.exists()
    assert open_round.nominations_close_on.isoformat() in response.content.decode()


def test_the_nominations_page_shows_each_nominee_participation_this_year(
    client, people, open_round, colleague, department
):
    attended(colleague, 3)
    attended(colleague, 2, year_offset=-1)  # last year's do not count
    services.nomination_create(
        actor=people["member"], award_round=open_round, nominee=colleague, reason="热心QREASONQ"
    )
    services.nomination_create(
        actor=people["officer"], award_round=open_round, nominee=colleague, reason="小组推荐",
        department=department,
    )  # fmt: skip
    body = page(client, people["officer"], reverse("awards:nominations", args=[open_round.pk]))
    body = body.content.decode()
    assert "QREASONQ" in body and "软件工程系" in body
    assert body.count('data-testid="nominee"') == 1
    assert "年参加活动 3 次" in body


def test_empty_nominations_and_picking_before_the_close(client, people, open_round):
    body = page(client, people["officer"], reverse("awards:nominations", args=[open_round.pk]))
    assert 'data-testid="empty"' in body.content.decode()
    body = page(client, people["officer"], reverse("awards:pick", args=[open_round.pk]))
    assert 'data-testid="not-allowed"' in body.content.decode()


def test_picking_shows_the_list_before_it_goes_to_the_chair(client, people, open_round, colleague):
    services.nomination_create(
        actor=people["member"], award_round=open_round, nominee=colleague, reason="好"
    )
    close_nominations(open_round)
    client.force_login(people["officer"])
    url = reverse("awards:pick", args=[open_round.pk])
    response = client.post(url, {"nominees": [colleague.pk]})
    assert 'data-testid="confirm-pick"' in response.content.decode()
    open_round.refresh_from_db()
    assert open_round.notice is None
    forged = MemberFactory(branch=open_round.branch)
    response = client.post(url, {"nominees": [forged.pk], "confirm": "on"})
    assert response.status_code == 200 and AwardRound.objects.get().notice is None
    response = client.post(url, {"nominees": [colleague.pk], "confirm": "on"})
    open_round.refresh_from_db()
    assert response["Location"] == reverse("notices:detail", args=[open_round.notice_id])


def _conflicted_notice(people, open_round, colleague):
    officer = member_of(people["officer"])
    for nominee in (colleague, officer):
        services.nomination_create(
            actor=people["member"], award_round=open_round, nominee=nominee, reason="好"
        )
    close_nominations(open_round)
    services.shortlist_submit(
        actor=people["chair"], award_round=open_round, nominee_ids=[colleague.pk, officer.pk]
    )
    open_round.refresh_from_db()
    notice = open_round.notice
    notice_services.notice_approve(actor=user_with_role("chair", open_round.branch), notice=notice)
    notice_services.notice_publish(actor=people["chair"], notice=notice)
    return notice


def test_objections_about_a_nominated_officer_reach_the_liaison_page_not_the_branch(
    client, people, open_round, colleague
):
    notice = _conflicted_notice(people, open_round, colleague)
    detail = reverse("notices:detail", args=[notice.pk])
    client.force_login(people["member"])
    response = client.post(reverse("notices:object", args=[notice.pk]),
                           {"text": "次数不够QCOIQ"}, follow=True)  # fmt: skip
    assert "您的异议已提交校工会" in response.content.decode()
    objection = Objection.objects.get()
    for role in ("officer", "chair"):
        body = page(client, people[role], detail).content.decode()
        assert "QCOIQ" not in body
        assert 'data-testid="objections-to-liaison"' in body
        response = client.post(reverse("notices:answer", args=[notice.pk, objection.pk]),
                               {"text": "无此事"})  # fmt: skip
        assert response.status_code == 403
    body = page(client, people["liaison"], detail).content.decode()
    assert "QCOIQ" in body and 'data-testid="answer-form"' in body
    client.post(reverse("notices:answer", args=[notice.pk, objection.pk]), {"text": "已核实"})
    objection.refresh_from_db()
    assert objection.answer == "已核实"
    # The inbox of the branch's officers says nothing of it.
    for role in ("officer", "chair"):
        inbox = page(client, people[role], reverse("core:inbox")).content.decode()
        assert "QCOIQ" not in inbox


def test_the_liaison_reads_no_notice_without_an_objection_for_them(
    client, people, open_round, colleague
):
    services.nomination_create(
        actor=people["member"], award_round=open_round, nominee=colleague, reason="好"
    )
    close_nominations(open_round)
    services.shortlist_submit(
        actor=people["officer"], award_round=open_round, nominee_ids=[colleague.pk]
    )
    open_round.refresh_from_db()
    notice = open_round.notice
    notice_services.notice_approve(actor=people["chair"], notice=notice)
    notice_services.notice_publish(actor=people["officer"], notice=notice)
    from notices.models import Notice

    Notice.objects.filter(pk=notice.pk).update(visibility="members")
    response = page(client, people["liaison"], reverse("notices:detail", args=[notice.pk]))
    assert response.status_code == 404


def test_member_pages_show_this_years_activities(client, people, branch):
    me = member_of(people["member"])
    attended(me, 3)
    mine = page(client, people["member"], reverse("members:me")).content.decode()
    assert 'data-testid="attended-count">3<' in mine and "活动0-2" in mine
    roster = page(client, people["officer"], reverse("members:detail", args=[me.pk]))
    assert 'data-testid="attended-count">3<' in roster.content.decode()


@pytest.mark.parametrize("url_name", ["awards:list", "awards:nominations", "awards:pick"])
def test_list_pages_cost_the_same_queries_at_any_size(client, people, branch, url_name, today):
    def build(n):
        award_round = make_round(branch, people["officer"], opens=today, closes=today)
        for i in range(n):
            nominee = MemberFactory(branch=branch, name=f"候选{n}-{i}")
            attended(nominee, 1) if i % 3 == 0 else None
            services.nomination_create(
                actor=people["member"], award_round=award_round, nominee=nominee, reason="好"
            )
        close_nominations(award_round)
        return award_round

    client.force_login(people["officer"])
    counts = []
    for n in (2, 12):
        award_round = build(n)
        kwargs = {} if url_name == "awards:list" else {"pk": award_round.pk}
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(url_name, kwargs=kwargs))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_liaison_who_is_an_officer_named_on_the_shortlist_never_handles_its_objections(
    client, people, open_round, colleague
):
    """Review r4: a university liaison who also holds an office in the branch and is
    named on its shortlist sends the objections to the liaison, that is, to
    themselves: they must neither hear of them (inbox), see them (home page,
    the notice, the "objections for me to answer" list) nor answer them. Another
    liaison handles them."""
    from members.models import BranchRole

    both = user_with_role("officer", open_round.branch)
    BranchRole.objects.create(user=both, branch=None, role="liaison")
    services.nomination_create(
        actor=people["member"], award_round=open_round, nominee=member_of(both), reason="好"
    )
    services.nomination_create(
        actor=people["member"], award_round=open_round, nominee=colleague, reason="好"
    )
    close_nominations(open_round)
    services.shortlist_submit(
        actor=people["officer"], award_round=open_round,
        nominee_ids=[colleague.pk, member_of(both).pk],
    )  # fmt: skip
    open_round.refresh_from_db()
    notice = open_round.notice
    notice_services.notice_approve(actor=people["chair"], notice=notice)
    notice_services.notice_publish(actor=people["officer"], notice=notice)
    objection = notice_services.objection_file(
        user=people["member"], member=member_of(people["member"]), notice=notice,
        text="次数不够QSELFQ",
    )  # fmt: skip
    assert objection.to_liaison
    detail = reverse("notices:detail", args=[notice.pk])
    assert "QSELFQ" not in page(client, both, reverse("core:inbox")).content.decode()
    assert "QSELFQ" not in page(client, both, detail).content.decode()
    home = page(client, both, reverse("core:home")).content.decode()
    objections = home[home.index('data-testid="home-objections"') :]
    assert 'data-testid="home-row"' not in objections[: objections.index("</section>")]
    listed = page(client, both, reverse("notices:list"), data={"objections": "to_answer"})
    assert listed.context["page"].paginator.count == 0
    response = client.post(reverse("notices:answer", args=[notice.pk, objection.pk]),
                           {"text": "我没问题"})  # fmt: skip
    assert response.status_code == 403
    objection.refresh_from_db()
    assert objection.answered_at is None
    # The other liaison hears of it and answers it.
    assert "QSELFQ" in page(client, people["liaison"], detail).content.decode()
    client.post(reverse("notices:answer", args=[notice.pk, objection.pk]), {"text": "已核实"})
    objection.refresh_from_db()
    assert objection.answered_by == people["liaison"]


def test_the_member_pages_show_an_event_attended_as_soon_as_it_is_checked_in(client, people):
    """The events attended this year are kept per member until events change: a
    check-in shows at once on the member's own page and on the roster's."""
    from events.services import registration_check_in

    member = member_of(people["member"])
    start = timezone.localtime().replace(month=1, day=2, hour=10)
    event = EventFactory(
        branch=member.branch, starts_at=start, ends_at=start + timedelta(hours=1),
        signup_opens_at=start - timedelta(days=9), signup_closes_at=start - timedelta(days=1),
        cancel_deadline=start - timedelta(days=2), title="读书会QCHECKINQ",
    )  # fmt: skip
    registration = Registration.objects.create(
        event=event, member=member, venue=VenueFactory(event=event), status="confirmed"
    )
    mine, detail = reverse("members:me"), reverse("members:detail", args=[member.pk])
    assert "QCHECKINQ" not in page(client, people["member"], mine).content.decode()
    assert "QCHECKINQ" not in page(client, people["officer"], detail).content.decode()
    registration_check_in(actor=people["officer"], event=event, code=registration.checkin_code)
    for user, url in ((people["member"], mine), (people["officer"], detail)):
        body = page(client, user, url).content.decode()
        assert "QCHECKINQ" in body
        assert 'data-testid="attended-count">1<' in body
