"""Poll pages and services: officers draft, publish and remind; members answer
once and see that they did; a secret poll never shows anyone's answers."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Member
from participation import services
from participation.models import Ballot, Poll, PollQuestion, PollVoter
from tests.factories import CampusFactory, MemberFactory, UserFactory
from union_portal.core.models import Notification

pytestmark = pytest.mark.django_db

Kind = PollQuestion.Kind


def questions():
    return [
        {"kind": "single", "text": "最常去哪个食堂？", "options": ["一食堂", "二食堂"]},
        {"kind": "multiple", "text": "希望增加哪些菜？", "options": ["面食", "粤菜", "素食"],
         "max_choices": 2},
        {"kind": "rating", "text": "总体评分", "options": []},
        {"kind": "text", "text": "其他建议", "options": [], "required": False},
    ]  # fmt: skip


def save(people, branch, **fields):
    now = timezone.now()
    values = {
        "actor": people["officer"], "branch_id": branch.pk, "title": "食堂满意度调查",
        "opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(days=3),
        "questions": questions(),
    } | fields  # fmt: skip
    return services.poll_save(**values)


def published(people, branch, **fields):
    return services.poll_publish(actor=people["officer"], poll=save(people, branch, **fields))


def answers(poll, option=0, rating=4, text=""):
    single, multiple, rating_q, text_q = poll.questions.all()
    return {
        single.pk: list(single.options.all())[option].pk,
        multiple.pk: [o.pk for o in multiple.options.all()[:2]],
        rating_q.pk: rating,
        text_q.pk: text,
    }


# --- services -------------------------------------------------------------------


def test_an_officer_saves_a_draft_with_every_kind_of_question(people, branch):
    poll = save(people, branch)
    assert poll.status == Poll.Status.DRAFT
    kinds = [
        (q.kind, q.max_choices, [o.text for o in q.options.all()]) for q in poll.questions.all()
    ]
    assert kinds == [
        ("single", None, ["一食堂", "二食堂"]),
        ("multiple", 2, ["面食", "粤菜", "素食"]),
        ("rating", None, []),
        ("text", None, []),
    ]
    edited = save(people, branch, poll=poll, title="食堂调查", questions=questions()[:1])
    assert edited.pk == poll.pk and edited.title == "食堂调查"
    assert poll.questions.count() == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"title": " "}, "Give the poll a title"),
        ({"questions": []}, "at least one question"),
        ({"secret": True, "results": "live"}, "secret poll shows its results only after it closes"),
        ({"audience": "campus"}, "campus where the branch has members"),
        ({"closes_at": timezone.now() - timedelta(hours=2),
          "opens_at": timezone.now() - timedelta(hours=3)}, "close in the future"),
        ({"opens_at": timezone.now() + timedelta(days=5)}, "close after it opens"),
        ({"questions": [{"kind": "single", "text": "一个选项", "options": ["是", " "]}]},
         "Question 1: give at least two options"),
        ({"questions": [{"kind": "multiple", "text": "多选", "options": ["甲", "乙"],
                         "max_choices": 3}]}, "between 1 and the 2 options"),
        ({"questions": [{"kind": "multiple", "text": "多选", "options": ["甲", "乙"],
                         "max_choices": 0}]}, "between 1 and the 2 options"),
        ({"questions": [{"kind": "rating", "text": "", "options": []}]},
         "Question 1: write the question"),
        ({"questions": [{"kind": "rating", "text": "评分", "options": ["甲"]}]},
         "only single and multiple choice questions have options"),
        ({"questions": [{"kind": "single", "text": "重复", "options": ["甲", "甲"]}]},
         "given twice"),
    ],
)  # fmt: skip
def test_a_bad_poll_is_refused_with_a_clear_message_and_nothing_saved(
    people, branch, change, message
):
    with pytest.raises(services.ParticipationRuleError, match=message):
        save(people, branch, **change)
    assert not Poll.objects.exists()


def test_only_officers_of_the_branch_save_and_publish(people, branch):
    with pytest.raises(services.ParticipationRuleError, match="Only officers"):
        save(people, branch, actor=people["member"])
    with pytest.raises(services.ParticipationRuleError, match="Only officers"):
        save(people, branch, actor=people["other_officer"])
    poll = save(people, branch)
    with pytest.raises(services.ParticipationRuleError, match="Only officers"):
        services.poll_publish(actor=people["member"], poll=poll)
    assert Poll.objects.get().status == Poll.Status.DRAFT


def test_a_published_poll_is_frozen_and_published_once(people, branch):
    poll = published(people, branch)
    assert poll.status == Poll.Status.PUBLISHED and poll.published_at
    with pytest.raises(services.ParticipationRuleError, match="can no longer change"):
        save(people, branch, poll=poll, title="改题")
    with pytest.raises(services.ParticipationRuleError, match="already published"):
        services.poll_publish(actor=people["chair"], poll=poll)
    assert Poll.objects.get().title == "食堂满意度调查"


def test_a_poll_whose_closing_time_passed_is_not_published(people, branch):
    poll = save(people, branch)
    later = poll.closes_at + timedelta(minutes=1)
    with pytest.raises(services.ParticipationRuleError, match="closing time has passed"):
        services.poll_publish(actor=people["officer"], poll=poll, now=later)


def test_a_campus_poll_is_for_the_members_of_that_campus(people, branch):
    member = Member.objects.get(user=people["member"])
    poll = published(people, branch, audience="campus", campus=member.home_campus)
    elsewhere = MemberFactory(branch=branch, home_campus=CampusFactory(name="临港校区"))
    eligible = set(services.poll_eligible_members(poll).values_list("pk", flat=True))
    assert member.pk in eligible and elsewhere.pk not in eligible
    services.poll_vote(actor=people["member"], poll=poll, answers=answers(poll))


def test_reminders_go_to_those_who_have_not_answered_once_a_day(people, branch):
    poll = published(people, branch)
    services.poll_vote(actor=people["member"], poll=poll, answers=answers(poll))
    told = services.poll_remind(actor=people["officer"], poll=poll)
    # officer, chair (members of the branch) but not the member who answered
    reminded = set(Notification.objects.filter(key__startswith=f"poll-{poll.pk}-remind-")
                   .values_list("user_id", flat=True))  # fmt: skip
    assert told == 2 and reminded == {people["officer"].pk, people["chair"].pk}
    assert services.poll_remind(actor=people["chair"], poll=poll) == 0
    tomorrow = timezone.now() + timedelta(days=1)
    assert services.poll_remind(actor=people["chair"], poll=poll, now=tomorrow) == 2
    subjects = " ".join(Notification.objects.values_list("subject", flat=True))
    assert "食堂满意度调查" in subjects and "一食堂" not in subjects


def test_reminders_are_refused_on_a_closed_poll_and_for_members(people, branch):
    poll = published(people, branch)
    with pytest.raises(services.ParticipationRuleError, match="Only officers"):
        services.poll_remind(actor=people["member"], poll=poll)
    after = poll.closes_at + timedelta(seconds=1)
    with pytest.raises(services.ParticipationRuleError, match="has closed"):
        services.poll_remind(actor=people["officer"], poll=poll, now=after)
    assert not Notification.objects.exists()


def test_members_are_told_once_when_a_poll_opens(
    people, branch, django_capture_on_commit_callbacks
):
    later = timezone.now() + timedelta(hours=2)
    poll = published(people, branch, opens_at=later, closes_at=later + timedelta(days=1))
    assert services.poll_announce_openings() == 0  # not open yet
    crowd = [UserFactory() for _ in range(30)]
    for user in crowd:
        MemberFactory(branch=branch, user=user, email=user.email)
    MemberFactory(branch=branch, user=None)  # no account: nobody to tell
    opened = later + timedelta(minutes=1)
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.poll_announce_openings(now=opened) == 33
    assert callbacks  # the emails are queued
    assert services.poll_announce_openings(now=opened) == 0
    told = Notification.objects.filter(key=f"poll-{poll.pk}-open")
    assert told.count() == 33
    assert not told.filter(user=people["other_officer"]).exists()
    assert told.filter(user=crowd[0], url=reverse("participation:poll_detail", args=[poll.pk]))


# --- pages ----------------------------------------------------------------------


def poll_form(**overrides):
    now = timezone.localtime()
    data = {
        "title": "工会活动意向", "description": "请填写", "audience": "members",
        "results": "after_close",
        "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "question_1_kind": "single", "question_1_text": "周末还是工作日？",
        "question_1_options": "周末\r\n工作日\r\n", "question_1_required": "on",
        "question_2_kind": "multiple", "question_2_text": "哪些活动？",
        "question_2_options": "羽毛球\n登山\n读书会", "question_2_max": "2",
        "question_2_required": "on",
        "question_3_kind": "rating", "question_3_text": "去年活动评分",
        "question_3_required": "on",
        "question_4_kind": "text", "question_4_text": "其他想法",
    }  # fmt: skip
    return data | overrides


def test_an_officer_creates_publishes_and_a_member_answers_through_the_pages(
    client, people, branch
):
    client.force_login(people["officer"])
    response = client.post(reverse("participation:poll_create"), poll_form(secret="on"))
    assert response.status_code == 302, response.content.decode()[-3000:]
    poll = Poll.objects.get()
    assert [q.kind for q in poll.questions.all()] == ["single", "multiple", "rating", "text"]
    assert not poll.questions.get(kind="text").required
    client.post(reverse("participation:poll_publish", args=[poll.pk]))
    poll.refresh_from_db()
    assert poll.status == Poll.Status.PUBLISHED

    client.force_login(people["member"])
    listing = client.get(reverse("participation:poll_list")).content.decode()
    assert "工会活动意向" in listing and 'data-testid="not-answered"' in listing
    single, multiple, rating, text = poll.questions.all()
    url = reverse("participation:poll_detail", args=[poll.pk])
    response = client.post(url, {
        f"q{single.pk}": single.options.all()[1].pk,
        f"q{multiple.pk}": [o.pk for o in multiple.options.all()[:2]],
        f"q{rating.pk}": "5", f"q{text.pk}": "多办QSECRETANSWERQ",
    })  # fmt: skip
    assert response.status_code == 302
    page = client.get(url).content.decode()
    day = timezone.localdate().isoformat()
    assert f"You answered on {day}" in page or f"您已于 {day} 作答" in page
    # A secret ballot: the member's own answers are not shown back, nor the form.
    assert "QSECRETANSWERQ" not in page and "工作日" not in page.split("answered-state")[1]
    assert 'data-testid="vote-form"' not in page
    assert Ballot.objects.get(poll=poll).member_id is None
    listing = client.get(reverse("participation:poll_list")).content.decode()
    assert 'data-testid="answered"' in listing


def test_a_bad_ballot_keeps_the_members_input_and_writes_nothing(client, people, branch):
    poll = published(people, branch)
    single, multiple, rating, text = poll.questions.all()
    client.force_login(people["member"])
    url = reverse("participation:poll_detail", args=[poll.pk])
    response = client.post(url, {
        f"q{single.pk}": single.options.all()[0].pk,
        f"q{multiple.pk}": [o.pk for o in multiple.options.all()],  # three, at most two
        f"q{rating.pk}": "9", f"q{text.pk}": "保留我的文字",
    })  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose at most 2 options" in page or "最多选择 2 项" in page
    assert "保留我的文字" in page and "checked" in page
    assert not PollVoter.objects.exists() and not Ballot.objects.exists()
    for junk in ("x", "99999999999999999999", "\x00"):
        response = client.post(url, {f"q{single.pk}": junk, f"q{rating.pk}": junk,
                                     f"q{multiple.pk}": junk, f"q{text.pk}": junk})  # fmt: skip
        assert response.status_code == 200
    assert not Ballot.objects.exists()


def test_a_named_poll_shows_the_member_their_answers_and_refuses_a_second_ballot(
    client, people, branch
):
    poll = published(people, branch)
    services.poll_vote(actor=people["member"], poll=poll, answers=answers(poll, option=1))
    client.force_login(people["member"])
    url = reverse("participation:poll_detail", args=[poll.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="my-answers"' in page and "二食堂" in page
    client.post(url, {})
    assert Ballot.objects.count() == 1


def test_refused_steps_say_why(client, people, branch):
    poll = published(people, branch)
    client.force_login(people["officer"])
    response = client.post(reverse("participation:poll_edit", args=[poll.pk]), poll_form())
    assert response.status_code == 302
    assert Poll.objects.get().title == "食堂满意度调查"
    client.post(reverse("participation:poll_publish", args=[poll.pk]))
    page = client.get(reverse("participation:poll_detail", args=[poll.pk])).content.decode()
    assert "already published" in page or "已经发布" in page
    response = client.post(reverse("participation:poll_create"),
                           poll_form(secret="on", results="live"))  # fmt: skip
    assert response.status_code == 200 and Poll.objects.count() == 1
    assert "secret poll" in response.content.decode() or "不记名" in response.content.decode()


def test_a_draft_and_another_branchs_poll_are_not_there(client, people, branch, other_branch):
    draft = save(people, branch)
    client.force_login(people["member"])
    assert client.get(reverse("participation:poll_detail", args=[draft.pk])).status_code == 404
    assert "食堂满意度调查" not in client.get(reverse("participation:poll_list")).content.decode()
    poll = published(people, branch)
    client.force_login(people["other_officer"])
    for name in ("poll_detail", "poll_voters", "poll_edit"):
        assert client.get(reverse(f"participation:{name}", args=[poll.pk])).status_code == 404
    client.post(reverse("participation:poll_remind", args=[poll.pk]))
    assert not Notification.objects.exists()


def test_the_voters_page_counts_turnout_and_lists_who_has_not_answered(client, people, branch):
    poll = published(people, branch, secret=True)
    services.poll_vote(actor=people["member"], poll=poll, answers=answers(poll))
    client.force_login(people["officer"])
    url = reverse("participation:poll_voters", args=[poll.pk])
    page = client.get(url).content.decode()
    member, chair = (
        Member.objects.get(user=people["member"]),
        Member.objects.get(user=people["chair"]),
    )
    assert "1 of 3 eligible members answered (33%)" in page or "3 名" in page
    waiting = page.split('data-testid="waiting"')[1]
    assert chair.name in waiting and member.name not in waiting
    assert chair.department.name in waiting
    response = client.post(reverse("participation:poll_remind", args=[poll.pk]))
    assert response.status_code == 302
    assert Notification.objects.filter(key__startswith=f"poll-{poll.pk}-remind").count() == 2
    client.force_login(people["member"])
    assert client.get(url).status_code == 403


def test_an_empty_poll_list_says_so(client, people):
    client.force_login(people["member"])
    assert 'data-testid="empty"' in client.get(reverse("participation:poll_list")).content.decode()


def test_the_proposals_page_links_to_the_polls(client, people):
    client.force_login(people["member"])
    page = client.get(reverse("participation:list")).content.decode()
    assert reverse("participation:poll_list") in page


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_and_voters_pages_cost_fixed_queries(
    client, people, branch, size, django_assert_max_num_queries
):
    for n in range(size):
        poll = published(people, branch, title=f"问卷{n}", secret=bool(n % 2))
    for _ in range(size):
        user = UserFactory()
        MemberFactory(branch=branch, user=user, email=user.email)
    # The floor's 4, the count, the page's ids and its rows.
    client.force_login(people["member"])
    with django_assert_max_num_queries(7):
        page = client.get(reverse("participation:poll_list")).content.decode()
    assert page.count('data-testid="poll-state"') == min(size, 20)
    client.force_login(people["officer"])
    with django_assert_max_num_queries(7):
        assert client.get(reverse("participation:poll_list")).status_code == 200
    with django_assert_max_num_queries(10):
        url = reverse("participation:poll_voters", args=[poll.pk])
        assert client.get(url).status_code == 200


def test_the_admin_lists_voters_by_day_and_never_ballots(client, people, branch):
    from django.contrib.auth import get_user_model

    poll = published(people, branch, secret=True)
    services.poll_vote(actor=people["member"], poll=poll, answers=answers(poll, text="QADMINQ"))
    admin = get_user_model().objects.create_superuser("root", "root@example.cn", "pw-123456789")
    client.force_login(admin)
    voters = client.get("/admin/participation/pollvoter/").content.decode()
    assert Member.objects.get(user=people["member"]).name in voters
    assert timezone.localdate().strftime("%Y") in voters
    assert client.get("/admin/participation/poll/").status_code == 200
    assert client.get(f"/admin/participation/poll/{poll.pk}/change/").status_code == 200
    assert client.get("/admin/participation/ballot/").status_code == 404
    assert client.get("/admin/participation/ballotanswer/").status_code == 404
    option = poll.questions.first().options.first()
    for address in (
        f"/admin/participation/pollvoter/?poll__ballots__answers__option={option.pk}",
        f"/admin/participation/poll/?ballots__answers__option={option.pk}",
        "/admin/participation/poll/?voters__member__isnull=False",
    ):
        assert client.get(address).status_code == 400, address


def test_the_poll_page_reads_the_poll_once_with_its_questions(client, people, branch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    poll = published(people, branch)
    client.force_login(people["member"])
    url = reverse("participation:poll_detail", args=[poll.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert 'data-testid="vote-form"' in page and "最常去哪个食堂？" in page and "粤菜" in page
    polls = [q for q in queries.captured_queries
             if re.search(r'FROM "?participation_poll\b', q["sql"])]  # fmt: skip
    assert len(polls) == 1
    # The poll with the member's answer day, then its questions with their options.
    assert len(queries) <= 6


def test_the_poll_page_opens_exactly_the_polls_the_list_shows_and_the_form_to_those_asked(
    client, people, branch, other_branch
):
    from participation.permissions import polls_visible_to

    member = Member.objects.get(user=people["member"])
    now = timezone.now()
    today = timezone.localdate(now)
    term = services.term_save(
        actor=people["officer"],
        branch_id=branch.pk,
        name="第五届",
        start=today - timedelta(days=30),
        end=today + timedelta(days=700),
    )
    rep_user = UserFactory()
    representative = MemberFactory(branch=branch, user=rep_user, email=rep_user.email,
                                   home_campus=CampusFactory(name="临港校区"))  # fmt: skip
    services.representative_add(actor=people["officer"], term=term, member=representative)
    later = {"opens_at": now + timedelta(days=1), "closes_at": now + timedelta(days=3)}
    polls = [
        save(people, branch),
        published(people, branch),
        published(people, branch, audience="campus", campus=member.home_campus),
        published(people, branch, audience="representatives"),
        published(people, branch, **later),
        services.poll_publish(actor=people["other_officer"], poll=save(
            people, other_branch, actor=people["other_officer"])),
    ]  # fmt: skip
    closed = published(people, branch, audience="representatives")
    Poll.objects.filter(pk=closed.pk).update(opens_at=now - timedelta(days=3),
                                             closes_at=now - timedelta(hours=1))  # fmt: skip
    closed.refresh_from_db()
    polls.append(closed)
    readers = [people["member"], people["officer"], people["other_officer"], people["liaison"],
               rep_user]  # fmt: skip
    for user in readers:
        listed = set(polls_visible_to(user, timezone.now()).values_list("pk", flat=True))
        roster = Member.objects.filter(user=user).first()
        client.force_login(user)
        for poll in polls:
            response = client.get(reverse("participation:poll_detail", args=[poll.pk]))
            assert response.status_code == (200 if poll.pk in listed else 404)
            if response.status_code == 200:
                eligible = (
                    roster is not None and poll.is_open(timezone.now())
                    and services.poll_eligible_members(poll).filter(pk=roster.pk).exists()
                )  # fmt: skip
                shown = 'data-testid="vote-form"' in response.content.decode()
                assert shown == eligible, (user, poll.audience)
