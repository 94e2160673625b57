import os
import tempfile
from copy import copy
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import client as test_client
from django.test.utils import ContextList
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

from events.models import Registration, ShuttleTrip
from grievances.models import Attachment
from members import services as member_services
from notices import services as notice_services
from notices.models import AwardResult, FundLine, NoticeAttachment, NoticeVersion
from tests.factories import (
    BranchFactory,
    CampusFactory,
    CategoryFactory,
    DepartmentFactory,
    EventFactory,
    GrievanceFactory,
    MemberFactory,
    VenueFactory,
    fund_notice,
    user_with_role,
)
from union_portal.core.notifications import notify

# Hypothesis keeps a cache (.hypothesis/) in the working directory: not in the checkout.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "union-portal-hypothesis")

# Reproducible in CI: the same examples on every run. To dig deeper, FUZZ_EXAMPLES=200
# draws more, FUZZ_RANDOM=1 draws new ones on each run (pytest --hypothesis-seed=N
# replays a run).
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "20")),
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(autouse=True)
def local_cache(settings):
    """Rate-limit counters in this process's memory: a fuzz run clears its cache before
    every example, and must not clear those of a test run beside it."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _store_first_context(store, signal, sender, template, context, **kwargs):
    store.setdefault("templates", []).append(template)
    if "context" not in store:
        store["context"] = ContextList([copy(context)])


@pytest.fixture(autouse=True)
def view_context_only(monkeypatch):
    """response.context holds the view's own context only, not a copy for every
    template rendered (crispy renders several per field): a quarter faster."""
    monkeypatch.setattr(test_client, "store_rendered_templates", _store_first_context)


@pytest.fixture(scope="module")
def private_files(tmp_path_factory):
    """Uploaded files go to a folder of this module, so a test can tell when one is written."""
    root = tmp_path_factory.mktemp("private")
    fields = [model._meta.get_field("file") for model in (Attachment, NoticeAttachment)]
    storages = list({id(f.storage): f.storage for f in fields}.values())
    cached = ("base_location", "location")
    saved = [(s, s._location) for s in storages]
    for storage in storages:
        storage._location = str(root)
        for name in cached:
            storage.__dict__.pop(name, None)
    yield root
    for storage, location in saved:
        storage._location = location
        for name in cached:
            storage.__dict__.pop(name, None)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, private_files):
    """Built once per module in a transaction rolled back after its last test (each test
    runs in a savepoint inside it, each example in a savepoint inside that).
    Returns (people, {name of an object: the kwargs of its URLs})."""
    with django_db_blocker.unblock(), transaction.atomic():
        branch = BranchFactory(name="计算机学院分工会")
        other_branch = BranchFactory(name="外国语学院分工会")
        department = DepartmentFactory(branch=branch, name="软件工程系")
        people = {
            "member": user_with_role("member", branch),
            "officer": user_with_role("officer", branch),
            "chair": user_with_role("chair", branch),
            "liaison": user_with_role("liaison", other_branch),
            "other_officer": user_with_role("officer", other_branch),
        }
        yield people, _objects(people, branch, department)
        transaction.set_rollback(True)


def _objects(people, branch, department):
    """What the pages are about, in `branch`: a roster entry and an import of the officer,
    a published event with two venues, an online link and a shuttle (the member
    registered) and a draft one, a case filed by the member and assigned to the officer
    with a file, and notices at every step with an objection."""
    officer, chair, member = people["officer"], people["chair"], people["member"]
    roster_entry = MemberFactory(branch=branch, department=department)
    roster_import = member_services.roster_import_upload(
        actor=officer,
        branch=branch,
        filename="roster.csv",
        content="工号,姓名,部门,校区,入会日期\nM900,新成员,软件工程系,江湾校区,2020-01-01\n".encode(),
    )
    for user in people.values():
        notify(user=user, key="fuzz", subject="hello", url="/events/")
    event = EventFactory(branch=branch, online_url="https://meeting.example.cn/1")
    venue = VenueFactory(event=event, capacity=10)
    far = VenueFactory(event=event, campus=CampusFactory(name="邯郸校区"), capacity=1)
    ShuttleTrip.objects.create(event=event, direction="out", departure_campus=venue.campus,
                               departure_place="正门", seats=5,
                               departs_at=event.starts_at - timedelta(hours=1))  # fmt: skip
    ShuttleTrip.objects.create(event=event, direction="back", departure_campus=far.campus,
                               departure_place="东门", seats=1,
                               departs_at=event.ends_at)  # fmt: skip
    draft_event = EventFactory(branch=branch, status="draft")
    VenueFactory(event=draft_event)
    registration = Registration.objects.create(
        event=event, member=member.member, venue=venue, status="confirmed"
    )
    case = GrievanceFactory(
        category=CategoryFactory(branch=branch),
        assignee=officer,
        filer_member=member.member,
        filer=member,
    )
    case_file = Attachment.objects.create(
        grievance=case, token="t" * 32, number=1, content_type="application/pdf", size=5,
        file=ContentFile(b"%PDF-", name="a.pdf"),
    )  # fmt: skip
    members_notice = fund_notice(branch, officer, chair=chair, status="published",
                                 visibility="members")  # fmt: skip
    notice_services.notice_correct(
        actor=officer, notice=members_notice, reason="更正", version=NoticeVersion(title="更正"),
        lines=[FundLine(date=date(2026, 1, 1), note="x", payee="y", amount=Decimal("2"))],
    )  # fmt: skip
    notice_services.correction_approve(actor=chair, notice=members_notice)
    public_notice = fund_notice(branch, officer, chair=chair, status="published")
    corrected = fund_notice(branch, officer, chair=chair, status="published")
    notice_services.notice_correct(
        actor=officer, notice=corrected, reason="更正", version=NoticeVersion(title="更正"),
        lines=[FundLine(date=date(2026, 1, 1), note="x", payee="y", amount=Decimal("3"))],
    )  # fmt: skip
    public_file = NoticeAttachment.objects.create(
        version=public_notice.current, token="n" * 32, name="a.pdf",
        content_type="application/pdf", size=5, file=ContentFile(b"%PDF-", name="a.pdf"),
    )  # fmt: skip
    draft_award = notice_services.notice_create(
        actor=officer, branch_id=branch.pk, kind="award", visibility="public",
        version=NoticeVersion(title="评优公示", body="名单", criteria="标准"),
        awards=[AwardResult(winner="张三", department="软件工程系", award="优秀会员")],
    )  # fmt: skip
    objection = notice_services.objection_file(
        user=member, member=member.member, notice=members_notice, text="?"
    )
    from django.utils import timezone

    from awards import services as award_services
    from awards.models import AwardRound

    today = timezone.localdate()

    def award_round(title, publish=True):
        made = award_services.round_create(
            actor=officer, branch_id=branch.pk, title=title, award="优秀会员", places=2,
            criteria="全年参加不少于3次", opens_on=today, closes_on=today,
        )  # fmt: skip
        if publish:
            award_services.round_publish(actor=officer, award_round=made)
        return made

    open_round, closed_round = award_round("评优"), award_round("评优已截止")
    award_services.nomination_create(
        actor=member, award_round=closed_round, nominee=roster_entry, reason="好"
    )
    AwardRound.objects.filter(pk=closed_round.pk).update(
        nominations_open_on=today - timedelta(days=9),
        nominations_close_on=today - timedelta(days=1),
    )
    from care import services as care_services

    hardship_file = care_services.hardship_file_open(
        actor=officer, member=roster_entry, reason="illness", level="general", officer=officer,
        review_on=today + timedelta(days=365),
    )  # fmt: skip
    care_services.support_record_add(
        actor=officer, file=hardship_file, kind="aid", date=today, amount=Decimal("300"),
        fund_line=public_notice.current.fund_lines.first(),
    )  # fmt: skip
    from tests.care.welfare_world import welfare_objects

    return {
        **welfare_objects(people, branch),
        **_participation(people, branch, today),
        **_poll_results(people, branch),
        **_polls(people, branch),
        "award_round": {"pk": open_round.pk},
        "closed_round": {"pk": closed_round.pk},
        "draft_round": {"pk": award_round("评优草稿", publish=False).pk},
        "none": {},
        "member": {"pk": roster_entry.pk},
        "import": {"pk": roster_import.pk},
        "event": {"pk": event.pk},
        "draft_event": {"pk": draft_event.pk},
        "registration": {"pk": registration.pk},
        "feed": {"token": member.member.calendar_feed_key},
        "case": {"pk": case.pk},
        "case_file": {"token": case_file.token},
        "members_notice": {"pk": members_notice.pk},
        "members_notice_v1": {"pk": members_notice.pk, "number": 1},
        "members_notice_v2": {"pk": members_notice.pk, "number": 2},
        "public_file": {"token": public_file.token},
        "draft_notice": {"pk": fund_notice(branch, officer).pk},
        "draft_award": {"pk": draft_award.pk},
        "awaiting_notice": {"pk": fund_notice(branch, officer, status="awaiting").pk},
        "approved_notice": {"pk": fund_notice(branch, officer, chair=chair, status="approved").pk},
        "objection": {"pk": members_notice.pk, "objection_pk": objection.pk},
        "pending_correction": {"pk": corrected.pk},
        "hardship_file": {"pk": hardship_file.pk},
        "report_year": {"year": today.year},
    }


def _participation(people, branch, today):
    """A term with the member as representative, an office the officer answers for,
    and a proposal of the member at each step."""
    from participation import services as ps

    officer, chair, member = people["officer"], people["chair"], people["member"]
    term = ps.term_save(actor=officer, branch_id=branch.pk, name="第五届", start=today,
                        end=today + timedelta(days=700))  # fmt: skip
    representative = ps.representative_add(actor=officer, term=term, member=member.member)
    office = ps.office_save(actor=officer, branch_id=branch.pk, name="教务办", contacts=[officer])

    def proposal(until):
        made = ps.proposal_create(actor=member, title="食堂晚餐", body="延长供应时间")
        steps = [
            ("collecting", lambda: ps.proposal_open(actor=member, proposal=made)),
            ("submitted", lambda: [ps.cosign(actor=u, proposal=made) for u in (officer, chair)]
             and ps.proposal_submit(actor=member, proposal=made)),
            ("under_review", lambda: ps.review_start(actor=chair, proposal=made)),
            ("accepted", lambda: ps.proposal_decide(actor=chair, proposal=made,
                                                    decision="accepted")),
            ("assigned", lambda: ps.proposal_assign(actor=chair, proposal=made, office=office)),
            ("answered", lambda: ps.proposal_answer(actor=officer, proposal=made, text="已办")),
        ]  # fmt: skip
        for status, step in steps:
            if until == "draft":
                break
            step()
            if status == until:
                break
        return {"pk": made.pk}

    # The branch makes its accepted proposals public (the public pages).
    ps.setting_save(actor=officer, branch_id=branch.pk, representatives_only=False,
                    cosigners_needed=2, public_proposals=True)  # fmt: skip
    public = proposal("assigned")
    return {
        "public_proposal": public,
        "term": {"pk": term.pk},
        "representative": {"pk": representative.pk},
        "office": {"pk": office.pk},
        **{
            f"{status}_proposal": proposal(status)
            for status in ("draft", "collecting", "submitted", "under_review", "accepted",
                           "assigned", "answered")
        },
    }  # fmt: skip


def _poll_results(people, branch):
    """A closed secret poll with five ballots (texts included), for its results pages."""
    from django.utils import timezone

    from participation import services as ps
    from participation.models import Poll

    now = timezone.now()
    poll = Poll.objects.create(
        branch=branch, title="食堂满意度", secret=True, created_by=people["officer"],
        status=Poll.Status.PUBLISHED, opens_at=now - timedelta(days=2),
        closes_at=now + timedelta(days=1),
    )  # fmt: skip
    single = poll.questions.create(kind="single", text="最常去哪个食堂？", position=1)
    first = single.options.create(text="一食堂", position=1)
    single.options.create(text="二食堂", position=2)
    text = poll.questions.create(kind="text", text="建议", position=2, required=False)
    for i in range(5):
        user = user_with_role("member", branch)
        ps.poll_vote(actor=user, poll=poll, answers={single.pk: first.pk, text.pk: f"建议{i}"})
    Poll.objects.filter(pk=poll.pk).update(closes_at=now - timedelta(hours=1))
    return {"closed_poll": {"pk": poll.pk}}


def _polls(people, branch):
    """A draft poll with every kind of question, and the same one published and open."""
    from django.utils import timezone

    from participation import services as ps

    now = timezone.now()
    fields = {
        "actor": people["officer"], "branch_id": branch.pk, "title": "食堂满意度",
        "opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(days=3),
        "questions": [
            {"kind": "single", "text": "哪个食堂", "options": ["一食堂", "二食堂"]},
            {"kind": "multiple", "text": "哪些菜", "options": ["面", "饭", "粥"],
             "max_choices": 2},
            {"kind": "rating", "text": "评分", "options": []},
            {"kind": "text", "text": "建议", "options": [], "required": False},
        ],
    }  # fmt: skip
    draft_poll, open_poll = ps.poll_save(**fields), ps.poll_save(**fields)
    ps.poll_publish(actor=people["officer"], poll=open_poll)
    return {"draft_poll": {"pk": draft_poll.pk}, "open_poll": {"pk": open_poll.pk}}
