"""A small union built the way its people would build it: forms filled in and
buttons pressed through the portal, each secret carrying a marker that must not
turn up where the README promises it won't.

Markers are ASCII inside Chinese text, so that escaping (JSON, XML, HTML) and
spreadsheets cannot hide them from a plain substring search."""

import re
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from grievances.models import Grievance
from notices.models import Notice
from tests.factories import (
    BranchFactory,
    CategoryFactory,
    DepartmentFactory,
    EventFactory,
    VenueFactory,
    category_id,
    user_with_role,
)

from .forms import submit

RECEIPT = re.compile(r"[A-Z2-9]{4}(?:-[A-Z2-9]{4}){4}")

# Who takes part; the "secret" people are ordinary members of the branch.
ROLES = [
    "anonymous",
    "member",  # a member of the branch with nothing to hide
    "conf_filer",  # files a confidential case
    "anon_filer",  # files an anonymous case while signed in
    "objector",  # objects to a notice, named to the chair only
    "needy",  # a member in hardship with a named case forwarded to the university
    "officer",  # handles the cases (assignee), drafts the notices
    "officer2",  # an officer of the branch who is not the assignee
    "chair",
    "other_officer",  # an officer of another branch
    "other_member",  # a member of another branch
    "liaison",
    "superuser",
]


def jpeg_with_exif(artist: str) -> bytes:
    """A JPEG whose EXIF names its author, as a phone's photo would."""
    value = artist.encode() + b"\0"
    ifd = (
        b"\x01\x00"  # one entry
        + b"\x3b\x01"  # tag Artist
        + b"\x02\x00"  # type ASCII
        + len(value).to_bytes(4, "little")
        + (26).to_bytes(4, "little")  # offset of the value from the TIFF header
        + b"\0\0\0\0"
    )
    tiff = b"II*\x00" + (8).to_bytes(4, "little") + ifd + value
    app1 = b"Exif\0\0" + tiff
    return b"\xff\xd8\xff\xe1" + (len(app1) + 2).to_bytes(2, "big") + app1 + b"\xff\xd9"


@dataclass
class World:
    users: dict
    clients: dict
    markers: dict = field(default_factory=dict)
    identity: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)
    anon_session_before: tuple = None
    anon_session_after: tuple = None
    newcomer_email: str = ""

    def client(self, role):
        return self.clients[role]


def _people(branch, other_branch):
    names = {
        "member": "普通会员QMEMBERQ",
        "conf_filer": "保密甲QCONFNAMEQ",
        "anon_filer": "匿名乙QANONNAMEQ",
        "objector": "异议丙QOBJNAMEQ",
        "needy": "丁QNEEDYNAMEQ",
        "officer": "干事戊QOFFICERQ",
        "officer2": "干事己QOFFICER2Q",
        "chair": "主席庚QCHAIRQ",
    }
    users = {}
    for role, name in names.items():
        kind = role if role in ("officer", "chair") else "member"
        kind = "officer" if role == "officer2" else kind
        users[role] = user_with_role(kind, branch, name=name)
    users["other_officer"] = user_with_role("officer", other_branch, name="外院官QOTHEROFFQ")
    users["other_member"] = user_with_role("member", other_branch, name="外院员QOTHERNAMEQ")
    users["liaison"] = user_with_role("liaison", other_branch, name="校工会QLIAISONQ")
    users["superuser"] = get_user_model().objects.create_superuser(
        username="root", email="root@example.cn", password="x"
    )
    return users


def _identity(user):
    member = getattr(user, "member", None)
    tokens = [user.email]
    if member is not None:
        tokens += [member.name, member.staff_number, member.email]
    return sorted({t for t in tokens if t})


def build() -> World:
    branch = BranchFactory(name="计算机学院分工会")
    other_branch = BranchFactory(name="外国语学院分工会")
    DepartmentFactory(branch=branch, name="软件工程系")
    users = _people(branch, other_branch)
    clients = {"anonymous": Client()}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    world = World(users=users, clients=clients)
    world.identity = {role: _identity(user) for role, user in users.items()}
    category = CategoryFactory(branch=branch, name="薪酬待遇")
    officer, chair = clients["officer"], clients["chair"]

    def file_case(role, files=None, **fields):
        data = {"kind": "grievance", "category": str(category.pk), **fields}
        return submit(clients[role], reverse("grievances:file"), data, files=files)

    def act(client, case, action, **fields):
        page = reverse("grievances:detail", args=[case.pk])
        return submit(client, page, fields, action=f"/{case.pk}/{action}/")

    def assign(case):
        page = reverse("grievances:detail", args=[case.pk])
        submit(chair, page, {"assignee": str(users["officer"].pk)}, action="/assign/")

    # An anonymous case, filed while signed in, with a photo that names its taker.
    from django.contrib.sessions.models import Session

    session_key = clients["anon_filer"].session.session_key
    before = Session.objects.get(pk=session_key)
    world.anon_session_before = (before.expire_date, before.session_data)
    world.markers["anon_case"] = ["QANONSUBJQ", "QANONDESCQ"]
    photo = SimpleUploadedFile(
        f"{users['anon_filer'].member.name}-身份证.jpg",
        jpeg_with_exif("QEXIFARTISTQ"),
        content_type="image/jpeg",
    )
    response = file_case("anon_filer", subject="考核QANONSUBJQ", description="不公QANONDESCQ",
                         confidentiality="anonymous", files={"attachments": photo})  # fmt: skip
    anon = Grievance.objects.get(subject__contains="QANONSUBJQ")
    after = Session.objects.get(pk=session_key)
    world.anon_session_after = (after.expire_date, after.session_data)
    world.objects["anon_case"] = anon
    local = timezone.localtime(anon.filed_at)
    world.markers["anon_minute"] = sorted(
        {local.strftime("%Y-%m-%d %H:%M"), local.strftime("%Y-%m-%dT%H:%M"),
         anon.filed_at.strftime("%Y-%m-%dT%H:%M"), anon.filed_at.strftime("%Y-%m-%d %H:%M")}
    )  # fmt: skip
    receipt = RECEIPT.search(response.content.decode()).group(0)
    # Nothing else may happen in the minute the anonymous case was filed, or the
    # sweep could not tell that minute from the others.
    minute = local.replace(second=0, microsecond=0)
    while timezone.localtime() < minute + timedelta(minutes=1):
        time.sleep(0.5)

    # Hardship: the officer ticks the box on the roster entry.
    needy = users["needy"].member
    response = submit(officer, reverse("members:edit", args=[needy.pk]), {"has_hardship": "on"})
    assert response.status_code == 302, response.content[-2000:]
    # Date of birth and sex: the officer enters them on the same roster entry.
    world.markers["birth"] = ["1968-02-29", "1968年2月29日", "1968/2/29"]
    response = submit(officer, reverse("members:edit", args=[needy.pk]),
                      {"date_of_birth": "1968-02-29", "sex": "F"})  # fmt: skip
    assert response.status_code == 302, response.content[-2000:]

    # A confidential case, taken all the way to the university union.
    world.markers["conf_case"] = ["QCONFSUBJQ", "QCONFDESCQ"]
    file_case("conf_filer", subject="工资QCONFSUBJQ", description="扣发QCONFDESCQ",
              confidentiality="confidential")  # fmt: skip
    conf = Grievance.objects.get(subject__contains="QCONFSUBJQ")
    assign(conf)
    act(officer, conf, "acknowledge")
    act(officer, conf, "reply", text="正在核实QCONFREPLYQ")
    act(officer, conf, "ask", text="请补充材料")
    act(clients["conf_filer"], conf, "message", text="材料如下")
    act(officer, conf, "resolve", text="已补发")
    act(clients["conf_filer"], conf, "appeal", text="数额不对")
    act(chair, conf, "forward", text="请校工会处理")
    act(clients["liaison"], conf, "reply", text="校工会已受理")

    assign(anon)
    act(officer, anon, "acknowledge")
    act(officer, anon, "reply", text="收到")
    follower = Client()  # the filer follows from another browser with the receipt
    submit(follower, reverse("grievances:lookup"), {"code": receipt})
    act(follower, anon, "message", text="补充QANONFOLLOWQ")
    act(chair, anon, "forward", text="")

    # The member in hardship files a named case that reaches the university union.
    file_case("needy", subject="住房QNEEDYSUBJQ", description="住房紧张", confidentiality="named")
    needy_case = Grievance.objects.get(subject__contains="QNEEDYSUBJQ")
    assign(needy_case)
    act(chair, needy_case, "forward", text="")

    # A suggestion whose answer may be published: the officer ticks "internal" and
    # presses every button the form has.
    submit(clients["member"], reverse("grievances:file"),
           {"kind": "suggestion", "category": str(category.pk), "subject": "食堂QSUGGQ",
            "description": "建议", "confidentiality": "named", "publish_answer": "on"})  # fmt: skip
    suggestion = Grievance.objects.get(subject__contains="QSUGGQ")
    assign(suggestion)
    world.markers["internal"] = []
    for action in ("reply", "ask", "resolve"):
        marker = f"QNOTE{action.upper()}Q"
        world.markers["internal"].append(marker)
        act(officer, suggestion, action, text=f"内部{marker}", internal="on")
    suggestion.refresh_from_db()
    if suggestion.status != Grievance.Status.RESOLVED:
        act(officer, suggestion, "resolve", text="已采纳")
    act(clients["member"], suggestion, "accept")

    _notices(world, branch)
    _awards(world, branch)
    _proposals(world, branch)
    _secret_polls(world, branch)
    _polls(world, branch)
    _events_and_roster(world, branch)
    _welfare(world, branch)
    _newcomer_signs_up(world, branch)
    _hardship_file(world)
    return world


def _newcomer_signs_up(world, branch):
    """A roster entry without an account signs up in the anonymous browser; the
    confirmation mail (and the page its link opens) is read as that browser's."""
    from tests.factories import MemberFactory

    newcomer = MemberFactory(branch=branch, name="新人QNEWCOMERQ", email="newcomer@example.cn")
    world.newcomer_email = newcomer.email
    response = submit(world.client("anonymous"), reverse("account_signup"),
                      {"email": newcomer.email, "password1": "Quiet-Lake-2026",
                       "password2": "Quiet-Lake-2026"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]


def _fund_fields(title, payee, purpose, amount, visibility="public"):
    return {
        "title": title, "body": "说明", "visibility": visibility,
        "lines-0-date": "2026-03-01", "lines-0-note": purpose,
        "lines-0-category": category_id(),
        "lines-0-payee": payee,
        "lines-0-amount": amount,
    }  # fmt: skip


def _notices(world, branch):
    officer, chair = world.client("officer"), world.client("chair")
    create = reverse("notices:create", args=["fund"])

    def draft(title, payee, purpose, amount, visibility="public", files=None):
        response = submit(officer, create, _fund_fields(title, payee, purpose, amount, visibility),
                          files=files)  # fmt: skip
        assert response.status_code == 302, response.content.decode()[-3000:]
        return Notice.objects.get(versions__title=title)

    def step(client, notice, name):
        return submit(client, reverse("notices:detail", args=[notice.pk]), {},
                      action=f"/{notice.pk}/{name}/")  # fmt: skip

    def publish(notice):
        step(officer, notice, "submit")
        step(chair, notice, "approve")
        step(officer, notice, "publish")
        notice.refresh_from_db()
        assert notice.status == "published", notice.status

    # Members only, with an objection named to the chair only.
    world.markers["members_only"] = ["QMOTITLEQ", "QMOPAYEEQ"]
    members_notice = draft("慰问QMOTITLEQ", "超市QMOPAYEEQ", "慰问品", "300.00", "members")
    publish(members_notice)
    world.markers["objection"] = ["QOBJTEXTQ"]
    submit(world.client("objector"), reverse("notices:detail", args=[members_notice.pk]),
           {"text": "金额有误QOBJTEXTQ", "confidential": "on"}, action="/object/")  # fmt: skip
    objection = members_notice.objections.get()
    submit(officer, reverse("notices:detail", args=[members_notice.pk]), {"text": "已核实"},
           action=f"/objections/{objection.pk}/answer/")  # fmt: skip

    # The members-only notice is corrected by the officer and approved by the chair.
    correction = _fund_fields("慰问QMOTITLEQ", "超市QMOPAYEEQ", "慰问品", "280.00")
    del correction["visibility"]
    submit(officer, reverse("notices:correct", args=[members_notice.pk]),
           {**correction, "reason": "金额更正"})  # fmt: skip
    submit(chair, reverse("notices:correction", args=[members_notice.pk]), {},
           action="/approve_correction/")  # fmt: skip
    assert members_notice.versions.count() == 2

    # A public notice with a file, then a correction nobody has approved yet.
    pdf = SimpleUploadedFile("单据.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    public = draft("春游QPUBTITLEQ", "旅行社", "春游", "1000.00", files={"attachments": pdf})
    publish(public)
    world.markers["unpublished"] = ["QDRAFTTITLEQ", "QDRAFTPAYEEQ", "QAPPROVEDQ", "QAWAITQ",
                                    "QFRIENDQ"]  # fmt: skip
    correction = _fund_fields("春游QPUBTITLEQ", "OFFICER-FRIEND QFRIENDQ", "春游", "99999.00")
    del correction["visibility"]
    submit(officer, reverse("notices:correct", args=[public.pk]), {**correction, "reason": "更正"})
    # A draft, one awaiting approval, one approved then withdrawn before publishing.
    draft("草稿QDRAFTTITLEQ", "QDRAFTPAYEEQ", "草稿用途", "12.00")
    step(officer, draft("待批QAWAITQ", "某店", "待批用途", "13.00"), "submit")
    approved = draft("已批QAPPROVEDQ", "某店", "已批用途", "14.00")
    step(officer, approved, "submit")
    step(chair, approved, "approve")
    submit(officer, reverse("notices:withdraw", args=[approved.pk]), {"reason": "撤回"})


def _awards(world, branch):
    """评优 rounds at each stage; in the one in its objection period an officer is
    among the proposed winners, so the objection to it goes to the liaison."""
    from awards.models import AwardRound

    officer, chair = world.client("officer"), world.client("chair")
    today = timezone.localdate()

    def new_round(title, publish=True):
        fields = {"title": title, "award": "优秀工会会员", "places": "2",
                  "criteria": "全年参加工会活动不少于3次", "nominations_open_on": today.isoformat(),
                  "nominations_close_on": (today + timedelta(days=7)).isoformat()}  # fmt: skip
        response = submit(officer, reverse("awards:create"), fields)
        assert response.status_code == 302, response.content.decode()[-2000:]
        award_round = AwardRound.objects.get(title=title)
        if publish:
            url = reverse("awards:publish", args=[award_round.pk])
            submit(officer, url, {}, action=url)
        return award_round

    def nominate(role, award_round, nominee_role):
        nominee = world.users[nominee_role].member
        response = submit(world.client(role), reverse("awards:nominate", args=[award_round.pk]),
                          {"nominee": str(nominee.pk), "reason": "热心服务"})  # fmt: skip
        assert response.status_code == 302, response.content.decode()[-2000:]

    def close(award_round):
        AwardRound.objects.filter(pk=award_round.pk).update(
            nominations_open_on=today - timedelta(days=8),
            nominations_close_on=today - timedelta(days=1),
        )

    new_round("评优草稿", publish=False)
    nominate("member", new_round("评优推荐中"), "objector")
    closed = new_round("评优待评议")
    nominate("member", closed, "officer")
    close(closed)

    shortlist = new_round("评优公示中")
    nominate("member", shortlist, "officer2")
    nominate("objector", shortlist, "member")
    close(shortlist)
    picked = [str(world.users[r].member.pk) for r in ("officer2", "member")]
    response = officer.post(reverse("awards:pick", args=[shortlist.pk]),
                            {"nominees": picked, "confirm": "on"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    shortlist.refresh_from_db()
    notice = shortlist.notice
    page = reverse("notices:detail", args=[notice.pk])
    submit(chair, page, {}, action=f"/{notice.pk}/approve/")
    submit(officer, page, {}, action=f"/{notice.pk}/publish/")
    world.markers["award_objection"] = ["QAWARDOBJQ"]
    submit(world.client("objector"), page, {"text": "活动次数不够QAWARDOBJQ"}, action="/object/")
    objection = notice.objections.get()
    assert objection.to_liaison


def _events_and_roster(world, branch):
    officer = world.client("officer")
    start = timezone.now() + timedelta(days=7)
    event = EventFactory(branch=branch, starts_at=start, ends_at=start + timedelta(hours=2))
    VenueFactory(event=event, capacity=5)
    Event.objects.filter(pk=event.pk).update(status="published")
    submit(world.client("member"), reverse("events:detail", args=[event.pk]), {},
           action="/register/")  # fmt: skip
    roster = "工号,姓名,部门,校区,入会日期\nM900,新成员,软件工程系,江湾校区,2020-01-01\n"
    upload = SimpleUploadedFile("roster.csv", roster.encode(), content_type="text/csv")
    submit(officer, reverse("members:import"), {}, files={"file": upload})


def _proposals(world, branch):
    """提案: the officer keeps a term, its representatives and an office; the member's
    proposal is co-signed, accepted by the chair and answered by the office's contact
    (the second officer); another proposal of the member stays a draft."""
    from participation.models import Proposal

    officer, chair, member = world.client("officer"), world.client("chair"), world.client("member")
    today = timezone.localdate()
    response = submit(officer, reverse("participation:terms"), {
        "name": "第五届", "start": (today - timedelta(days=30)).isoformat(),
        "end": (today + timedelta(days=700)).isoformat()})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    term_page = response["Location"]
    submit(officer, term_page, {"staff_number": world.users["member"].member.staff_number,
                                "delegation": "第一代表团"})  # fmt: skip
    submit(officer, reverse("participation:offices"),
           {"name": "教务办", "contacts": [str(world.users["officer2"].pk)]})  # fmt: skip

    def propose(title):
        response = submit(member, reverse("participation:create"), {"title": title,
                          "body": "理由与建议"})  # fmt: skip
        assert response.status_code == 302, response.content.decode()[-2000:]
        return Proposal.objects.get(title=title)

    world.markers["draft_proposal"] = ["QPROPDRAFTQ"]
    propose("草稿提案QPROPDRAFTQ")
    proposal = propose("食堂延长晚餐供应")
    page = reverse("participation:detail", args=[proposal.pk])

    def step(client, name, fields=None):
        response = submit(client, page, fields or {}, action=f"/{proposal.pk}/{name}/")
        assert response.status_code == 302, response.content.decode()[-2000:]

    step(member, "open")
    step(world.client("conf_filer"), "cosign")
    step(world.client("objector"), "cosign")
    step(member, "submit")
    step(chair, "review")
    step(chair, "decide", {"decision": "accepted"})
    step(chair, "assign")
    step(world.client("officer2"), "answer", {"text": "下学期起晚餐延至19:30"})
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ANSWERED, proposal.status
    # The branch makes its accepted proposals public: the public pages are swept too.
    response = submit(officer, reverse("participation:terms"),
                      {"cosigners_needed": "2", "public_proposals": "on"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]


# Branch members who cast a ballot in the secret poll, in the order they vote.
VOTERS = ["member", "conf_filer", "anon_filer", "objector", "needy", "officer", "officer2",
          "chair"]  # fmt: skip


def _secret_polls(world, branch):
    """Two secret polls of the branch, answered on the poll's page and then
    closed (results visible). In the first, every voter's free-text answer carries
    a marker of its own (world.objects["ballots"]: role -> marker, in the order
    cast); the second has only two free-text answers, fewer than the 5 a secret
    poll needs before its texts are shown, so its markers are shown to nobody."""
    from participation.models import Poll, PollQuestion

    def vote(role, poll, answers):
        page = reverse("participation:poll_detail", args=[poll.pk])
        fields = {f"q{question}": str(value) for question, value in answers.items()}
        response = submit(world.client(role), page, fields)
        assert response.status_code == 302, response.content.decode()[-2000:]

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    # Whole hours days ago: no time on a poll page can be the anonymous case's minute.
    opens = now - timedelta(days=2)

    def make(title):
        poll = Poll.objects.create(
            branch=branch, title=title, description="不记名，请如实填写。", secret=True,
            opens_at=opens, closes_at=now + timedelta(days=3), status=Poll.Status.PUBLISHED,
            published_at=opens, created_by=world.users["officer"],
        )  # fmt: skip
        single = poll.questions.create(kind=PollQuestion.Kind.SINGLE, text="最常去哪个食堂？")
        options = [single.options.create(text=t, position=k) for k, t in
                   enumerate(["一食堂", "二食堂", "教工餐厅"])]  # fmt: skip
        text = poll.questions.create(kind=PollQuestion.Kind.TEXT, text="意见与建议", position=1,
                                     required=False)  # fmt: skip
        return poll, single, options, text

    def close(poll):
        # After the voting, as if its closing time had passed.
        Poll.objects.filter(pk=poll.pk).update(closes_at=opens + timedelta(days=1))

    poll, single, options, text = make("食堂满意度调查（不记名）")
    world.objects["secret_poll"] = poll
    ballots = {}
    for k, role in enumerate(VOTERS):
        marker = f"QBALLOT{role.upper().replace('_', '')}Q"
        ballots[role] = marker
        world.markers[f"ballot_{role}"] = [marker]
        answers = {single.pk: options[k % len(options)].pk, text.pk: f"希望{marker}改进"}
        vote(role, poll, answers)
    world.objects["ballots"] = ballots
    close(poll)

    few, single, options, text = make("工会小组长信任度（不记名）")
    world.objects["few_poll"] = few
    world.markers["few_ballots"] = ["QFEWBALLOTAQ", "QFEWBALLOTBQ"]
    for role, marker in zip(["member", "needy"], world.markers["few_ballots"], strict=True):
        vote(role, few, {single.pk: options[0].pk, text.pk: f"说明{marker}"})
    # Three more ballots without a text: the poll has 5 ballots but only 2 texts.
    for role in ["objector", "officer", "chair"]:
        vote(role, few, {single.pk: options[1].pk})
    close(few)


def _polls(world, branch):
    """问卷: the officer drafts two polls through the form and publishes one, so
    every poll page is reached by a link (the secret-ballot sweep adds its own)."""
    from participation.models import Poll

    officer = world.client("officer")
    for title in ("问卷草稿", "活动意向调查"):
        response = submit(officer, reverse("participation:poll_create"), {
            "title": title, "question_1_text": "周末还是工作日？",
            "question_1_options": "周末\n工作日"})  # fmt: skip
        assert response.status_code == 302, response.content.decode()[-2000:]
    poll = Poll.objects.get(title="活动意向调查")
    page = reverse("participation:poll_detail", args=[poll.pk])
    response = submit(officer, page, {}, action="/publish/")
    assert response.status_code == 302, response.content.decode()[-2000:]


def _hardship_file(world):
    """困难职工建档: the officer opens a file for the member in hardship (the second
    officer responsible, who is told by inbox and email), records a visit and aid
    money with a note, and the file stays open."""
    from care.models import HardshipFile

    officer = world.client("officer")
    needy = world.users["needy"].member
    today = timezone.localdate()
    response = submit(officer, reverse("care:hardship_open"), {
        "staff_number": needy.staff_number, "reason": "family_illness", "level": "special",
        "officer": str(world.users["officer2"].pk),
        "review_on": (today + timedelta(days=300)).isoformat(),
        "situation": "家属住院QHARDSITQ",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    file = HardshipFile.objects.get(member=needy)
    page = reverse("care:hardship_detail", args=[file.pk])
    world.markers["hardship_record"] = ["1234.56", "QHARDNOTEQ", "QHARDSITQ"]
    for fields in (
        {"kind": "visit", "note": "上门看望"},
        {"kind": "aid", "amount": "1234.56", "note": "医疗救助QHARDNOTEQ"},
    ):
        response = submit(officer, page, {"date": today.isoformat(), **fields},
                          action="/record/")  # fmt: skip
        assert response.status_code == 302, response.content.decode()[-2000:]


def _welfare(world, branch):
    """福利发放: an open handout; the member chose and has a code, a colleague
    collected at the far campus's point."""
    from care import services as care_services
    from tests.care.welfare_world import open_handout

    officer = world.users["officer"]
    handout, gift, card, near, far = open_handout(branch, officer)
    member = world.users["member"].member
    care_services.choice_make(member=member, handout=handout, option_id=gift.pk, point_id=far.pk)
    objector = world.users["objector"].member
    code = care_services.choice_make(
        member=objector, handout=handout, option_id=card.pk, point_id=far.pk
    ).code
    care_services.pickup_record(actor=officer, point=far, code=code)
