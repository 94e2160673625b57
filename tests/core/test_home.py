"""The home page says what matters now: each role sees its own blocks, with the
rows that wait on it, and nothing it must not know; the page costs a fixed
number of queries whatever the size of the data."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from care.models import Handout, HardshipFile
from events.models import Registration
from grievances.home import CASES_VERSION
from grievances.models import Grievance
from notices import services as notice_services
from participation import services as participation_services
from participation.models import Poll
from tests.factories import (
    CategoryFactory,
    EventFactory,
    GrievanceFactory,
    MemberFactory,
    UserFactory,
    VenueFactory,
    fund_notice,
)
from union_portal.core import cache_versions
from union_portal.core.calendar import add_working_days

pytestmark = pytest.mark.django_db

MEMBER_BLOCKS = {"next-events", "my-cases", "objection-period", "polls", "cosign"}
OFFICER_BLOCKS = {"cases-due", "objections", "hardship", "handouts"}
BLOCKS = {
    "anonymous": set(),
    "superuser": set(),
    "member": MEMBER_BLOCKS,
    "officer": MEMBER_BLOCKS | OFFICER_BLOCKS,
    "chair": MEMBER_BLOCKS | OFFICER_BLOCKS | {"to-approve"},
    "other_officer": MEMBER_BLOCKS | OFFICER_BLOCKS,
    "liaison": MEMBER_BLOCKS | {"forwarded-cases", "objections"},
}
NEEDY = "困难会员乙"
SECRET_FILER = "保密会员甲"


def blocks(html):
    return set(re.findall(r'data-testid="home-([a-z-]+)"', html)) - {
        "row", "empty", "count", "waitlist", "waits-for", "work", "mine",
    }  # fmt: skip


def block_html(html, key):
    """The HTML of one block, up to the next section."""
    start = html.index(f'data-testid="home-{key}"')
    return html[start : html.index("</section>", start)]


def _poll(branch, officer, title, now):
    return Poll.objects.create(
        branch=branch, title=title, opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=3), status=Poll.Status.PUBLISHED, created_by=officer,
        published_at=now - timedelta(hours=1),
    )  # fmt: skip


def _proposal_asking(member_user, branch, officer, title):
    proposer = UserFactory()
    MemberFactory(branch=branch, user=proposer, email=proposer.email)
    proposal = participation_services.proposal_create(
        actor=proposer, title=title, body="理由与建议"
    )
    participation_services.proposal_open(actor=proposer, proposal=proposal)
    participation_services.cosign_invite(
        actor=proposer, proposal=proposal, member=member_user.member
    )
    return proposal


@pytest.fixture
def world(branch, other_branch, people):
    """One of everything a home block shows, in `branch`."""
    today, now = timezone.localdate(), timezone.now()
    officer, chair, member = people["officer"], people["chair"], people["member"]
    category = CategoryFactory(branch=branch, default_assignee=officer)
    # Events: a place at one, the second place on the waiting list of a full one.
    coming = EventFactory(branch=branch, title="教工羽毛球赛")
    venue = VenueFactory(event=coming, capacity=5)
    Registration.objects.create(event=coming, member=member.member, venue=venue, status="confirmed")
    full = EventFactory(branch=branch, title="春季踏青", starts_at=now + timedelta(days=9),
                        ends_at=now + timedelta(days=9, hours=3))  # fmt: skip
    full_venue = VenueFactory(event=full, capacity=1)
    for status in ("confirmed", "waitlisted"):
        Registration.objects.create(event=full, member=MemberFactory(branch=branch),
                                    venue=full_venue, status=status)  # fmt: skip
    Registration.objects.create(event=full, member=member.member, venue=full_venue,
                                status="waitlisted")  # fmt: skip
    # The member's cases: one waits for their answer; one closed (not shown).
    asked = GrievanceFactory(category=category, filer_member=member.member, filer=member,
                             subject="宿舍漏水", status="waiting_filer", assignee=officer,
                             ack_due=today + timedelta(days=10),
                             resolve_due=today + timedelta(days=20))  # fmt: skip
    GrievanceFactory(category=category, filer_member=member.member, filer=member,
                     subject="已办结的旧事", status="closed", assignee=officer)  # fmt: skip
    # The officer's: a confidential case past its acknowledgement deadline, and
    # one due far ahead (not near a deadline: not on the home page).
    secret_member = MemberFactory(branch=branch, name=SECRET_FILER, user=UserFactory())
    late = GrievanceFactory(category=category, filer_member=secret_member,
                            filer=secret_member.user, subject="考核不公",
                            confidentiality="confidential", assignee=officer,
                            ack_due=today - timedelta(days=3),
                            resolve_due=today + timedelta(days=10))  # fmt: skip
    GrievanceFactory(category=category, subject="远期诉求", assignee=officer,
                     ack_due=add_working_days(today, 3),
                     resolve_due=today + timedelta(days=30))  # fmt: skip
    # At university level, for the liaison.
    forwarded = GrievanceFactory(category=category, subject="上报的诉求", level="university",
                                 status="in_progress", ack_due=today,
                                 resolve_due=today + timedelta(days=4))  # fmt: skip
    # Notices: one in its objection period with an objection; one awaiting the
    # chair's approval; the chair's own awaiting (never theirs to approve).
    published = fund_notice(branch, officer, title="春季慰问经费公示", status="published",
                            chair=chair, visibility="members")  # fmt: skip
    notice_services.objection_file(user=member, member=member.member, notice=published,
                                   text="交通费偏高")  # fmt: skip
    fund_notice(branch, officer, title="待批的经费公示", status="awaiting")
    fund_notice(branch, chair, title="主席自己写的公示", status="awaiting")
    # Hardship: a member not contacted for 90 days, in the officer's care.
    needy = MemberFactory(branch=branch, name=NEEDY, has_hardship=True)
    HardshipFile.objects.create(
        member=needy, branch=branch, reason="illness", level="general", officer=officer,
        review_on=today + timedelta(days=200), opened_on=today - timedelta(days=90),
        opened_by=officer,
    )  # fmt: skip
    Handout.objects.create(branch=branch, title="中秋慰问品", status="open",
                           deadline=now + timedelta(days=3), created_by=officer)  # fmt: skip
    _poll(branch, officer, "食堂满意度调查", now)
    participation_services.term_save(actor=officer, branch_id=branch.pk, name="第五届",
                                     start=today - timedelta(days=30),
                                     end=today + timedelta(days=700))  # fmt: skip
    _proposal_asking(member, branch, officer, "延长图书馆开放时间")
    return {"asked": asked, "late": late, "forwarded": forwarded}


def _home(client, people, role):
    if role == "superuser":
        client.force_login(UserFactory(is_superuser=True, is_staff=True))
    elif role != "anonymous":
        client.force_login(people[role])
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", list(BLOCKS))
def test_each_role_sees_only_its_blocks(client, people, world, role):
    html = _home(client, people, role)
    assert blocks(html) == BLOCKS[role]
    # Hardship is a promise: the branch's officers and chair only.
    assert (NEEDY in html) == (role in ("officer", "chair"))
    # A confidential filer's name is on nobody's home page.
    assert SECRET_FILER not in html
    if role in ("anonymous", "superuser", "other_officer", "liaison"):
        for secret in ("考核不公", "宿舍漏水", "春季慰问经费公示", "待批的经费公示"):
            assert secret not in html, secret


def test_member_sees_next_events_with_place_or_waiting_position_and_what_cases_wait_for(
    client, people, world
):
    html = _home(client, people, "member")
    events = block_html(html, "next-events")
    assert events.index("教工羽毛球赛") < events.index("春季踏青")  # soonest first
    assert "您有名额" in events and "候补第 2 位" in events
    cases = block_html(html, "my-cases")
    assert "宿舍漏水" in cases and "等待您的答复" in cases
    assert "已办结的旧事" not in html
    assert "春季慰问经费公示" in block_html(html, "objection-period")
    assert "食堂满意度调查" in block_html(html, "polls")
    assert "延长图书馆开放时间" in block_html(html, "cosign")


def test_a_case_waits_for_acknowledgement_then_for_the_filer_to_accept_or_appeal(
    client, people, world
):
    asked = world["asked"]
    Grievance.objects.filter(pk=asked.pk).update(status="new")
    cases = block_html(_home(client, people, "member"), "my-cases")
    assert f"等待经办人受理（{asked.ack_due:%Y-%m-%d}前）" in cases
    Grievance.objects.filter(pk=asked.pk).update(status="resolved")
    # The block is cached until a case changes: the services bump this version
    # (on commit) with every change they record; updated by hand here, so bumped too.
    cache_versions.bump(CASES_VERSION, at_once=True)
    cases = block_html(_home(client, people, "member"), "my-cases")
    assert "已提出处理意见：请确认接受，或向上一级申诉一次" in cases


def test_answered_poll_and_confirmed_cosignature_leave_the_home_page(client, people, world):
    from participation.models import CoSignature, PollVoter

    member = people["member"].member
    PollVoter.objects.create(poll=Poll.objects.get(), member=member, voted_on=timezone.localdate())
    CoSignature.objects.filter(member=member).update(confirmed_at=timezone.now())
    html = _home(client, people, "member")
    assert "home-empty" in block_html(html, "polls")
    assert "home-empty" in block_html(html, "cosign")


def test_officer_sees_the_case_past_its_deadline_without_the_confidential_name(
    client, people, world
):
    html = _home(client, people, "officer")
    due = block_html(html, "cases-due")
    assert f"#{world['late'].pk} 考核不公" in due
    assert 'data-testid="case-overdue"' in due and 'data-testid="case-confidential"' in due
    assert "远期诉求" not in due  # not within one working day
    assert SECRET_FILER not in html
    assert "春季慰问经费公示" in block_html(html, "objections")
    assert NEEDY in block_html(html, "hardship")
    assert "中秋慰问品" in block_html(html, "handouts")


def test_chair_approves_what_others_wrote_never_their_own(client, people, world):
    html = _home(client, people, "chair")
    approve = block_html(html, "to-approve")
    assert "待批的经费公示" in approve
    assert "主席自己写的公示" not in approve
    # The chair sees the branch's case past its deadline too, still without the name.
    assert "考核不公" in block_html(html, "cases-due")
    assert SECRET_FILER not in html


def test_liaison_sees_forwarded_cases_and_the_branch_table(client, people, world):
    html = _home(client, people, "liaison")
    assert "上报的诉求" in block_html(html, "forwarded-cases")
    assert 'data-testid="university-table"' in html
    assert "考核不公" not in html and NEEDY not in html


def test_other_branchs_officer_has_empty_blocks(client, people, world):
    html = _home(client, people, "other_officer")
    for key in OFFICER_BLOCKS | MEMBER_BLOCKS:
        assert 'data-testid="home-empty"' in block_html(html, key), key


def _lots(branch, people, n):
    """n of every row a home block counts, in `branch` (and at university level)."""
    today, now = timezone.localdate(), timezone.now()
    officer, chair, member = people["officer"], people["chair"], people["member"]
    liaison = people["liaison"]
    category = CategoryFactory(branch=branch, default_assignee=officer)
    for i in range(n):
        event = EventFactory(branch=branch, starts_at=now + timedelta(days=2 + i),
                             ends_at=now + timedelta(days=2 + i, hours=2))  # fmt: skip
        venue = VenueFactory(event=event, capacity=1)
        Registration.objects.create(event=event, member=MemberFactory(branch=branch),
                                    venue=venue, status="confirmed")  # fmt: skip
        for user in (member, officer, chair, liaison):
            if user.member.branch_id == branch.pk:
                Registration.objects.create(event=event, member=user.member, venue=venue,
                                            status="waitlisted")  # fmt: skip
    filer = MemberFactory(branch=branch, user=UserFactory())
    rows = []
    for i in range(n):
        for user, status in ((member, "waiting_filer"), (None, "new")):
            rows.append(Grievance(
                branch=branch, category=category, kind="grievance", subject=f"诉求{i}",
                description="x", confidentiality="confidential" if i % 2 else "named",
                filer=user or filer.user, filer_member=(user.member if user else filer),
                assignee=officer, status=status, ack_due=today - timedelta(days=1),
                resolve_due=today,
            ))  # fmt: skip
        rows.append(Grievance(
            branch=branch, category=category, kind="grievance", subject=f"上报{i}",
            description="x", confidentiality="named", filer=filer.user, filer_member=filer,
            level="university", status="in_progress", ack_due=today, resolve_due=today,
        ))  # fmt: skip
    Grievance.objects.bulk_create(rows)
    for i in range(n):
        notice = fund_notice(branch, officer, title=f"公示{i}", status="published", chair=chair)
        notice_services.objection_file(user=member, member=member.member, notice=notice,
                                       text="异议")  # fmt: skip
        fund_notice(branch, officer, title=f"待批{i}", status="awaiting")
        needy = MemberFactory(branch=branch, has_hardship=True)
        HardshipFile.objects.create(
            member=needy, branch=branch, reason="illness", level="general", officer=officer,
            review_on=today + timedelta(days=200), opened_on=today - timedelta(days=90 + i),
            opened_by=officer,
        )  # fmt: skip
        Handout.objects.create(
            branch=branch, title=f"慰问{i}", status="open",
            deadline=now + timedelta(days=3 + i), created_by=officer,
        )  # fmt: skip
        _poll(branch, officer, f"问卷{i}", now)
    participation_services.term_save(actor=officer, branch_id=branch.pk, name="第五届",
                                     start=today - timedelta(days=30),
                                     end=today + timedelta(days=700))  # fmt: skip
    for i in range(n):
        _proposal_asking(member, branch, officer, f"提案{i}")


# session, user, roles ×2, unread count; then one query a block (and for those
# who handle cases, the working-day calendar; for the liaison its branch table).
QUERIES = {"member": 10, "officer": 15, "chair": 16, "liaison": 19, "other_officer": 15}


@pytest.mark.parametrize("n", [1, 30])
@pytest.mark.parametrize("role", list(QUERIES))
def test_home_costs_the_same_with_few_or_many_rows(
    client, people, branch, role, n, django_assert_max_num_queries
):
    _lots(branch, people, n)
    client.force_login(people[role])
    with django_assert_max_num_queries(QUERIES[role]):
        response = client.get(reverse("core:home"))
    html = response.content.decode()
    if role == "member":  # its events and cases blocks are cached now
        with django_assert_max_num_queries(QUERIES[role] - 2):
            again = client.get(reverse("core:home")).content.decode()
        for key in ("next-events", "my-cases"):
            assert block_html(again, key) == block_html(html, key)
    if role in ("member", "officer", "chair"):
        assert html.count('data-testid="home-row"') >= 5
    if n == 30 and role == "officer":
        counts = re.findall(r'data-testid="home-count">(\d+)<', html)
        assert "30" in counts


def test_the_home_blocks_show_a_sign_up_and_a_case_at_once(
    client, people, branch, django_capture_on_commit_callbacks
):
    """The events and cases blocks are cached per member: a change to what they
    show (through the services) shows at once."""
    from events import services as event_services
    from tests.factories import EventFactory, VenueFactory

    client.force_login(people["member"])
    assert "home-empty" in block_html(_home(client, people, "member"), "next-events")
    event = EventFactory(branch=branch, title="迎新晚会")
    venue = VenueFactory(event=event, capacity=1)
    event_services.registration_create(member=people["member"].member, event=event,
                                       venue_id=venue.pk)  # fmt: skip
    assert "迎新晚会" in block_html(_home(client, people, "member"), "next-events")
    # Once the event has ended it leaves the block.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: event.ends_at + timedelta(minutes=1))
        assert "迎新晚会" not in _home(client, people, "member")
    assert "home-empty" in block_html(_home(client, people, "member"), "my-cases")
    category = CategoryFactory(branch=branch)
    with django_capture_on_commit_callbacks(execute=True):  # the bump is on commit
        filed = client.post(reverse("grievances:file"),
                            {"kind": "grievance", "category": category.pk, "subject": "饭卡丢失",
                             "description": "请帮忙。", "confidentiality": "named"})  # fmt: skip
    assert filed.status_code == 302
    assert "饭卡丢失" in block_html(_home(client, people, "member"), "my-cases")


def test_the_poll_and_cosignature_blocks_find_what_the_selectors_find(branch, other_branch, people):
    """The two blocks read with one SQL statement each: the same rows, order and
    count as participation.selectors (audiences, answered, closed, past terms)."""
    from datetime import date

    from members.models import Campus
    from participation import selectors
    from participation.home import cosignatures_awaiting_rows, polls_to_answer_rows
    from participation.models import CoSignature, PollVoter, Representative, Term

    now, today = timezone.now(), timezone.localdate()
    officer, member = people["officer"], people["member"].member
    other_campus = Campus.objects.create(name="枫林校区")
    polls = [_poll(branch, officer, f"调查{i}", now + timedelta(minutes=i)) for i in range(9)]
    Poll.objects.filter(pk=polls[1].pk).update(audience=Poll.Audience.CAMPUS,
                                               campus=member.home_campus)  # fmt: skip
    Poll.objects.filter(pk=polls[2].pk).update(audience=Poll.Audience.CAMPUS, campus=other_campus)
    Poll.objects.filter(pk__in=[polls[3].pk, polls[4].pk]).update(
        audience=Poll.Audience.REPRESENTATIVES
    )
    Poll.objects.filter(pk=polls[5].pk).update(closes_at=now - timedelta(minutes=1))
    Poll.objects.filter(pk=polls[6].pk).update(status=Poll.Status.DRAFT)
    Poll.objects.filter(pk=polls[7].pk).update(branch=other_branch)
    PollVoter.objects.create(poll=polls[8], member=member, voted_on=today)
    past = Term.objects.create(branch=branch, name="第四届", start=date(2018, 1, 1),
                               end=today - timedelta(days=1))  # fmt: skip
    Representative.objects.create(member=member, term=past)

    def same_polls(limit):
        rows, total = polls_to_answer_rows(member, now, limit=limit)
        expected = list(selectors.polls_to_answer(member, now))
        assert [(r.pk, r.title, r.secret, r.closes_at) for r in rows] == [
            (p.pk, p.title, p.secret, p.closes_at) for p in expected[:limit]
        ]
        assert total == len(expected)
        return [r.pk for r in rows]

    assert same_polls(5) == [polls[0].pk, polls[1].pk]  # not the past term's representatives'
    current = Term.objects.create(branch=branch, name="第五届", start=today, end=today)
    Representative.objects.create(member=member, term=current)
    assert same_polls(5) == [polls[0].pk, polls[1].pk, polls[3].pk, polls[4].pk]
    assert same_polls(1) == [polls[0].pk]
    elsewhere = MemberFactory(branch=other_branch)
    rows, total = polls_to_answer_rows(elsewhere, now)
    assert [r.pk for r in rows] == [polls[7].pk] and total == 1

    proposals = [_proposal_asking(people["member"], branch, officer, f"提案{i}") for i in range(7)]
    mine = CoSignature.objects.filter(member=member).order_by("id")
    mine.filter(proposal=proposals[0]).update(confirmed_at=now)
    mine.filter(proposal=proposals[1]).update(withdrawn_at=now)
    proposals[2].__class__.objects.filter(pk=proposals[2].pk).update(
        cosign_due=today - timedelta(days=1)
    )
    proposals[3].__class__.objects.filter(pk=proposals[3].pk).update(cosign_due=today)
    rows, total = cosignatures_awaiting_rows(member, today)
    expected = list(selectors.cosignatures_awaiting(member, today))
    assert total == len(expected) == 4
    assert [
        (r.pk, r.proposal_id, r.proposal.title, r.proposal.cosign_due, r.proposal.proposer.name)
        for r in rows
    ] == [
        (c.pk, c.proposal_id, c.proposal.title, c.proposal.cosign_due, c.proposal.proposer.name)
        for c in expected
    ]
    assert rows[0].proposal.title == "提案3"  # due first
    assert cosignatures_awaiting_rows(member, today, limit=2)[1] == 4
