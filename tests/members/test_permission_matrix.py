"""Every URL × every role, from one table. A URL missing from the table fails
test_every_url_is_in_the_matrix, so a new page cannot go unchecked."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from events.models import Registration
from grievances.models import Attachment
from notices import services as notice_services
from notices.models import FundLine, NoticeAttachment, NoticeVersion
from tests.factories import (
    CategoryFactory,
    EventFactory,
    GrievanceFactory,
    MemberFactory,
    VenueFactory,
    fund_notice,
)
from union_portal.core.notifications import notify

ROLES = ["anonymous", "member", "officer", "chair", "liaison", "other_officer"]
LOGIN = "login"  # a redirect to the sign-in page

# url name -> (how to build its kwargs, method, {role: expected status})
EVERYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN = {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 200)}
# Roster pages: any branch's officers and chair, each seeing only their branch.
ROSTER = {
    "anonymous": LOGIN,
    "member": 403,
    "liaison": 403,
    "officer": 200,
    "chair": 200,
    "other_officer": 200,
}
# A roster entry of the branch: another branch's officer gets 404, not a hint.
BRANCH_OBJECT = {**ROSTER, "other_officer": 404}
# A published event of the branch, not open to other branches.
MEMBERS_OF_BRANCH = ["member", "officer", "chair"]
EVENT_VIEW = {
    "anonymous": LOGIN,
    **dict.fromkeys(MEMBERS_OF_BRANCH, 200),
    "liaison": 404,
    "other_officer": 404,
}
# The university liaison sees every branch's published events (not joining them).
EVENT_VIEW_LIAISON = {**EVENT_VIEW, "liaison": 200}
# A named case of the branch, filed by the member, assigned to the officer.
CASE_VIEW = {**EVENT_VIEW}
# The fairness dashboard: branch chairs and the university liaison.
CHAIRS = {**ROSTER, "officer": 403, "other_officer": 403, "liaison": 200}
# An import is seen by its branch's officers and chair; only its uploader starts it.
IMPORT_START = {**BRANCH_OBJECT, "officer": 302, "chair": 403}
# A hardship file of the branch.
HARDSHIP_FILE = {**dict.fromkeys(ROLES, 404), "anonymous": LOGIN, "officer": 200, "chair": 200}

MATRIX = {
    "core:home": ("none", "get", dict.fromkeys(ROLES, 200)),
    "core:inbox": ("none", "get", SIGNED_IN),
    "core:inbox_mark_read": ("none", "post", {**SIGNED_IN, **dict.fromkeys(ROLES[1:], 302)}),
    "core:set_language": ("none", "post", dict.fromkeys(ROLES, 302)),
    "core:floor": ("none", "get", dict.fromkeys(ROLES, 200)),
    # Public and the same for everyone; no Celery worker runs here, so it answers 503
    # (tests/deploy/test_healthz.py has the 200 with a worker).
    "healthz": ("none", "get", dict.fromkeys(ROLES, 503)),
    # The admin's sign-in goes through the portal's; nobody in the table is staff.
    "admin_login": ("none", "get", {**dict.fromkeys(ROLES, 403), "anonymous": LOGIN}),
    "members:me": ("none", "get", SIGNED_IN),
    "members:my_data": ("none", "get", SIGNED_IN),
    "members:roster": ("none", "get", ROSTER),
    "members:export_csv": ("none", "get", ROSTER),
    "members:export_xlsx": ("none", "get", ROSTER),
    "members:create": ("none", "get", ROSTER),
    "members:birthdays": ("none", "get", ROSTER),
    "members:import": ("none", "get", ROSTER),
    "members:detail": ("member", "get", BRANCH_OBJECT),
    "members:edit": ("member", "get", BRANCH_OBJECT),
    "members:import_preview": ("import", "get", BRANCH_OBJECT),
    "members:import_status": ("import", "get", BRANCH_OBJECT),
    "members:import_confirm": ("import", "post", IMPORT_START),
    "grievances:queue": ("none", "get", {**ROSTER, "liaison": 200}),
    "grievances:mine": ("none", "get", SIGNED_IN),
    "grievances:file": ("none", "get", SIGNED_IN),
    "grievances:lookup": ("none", "get", dict.fromkeys(ROLES, 200)),
    "grievances:suggestions": ("none", "get", SIGNED_IN),
    # Who takes new cases: each branch's officers and chair keep their own table.
    "grievances:routing": ("none", "get", ROSTER),
    "grievances:dashboard": ("none", "get", CHAIRS),
    "grievances:dashboard_csv": ("none", "get", CHAIRS),
    "grievances:detail": ("case", "get", CASE_VIEW),
    # Its older history entries: whoever may open the case, nobody else.
    "grievances:history": ("case", "get", CASE_VIEW),
    "grievances:attachment": ("case_file", "get", CASE_VIEW),
    "grievances:assign": (
        "case",
        "post",
        {**CASE_VIEW, "member": 403, "officer": 403, "chair": 302},
    ),
    "grievances:action": (
        "case_reply",
        "post",
        {**CASE_VIEW, "member": 403, "officer": 302, "chair": 302},
    ),
    "notices:list": ("none", "get", EVERYONE),
    "notices:feed": ("none", "get", EVERYONE),
    "notices:summary": ("none", "get", EVERYONE),
    "notices:summary_csv": ("none", "get", EVERYONE),
    "notices:summary_xlsx": ("none", "get", EVERYONE),
    "notices:file": ("public_file", "get", EVERYONE),
    # A branch's accounts: its officers and chair, each keeping their own branch's.
    "notices:categories": ("none", "get", ROSTER),
    "notices:budget": ("none", "get", ROSTER),
    "notices:income": ("none", "get", ROSTER),
    "notices:settings": ("none", "get", {**ROSTER, "officer": 403, "other_officer": 403}),
    "notices:create": ("kind", "get", ROSTER),
    "notices:detail": ("members_notice", "get", EVENT_VIEW),
    "notices:version": ("members_notice_v1", "get", EVENT_VIEW),
    "notices:diff": ("members_notice_v2", "get", EVENT_VIEW),
    "notices:export_csv": ("members_notice", "get", EVENT_VIEW),
    "notices:export_xlsx": ("members_notice", "get", EVENT_VIEW),
    "notices:object": (
        "members_notice",
        "post",
        {**EVENT_VIEW, **dict.fromkeys(MEMBERS_OF_BRANCH, 302)},
    ),
    "notices:edit": ("draft_notice", "get", BRANCH_OBJECT),
    "notices:step": ("draft_submit", "post", {**BRANCH_OBJECT, "officer": 302, "chair": 302}),
    "notices:correct": ("members_notice", "get", BRANCH_OBJECT),
    # A correction awaiting approval: the branch's officers see it, a chair decides.
    "notices:correction": ("pending_correction", "get", BRANCH_OBJECT),
    "notices:correction_send_back": (
        "pending_correction",
        "get",
        {**BRANCH_OBJECT, "officer": 403},
    ),
    "notices:withdraw": ("members_notice", "get", BRANCH_OBJECT),
    "notices:send_back": ("awaiting_notice", "get", {**BRANCH_OBJECT, "officer": 403}),
    # The liaison answers only objections routed to them; this notice is not theirs to read.
    "notices:answer": (
        "objection",
        "post",
        {**BRANCH_OBJECT, "officer": 302, "chair": 302, "liaison": 404},
    ),
    # 评优: a round is the branch's; its officers manage it.
    "awards:list": ("none", "get", SIGNED_IN),
    "awards:create": ("none", "get", ROSTER),
    "awards:detail": ("award_round", "get", EVENT_VIEW),
    "awards:nominate": ("award_round", "get", EVENT_VIEW),
    "awards:result": ("award_round", "get", EVENT_VIEW),
    "awards:nominations": ("award_round", "get", BRANCH_OBJECT),
    "awards:pick": ("award_round", "get", BRANCH_OBJECT),
    "awards:publish": ("draft_round", "get", BRANCH_OBJECT),
    "events:list": ("none", "get", SIGNED_IN),
    "events:mine": ("none", "get", SIGNED_IN),
    "events:create": ("none", "get", ROSTER),
    "events:report": ("none", "get", ROSTER),
    "events:report_csv": ("none", "get", ROSTER),
    # The random key is the credential: calendar apps fetch it without a session.
    "events:feed": ("feed", "get", dict.fromkeys(ROLES, 200)),
    "events:feed_reset": ("none", "post", {**SIGNED_IN, **dict.fromkeys(ROLES[1:], 302)}),
    "events:detail": ("event", "get", EVENT_VIEW_LIAISON),
    "events:ics": ("event", "get", EVENT_VIEW_LIAISON),
    "events:register": ("event", "post", {**EVENT_VIEW, **dict.fromkeys(MEMBERS_OF_BRANCH, 302)}),
    "events:edit": ("event", "get", BRANCH_OBJECT),
    "events:cancel": ("event", "get", BRANCH_OBJECT),
    "events:check_in": ("event", "get", BRANCH_OBJECT),
    "events:roll_call": ("event", "get", BRANCH_OBJECT),
    # 乘车名单 with phone numbers: the branch's officers and chair only.
    "events:passengers": ("event", "get", BRANCH_OBJECT),
    "events:publish": ("event", "post", {**BRANCH_OBJECT, "officer": 302, "chair": 302}),
    # Only the member's own registration; anyone else's is not there for them.
    # 提案: a proposal collecting co-signers is the branch's; its draft form is the proposer's.
    "participation:list": ("none", "get", SIGNED_IN),
    "participation:create": ("none", "get", SIGNED_IN),
    "participation:detail": ("proposal", "get", EVENT_VIEW),
    "participation:edit": ("proposal", "get", {**EVENT_VIEW, "officer": 403, "chair": 403}),
    "participation:step": (
        "proposal_step",
        "post",
        {**EVENT_VIEW, **dict.fromkeys(MEMBERS_OF_BRANCH, 302)},
    ),
    "participation:representatives": ("none", "get", SIGNED_IN),
    "participation:representative": ("representative", "get", EVENT_VIEW),
    "participation:terms": ("none", "get", ROSTER),
    "participation:summary": ("none", "get", ROSTER),
    "participation:import": ("none", "get", ROSTER),
    "participation:term": ("term", "get", {**BRANCH_OBJECT, "liaison": 404}),
    "participation:offices": ("none", "get", ROSTER),
    "participation:office": ("office", "get", {**BRANCH_OBJECT, "liaison": 404}),
    "events:cancel_registration": (
        "registration",
        "post",
        {**dict.fromkeys(ROLES, 404), "anonymous": LOGIN, "member": 302},
    ),
    "events:choose_trip": (
        "registration",
        "post",
        {**dict.fromkeys(ROLES, 404), "anonymous": LOGIN, "member": 302},
    ),
    # The member's own check-in code as a QR image: nobody else's.
    "events:registration_qr": (
        "registration",
        "get",
        {**dict.fromkeys(ROLES, 404), "anonymous": LOGIN, "member": 200},
    ),
    # 困难职工帮扶: the branch's officers and chair only; a file is a 404 to anyone else
    # (no hint it exists); the fairness view (figures only) is the chair's and the liaison's.
    "care:hardship_list": ("none", "get", ROSTER),
    "care:hardship_open": ("none", "get", ROSTER),
    "care:hardship_fairness": ("none", "get", CHAIRS),
    "care:hardship_detail": ("hardship_file", "get", HARDSHIP_FILE),
    "care:hardship_close": ("hardship_file", "get", HARDSHIP_FILE),
    # An empty form is refused (400) by those who may send it.
    "care:hardship_record": (
        "hardship_file",
        "post",
        {**HARDSHIP_FILE, "officer": 400, "chair": 400},
    ),  # fmt: skip
    "care:hardship_edit": (
        "hardship_file",
        "post",
        {**HARDSHIP_FILE, "officer": 400, "chair": 400},
    ),  # fmt: skip
    # 福利发放: officers and the chair of the branch manage; the member (eligible)
    # chooses and shows a code; a member's choice is seen by them and the officers.
    "care:welfare_list": ("none", "get", ROSTER),
    "care:welfare_create": ("none", "get", ROSTER),
    "care:welfare_mine": ("none", "get", SIGNED_IN),
    "care:welfare_detail": ("handout", "get", BRANCH_OBJECT),
    "care:welfare_edit": ("handout", "get", BRANCH_OBJECT),
    "care:welfare_option": (
        "draft_handout",
        "post",
        {**BRANCH_OBJECT, "officer": 302, "chair": 302},
    ),
    "care:welfare_point": ("handout", "post", {**BRANCH_OBJECT, "officer": 302, "chair": 302}),
    "care:welfare_step": ("handout_step", "post", {**BRANCH_OBJECT, "officer": 302, "chair": 302}),
    "care:welfare_choose": ("handout", "get", {**EVENT_VIEW}),
    "care:welfare_code": ("handout", "get", {**EVENT_VIEW}),
    "care:welfare_uncollected": ("handout", "get", BRANCH_OBJECT),
    "care:welfare_totals": ("handout", "get", BRANCH_OBJECT),
    "care:welfare_pickup": ("pickup_point", "get", BRANCH_OBJECT),
    # The yearly report: /report/ goes to this year's; the year's page shows the
    # reader's own branch (signed out: the public ones, here none). Members-only
    # and public per role: tests/annual_report/test_report.py::test_who_reads_a_branch_report.
    "annual_report:current": ("none", "get", dict.fromkeys(ROLES, 302)),
    "annual_report:year": ("report_year", "get", EVERYONE),
    "annual_report:university": (
        "report_year",
        "get",
        {**dict.fromkeys(ROLES, 403), "anonymous": LOGIN, "liaison": 200},
    ),
    "annual_report:settings": ("none", "get", ROSTER),
}
# 投票结果 of a closed secret poll: the branch's members, officers and chair, and the
# liaison (figures only). tests/participation/test_poll_results.py has every time.
MATRIX.update({
    "participation:poll_results": ("closed_poll", "get", EVENT_VIEW_LIAISON),
    "participation:poll_results_export": ("closed_poll", "get", EVENT_VIEW_LIAISON),
})  # fmt: skip

# Accepted proposals of a branch that publishes them: anyone reads them, signed out too.
MATRIX.update({
    "participation:public_list": ("none", "get", EVERYONE),
    "participation:public_detail": ("public_proposal", "get", EVERYONE),
})  # fmt: skip
# 问卷/投票: an open poll of the branch is its members'; a draft is its officers'
# (members get 404); the turnout page and reminders are the officers' (403).
POLL_MANAGE = {**EVENT_VIEW, "member": 403}
DRAFT_POLL = {**EVENT_VIEW, "member": 404}
MATRIX |= {
    "participation:poll_list": ("none", "get", SIGNED_IN),
    "participation:poll_create": ("none", "get", ROSTER),
    "participation:poll_detail": ("open_poll", "get", EVENT_VIEW),
    "participation:poll_edit": ("draft_poll", "get", DRAFT_POLL),
    "participation:poll_publish": ("draft_poll", "post", {**DRAFT_POLL, "officer": 302,
                                                          "chair": 302}),
    "participation:poll_voters": ("open_poll", "get", POLL_MANAGE),
    "participation:poll_remind": ("open_poll", "post", {**POLL_MANAGE, "officer": 302,
                                                        "chair": 302}),
}  # fmt: skip

# Campus sign-on (CAS): not configured here, so no page (404) for anyone; with a
# CAS server, tests/members/test_cas.py::test_the_cas_sign_in_url_for_every_role.
MATRIX["cas_login"] = ("none", "get", dict.fromkeys(ROLES, 404))

# Third-party and framework pages are not ours to matrix (allauth's under
# accounts/, except the campus sign-on's, which are ours).
EXTERNAL_NAMESPACES = {"admin"}
OUR_ACCOUNT_URLS = ("cas_",)


def our_url_names():
    names = set()

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or namespace
                if entry.pattern.describe().startswith("'accounts/"):
                    names.update(
                        sub.name
                        for sub in entry.url_patterns
                        if isinstance(sub, URLPattern)
                        and (sub.name or "").startswith(OUR_ACCOUNT_URLS)
                    )
                    continue
                if ns in EXTERNAL_NAMESPACES:
                    continue
                walk(entry.url_patterns, ns)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(f"{namespace}:{entry.name}" if namespace else entry.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_url_is_in_the_matrix():
    assert our_url_names() == set(MATRIX)


@pytest.fixture
def objects(people, branch, department):
    return build_objects(people, branch, department)


def build_objects(people, branch, department):
    """One object of each kind the matrix's URLs need, keyed as MATRIX names them
    (tests/browser/test_accessibility.py visits the same pages with a browser)."""
    from members import services as member_services

    member = MemberFactory(branch=branch, department=department)
    content = "工号,姓名,部门,校区,入会日期\nM900,新成员,软件工程系,江湾校区,2020-01-01\n".encode()
    roster_import = member_services.roster_import_upload(
        actor=people["officer"], branch=branch, filename="roster.csv", content=content
    )
    for user in people.values():
        notify(user=user, key="matrix", subject="hello")
    event = EventFactory(branch=branch)
    venue = VenueFactory(event=event, capacity=1)
    registration = Registration.objects.create(
        event=event, member=people["member"].member, venue=venue, status="confirmed"
    )
    case = GrievanceFactory(
        category=CategoryFactory(branch=branch),
        assignee=people["officer"],
        filer_member=people["member"].member,
        filer=people["member"],
    )
    case_file = Attachment.objects.create(
        grievance=case, token="t" * 32, number=1, content_type="application/pdf", size=4,
        file=ContentFile(b"%PDF", name="a.pdf"),
    )  # fmt: skip
    members_notice = fund_notice(branch, people["officer"], chair=people["chair"],
                                 status="published", visibility="members")  # fmt: skip
    notice_services.notice_correct(
        actor=people["officer"], notice=members_notice, reason="更正",
        version=NoticeVersion(title="更正"), lines=[FundLine(date=date(2026, 1, 1),
        note="x", payee="y", amount=Decimal("2"))],
    )  # fmt: skip
    notice_services.correction_approve(actor=people["chair"], notice=members_notice)
    public_notice = fund_notice(branch, people["officer"], chair=people["chair"],
                                status="published")  # fmt: skip
    public_file = NoticeAttachment.objects.create(
        version=public_notice.current, token="n" * 32, name="a.pdf",
        content_type="application/pdf", size=4, file=ContentFile(b"%PDF", name="a.pdf"),
    )  # fmt: skip
    corrected = fund_notice(branch, people["officer"], chair=people["chair"],
                            status="published")  # fmt: skip
    notice_services.notice_correct(
        actor=people["officer"], notice=corrected, reason="更正",
        version=NoticeVersion(title="更正"),
        lines=[FundLine(date=date(2026, 1, 1), note="x", payee="y", amount=Decimal("3"))],
    )  # fmt: skip
    draft = fund_notice(branch, people["officer"])
    awaiting = fund_notice(branch, people["officer"], status="awaiting")
    objection = notice_services.objection_file(
        user=people["member"], member=people["member"].member, notice=members_notice, text="?"
    )
    from django.utils import timezone

    from awards import services as award_services

    today = timezone.localdate()
    award_round = award_services.round_create(
        actor=people["officer"], branch_id=branch.pk, title="评优", award="优秀会员", places=1,
        criteria="c", opens_on=today, closes_on=today,
    )  # fmt: skip
    award_services.round_publish(actor=people["officer"], award_round=award_round)
    draft_round = award_services.round_create(
        actor=people["officer"], branch_id=branch.pk, title="评优草稿", award="优秀会员",
        places=1, criteria="c", opens_on=today, closes_on=today,
    )  # fmt: skip
    from participation import services as participation_services

    term = participation_services.term_save(
        actor=people["officer"], branch_id=branch.pk, name="第五届", start=today, end=today
    )
    representative = participation_services.representative_add(
        actor=people["officer"], term=term, member=people["member"].member
    )
    office = participation_services.office_save(
        actor=people["officer"], branch_id=branch.pk, name="教务办", contacts=[people["officer"]]
    )
    proposal = participation_services.proposal_create(actor=people["member"], title="t", body="b")
    participation_services.proposal_open(actor=people["member"], proposal=proposal)
    public_proposal = _public_proposal(people, branch)
    closed_poll = _closed_poll(branch, people["officer"])
    polls = _polls(people, branch)
    from care import services as care_services

    hardship_file = care_services.hardship_file_open(
        actor=people["officer"], member=member, reason="illness", level="general",
        officer=people["officer"], review_on=date.fromordinal(today.toordinal() + 365),
    )  # fmt: skip
    from tests.care.welfare_world import welfare_objects

    return {
        "public_proposal": {"pk": public_proposal.pk},
        "closed_poll": {"pk": closed_poll.pk},
        **polls,
        **welfare_objects(people, branch),
        "proposal": {"pk": proposal.pk},
        "proposal_step": {"pk": proposal.pk, "action": "withdraw"},
        "representative": {"pk": representative.pk},
        "term": {"pk": term.pk},
        "office": {"pk": office.pk},
        "award_round": {"pk": award_round.pk},
        "draft_round": {"pk": draft_round.pk},
        "kind": {"kind": "fund"},
        "members_notice": {"pk": members_notice.pk},
        "members_notice_v1": {"pk": members_notice.pk, "number": 1},
        "members_notice_v2": {"pk": members_notice.pk, "number": 2},
        "public_file": {"token": public_file.token},
        "draft_notice": {"pk": draft.pk},
        "draft_submit": {"pk": draft.pk, "step": "submit"},
        "awaiting_notice": {"pk": awaiting.pk},
        "pending_correction": {"pk": corrected.pk},
        "objection": {"pk": members_notice.pk, "objection_pk": objection.pk},
        "case": {"pk": case.pk},
        "case_reply": {"pk": case.pk, "action": "reply"},
        "case_file": {"token": case_file.token},
        "none": {},
        "member": {"pk": member.pk},
        "import": {"pk": roster_import.pk},
        "event": {"pk": event.pk},
        "registration": {"pk": registration.pk},
        "feed": {"token": people["member"].member.calendar_feed_key},
        "hardship_file": {"pk": hardship_file.pk},
        "report_year": {"year": today.year},
    }


def _public_proposal(people, branch):
    """An accepted proposal of a branch that makes accepted proposals public."""
    from participation import services as ps

    ps.setting_save(actor=people["officer"], branch_id=branch.pk, representatives_only=False,
                    cosigners_needed=0, public_proposals=True)  # fmt: skip
    made = ps.proposal_create(actor=people["member"], title="公开提案", body="b")
    ps.proposal_open(actor=people["member"], proposal=made)
    ps.proposal_submit(actor=people["member"], proposal=made)
    ps.review_start(actor=people["chair"], proposal=made)
    return ps.proposal_decide(actor=people["chair"], proposal=made, decision="accepted")


def _closed_poll(branch, officer):
    from datetime import timedelta

    from django.utils import timezone

    from participation.models import Poll

    now = timezone.now()
    poll = Poll.objects.create(
        branch=branch, title="食堂满意度", secret=True, created_by=officer,
        status=Poll.Status.PUBLISHED, opens_at=now - timedelta(days=2),
        closes_at=now - timedelta(hours=1),
    )  # fmt: skip
    question = poll.questions.create(kind="single", text="最常去哪个食堂？")
    question.options.create(text="一食堂")
    return poll


def _polls(people, branch):
    from datetime import timedelta

    from django.utils import timezone

    from participation import services as participation_services

    now = timezone.now()
    fields = {
        "actor": people["officer"], "branch_id": branch.pk, "title": "问卷",
        "opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(days=1),
        "questions": [{"kind": "rating", "text": "评分", "options": []}],
    }  # fmt: skip
    draft_poll = participation_services.poll_save(**fields)
    open_poll = participation_services.poll_save(**fields)
    participation_services.poll_publish(actor=people["officer"], poll=open_poll)
    return {"draft_poll": {"pk": draft_poll.pk}, "open_poll": {"pk": open_poll.pk}}


CASES = [(name, role) for name in MATRIX for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name, role", CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_permission(client, people, objects, url_name, role):
    kwargs_key, method, expected_by_role = MATRIX[url_name]
    expected = expected_by_role[role]
    url = reverse(url_name, kwargs=objects[kwargs_key])
    if role != "anonymous":
        client.force_login(people[role])
    response = getattr(client, method)(url)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected
