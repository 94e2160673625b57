"""Poll results: counts and shares aggregated in SQL, free texts of a secret poll
shown only from 5, turnout per campus and department withheld under 5, who sees
the results and from when, and exports that say what the page says."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from participation import selectors, services
from participation.models import Ballot, BallotAnswer, Poll, PollQuestion, PollVoter
from tests.factories import (
    CampusFactory,
    DepartmentFactory,
    MemberFactory,
    UserFactory,
    user_with_role,
)

Kind = PollQuestion.Kind


def make_poll(branch, officer, *, secret=True, closed=True, **fields):
    """A published poll with one question of each kind, open for the last two days
    (closed an hour ago) or open until the day after tomorrow."""
    now = timezone.now()
    poll = Poll.objects.create(
        branch=branch, title="食堂满意度调查", secret=secret, created_by=officer,
        opens_at=now - timedelta(days=2),
        closes_at=now - timedelta(hours=1) if closed else now + timedelta(days=2),
        status=Poll.Status.PUBLISHED, **fields,
    )  # fmt: skip
    single = poll.questions.create(kind=Kind.SINGLE, text="最常去哪个食堂？", position=1)
    for position, text in enumerate(["一食堂", "二食堂", "清真食堂"], start=1):
        single.options.create(text=text, position=position)
    multiple = poll.questions.create(
        kind=Kind.MULTIPLE, text="希望增加哪些餐品？", position=2, required=False, max_choices=3
    )
    for position, text in enumerate(["面食", "素食", "夜宵"], start=1):
        multiple.options.create(text=text, position=position)
    poll.questions.create(kind=Kind.RATING, text="总体评分", position=3)
    poll.questions.create(kind=Kind.TEXT, text="其他建议", position=4, required=False)
    return poll


def questions(poll):
    return dict(zip(("single", "multiple", "rating", "text"), poll.questions.all(), strict=True))


def options(question):
    return list(question.options.all())


def vote(user, poll, *, single=0, multiple=(), rating=4, text=""):
    """Casts through the service, at a moment the poll was open."""
    q = questions(poll)
    answers = {
        q["single"].pk: options(q["single"])[single].pk,
        q["multiple"].pk: [options(q["multiple"])[i].pk for i in multiple],
        q["rating"].pk: rating,
        q["text"].pk: text,
    }
    return services.poll_vote(
        actor=user, poll=poll, answers=answers, now=poll.opens_at + timedelta(hours=1)
    )


def voters(branch, n, **member_kwargs):
    users = [UserFactory() for _ in range(n)]
    for user in users:
        MemberFactory(branch=branch, user=user, email=user.email, **member_kwargs)
    return users


def entry(results, kind):
    return next(e for e in results["questions"] if e["kind"] == kind)


# --- counts, shares, averages ------------------------------------------------------


def test_counts_and_percentages_are_exact(branch, people):
    poll = make_poll(branch, people["officer"], secret=False)
    users = voters(branch, 6)
    # 一食堂 ×3, 二食堂 ×2, 清真食堂 ×1; ratings 5,5,4,3,1,1 → 19/6 = 3.17
    for user, choice, rating in zip(users, [0, 0, 0, 1, 1, 2], [5, 5, 4, 3, 1, 1], strict=True):
        vote(user, poll, single=choice, rating=rating)
    results = selectors.poll_results(poll)
    single = entry(results, Kind.SINGLE)
    assert results["ballots"] == 6 and single["answered"] == 6
    assert [(r["option"].text, r["count"], r["percent"]) for r in single["options"]] == [
        ("一食堂", 3, 50.0),
        ("二食堂", 2, 33.3),
        ("清真食堂", 1, 16.7),
    ]
    rating = entry(results, Kind.RATING)
    assert [r["count"] for r in rating["ratings"]] == [2, 0, 1, 1, 2]
    assert rating["answered"] == 6 and rating["average"] == 3.17


def test_multiple_choice_shares_are_of_the_ballots_that_answered(branch, people):
    poll = make_poll(branch, people["officer"], secret=False)
    users = voters(branch, 5)
    # Four ballots answer the question (one leaves it out): 面食 ×4, 素食 ×2, 夜宵 ×1.
    for user, ticked in zip(users, [(0, 1), (0, 1, 2), (0,), (0,), ()], strict=True):
        vote(user, poll, multiple=ticked)
    multiple = entry(selectors.poll_results(poll), Kind.MULTIPLE)
    assert multiple["answered"] == 4
    assert [(r["count"], r["percent"]) for r in multiple["options"]] == [
        (4, 100.0),
        (2, 50.0),
        (1, 25.0),
    ]


def test_a_poll_without_ballots_shows_zeros_not_an_error(branch, people):
    poll = make_poll(branch, people["officer"], secret=False)
    results = selectors.poll_results(poll)
    assert results["ballots"] == 0
    assert entry(results, Kind.RATING)["average"] is None
    assert all(r["percent"] == 0 for r in entry(results, Kind.SINGLE)["options"])


# --- free texts of a secret poll ---------------------------------------------------


def test_secret_poll_hides_fewer_than_five_texts_and_says_how_many(branch, people):
    poll = make_poll(branch, people["officer"])
    for i, user in enumerate(voters(branch, 6)):
        vote(user, poll, text=f"建议{i}" if i < 4 else "")
    text = entry(selectors.poll_results(poll), Kind.TEXT)
    assert text["texts"] == [] and text["texts_hidden_small"] and text["answered"] == 4


def test_secret_poll_shows_five_texts_in_the_order_of_their_random_ids(branch, people):
    poll = make_poll(branch, people["officer"])
    for i, user in enumerate(voters(branch, 5)):
        vote(user, poll, text=f"建议{i}")
    text = entry(selectors.poll_results(poll), Kind.TEXT)
    in_id_order = list(
        BallotAnswer.objects.filter(question__kind=Kind.TEXT, ballot__poll=poll)
        .order_by("id")
        .values_list("text", flat=True)
    )
    assert text["texts"] == in_id_order and len(in_id_order) == 5
    assert not text["texts_hidden_small"]


def test_a_secret_poll_with_fewer_than_five_ballots_shows_no_figures(branch, people, client):
    poll = make_poll(branch, people["officer"])
    for user in voters(branch, 4):
        vote(user, poll, single=0)
    results = selectors.poll_results(poll)
    # Not even the number of ballots: it reads "<5", as the turnout beside it.
    assert results["withheld"] and results["ballots"] == "<5"
    client.force_login(people["member"])
    page = client.get(reverse("participation:poll_results", args=[poll.pk])).content.decode()
    assert 'data-testid="results-withheld"' in page and 'data-testid="count"' not in page
    export = client.get(reverse("participation:poll_results_export", args=[poll.pk]),
                        {"format": "csv"}).content.decode("utf-8-sig")  # fmt: skip
    assert "4" not in [cell for line in export.splitlines() for cell in line.split(",")]


# --- turnout -----------------------------------------------------------------------


def test_turnout_withholds_a_group_of_four_and_shows_one_of_five(branch, people):
    poll = make_poll(branch, people["officer"], secret=False)
    far = CampusFactory(name="临港校区")
    lab = DepartmentFactory(branch=branch, name="实验中心")
    # people: member, officer, chair at 江湾 in 软件工程系's branch default department.
    near_users = voters(branch, 7, home_campus=CampusFactory(name="江湾校区"))
    far_five = voters(branch, 5, home_campus=far, department=lab)
    for user in near_users[:5] + far_five:
        vote(user, poll)
    turnout = selectors.poll_turnout(poll)
    campuses = {row["name"]: row for row in turnout["campuses"]}
    assert campuses["临港校区"]["eligible"] == 5 and campuses["临港校区"]["answered"] == 5
    assert campuses["临港校区"]["rate"] == 100.0
    assert turnout["overall"]["answered"] == 10

    # One of the 临港 voters' rows is gone: 4 answered there now.
    PollVoter.objects.filter(poll=poll, member__user=far_five[0]).delete()
    turnout = selectors.poll_turnout(poll)
    campuses = {row["name"]: row for row in turnout["campuses"]}
    assert campuses["临港校区"]["withheld"] and campuses["临港校区"]["answered"] is None
    # The only other campus is withheld too: the total would give the 4 away.
    assert campuses["江湾校区"]["withheld"]
    departments = {row["name"]: row for row in turnout["departments"]}
    assert departments["实验中心"]["withheld"] and departments["实验中心"]["eligible"] is None


def test_turnout_withholds_a_group_of_four_eligible(branch, people):
    poll = make_poll(branch, people["officer"], secret=False)
    small = DepartmentFactory(branch=branch, name="档案室")
    voters(branch, 4, department=small)  # 4 eligible, none answered
    big = DepartmentFactory(branch=branch, name="大系")
    others = DepartmentFactory(branch=branch, name="另系")
    for user in voters(branch, 5, department=big) + voters(branch, 6, department=others):
        vote(user, poll)
    rows = {row["name"]: row for row in selectors.poll_turnout(poll)["departments"]}
    assert rows["档案室"]["withheld"]
    assert rows["大系"]["eligible"] == 5 and rows["大系"]["answered"] == 5


def test_a_campus_poll_counts_the_members_of_that_campus(branch, people):
    far = CampusFactory(name="临港校区")
    poll = make_poll(branch, people["officer"], secret=False, audience="campus", campus=far)
    for user in voters(branch, 5, home_campus=far):
        vote(user, poll)
    turnout = selectors.poll_turnout(poll)
    assert [row["name"] for row in turnout["campuses"]] == ["临港校区"]
    assert turnout["overall"]["eligible"] == 5


# --- who sees the results, and when ------------------------------------------------

NOT_YET = 403
# (poll kind) -> {role: expected status of the results page}
VISIBILITY = {
    "closed_secret": {"member": 200, "officer": 200, "chair": 200, "liaison": 200,
                      "other_officer": 404, "outsider": 404},
    "open_secret": {"member": NOT_YET, "officer": NOT_YET, "chair": NOT_YET,
                    "liaison": NOT_YET, "other_officer": 404, "outsider": 404},
    "open_after_close": {"member": NOT_YET, "officer": 200, "chair": 200, "liaison": NOT_YET,
                         "other_officer": 404, "outsider": 404},
    "open_live": {"member": 200, "officer": 200, "chair": 200, "liaison": NOT_YET,
                  "other_officer": 404, "outsider": 404},
    "not_yet_open_live": {"member": NOT_YET, "officer": 200, "chair": 200,
                          "liaison": NOT_YET, "other_officer": 404, "outsider": 404},
    "draft": {"member": 404, "officer": NOT_YET, "chair": NOT_YET, "liaison": 404,
              "other_officer": 404, "outsider": 404},
}  # fmt: skip


def poll_of_kind(kind, branch, officer):
    if kind == "closed_secret":
        return make_poll(branch, officer)
    if kind == "open_secret":
        return make_poll(branch, officer, closed=False)
    if kind == "open_after_close":
        return make_poll(branch, officer, secret=False, closed=False)
    if kind == "open_live":
        return make_poll(branch, officer, secret=False, closed=False, results="live")
    poll = make_poll(branch, officer, secret=False, closed=False, results="live")
    if kind == "not_yet_open_live":
        poll.opens_at = timezone.now() + timedelta(hours=1)
    else:
        poll.status = Poll.Status.DRAFT
    poll.save()
    return poll


VISIBILITY_CASES = [(kind, role) for kind in VISIBILITY for role in VISIBILITY[kind]]


@pytest.mark.parametrize("url_name", ["poll_results", "poll_results_export"])
@pytest.mark.parametrize(
    "kind, role", VISIBILITY_CASES, ids=[f"{k}-{r}" for k, r in VISIBILITY_CASES]
)
def test_who_sees_the_results_and_when(client, branch, other_branch, people, kind, role,
                                       url_name):  # fmt: skip
    poll = poll_of_kind(kind, branch, people["officer"])
    outsider = user_with_role("member", other_branch)
    client.force_login(outsider if role == "outsider" else people[role])
    response = client.get(reverse(f"participation:{url_name}", args=[poll.pk]))
    assert response.status_code == VISIBILITY[kind][role]
    if response.status_code == NOT_YET:
        assert 'data-testid="results-wait"' in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, branch, people):
    poll = make_poll(branch, people["officer"])
    response = client.get(reverse("participation:poll_results", args=[poll.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_wait_page_says_when_the_results_appear(client, branch, people):
    poll = make_poll(branch, people["officer"], closed=False)
    client.force_login(people["officer"])
    page = client.get(reverse("participation:poll_results", args=[poll.pk])).content.decode()
    when = timezone.localtime(poll.closes_at).strftime("%Y-%m-%d %H:%M")
    assert when in page


def test_the_liaison_reads_figures_but_no_free_text(client, branch, people):
    poll = make_poll(branch, people["officer"], secret=False)
    for i, user in enumerate(voters(branch, 5)):
        vote(user, poll, text=f"食堂太贵{i}")
    client.force_login(people["liaison"])
    page = client.get(reverse("participation:poll_results", args=[poll.pk])).content.decode()
    assert 'data-testid="count"' in page and "食堂太贵" not in page
    export = client.get(reverse("participation:poll_results_export", args=[poll.pk]))
    assert "食堂太贵" not in export.content.decode("utf-8-sig")
    client.force_login(people["member"])
    page = client.get(reverse("participation:poll_results", args=[poll.pk])).content.decode()
    assert "食堂太贵0" in page


# --- the page and its exports ------------------------------------------------------


@pytest.fixture
def closed_poll(branch, people):
    """A closed secret poll: 6 ballots, 5 texts."""
    poll = make_poll(branch, people["officer"])
    for i, user in enumerate(voters(branch, 6)):
        vote(user, poll, single=i % 2, multiple=(0, 2) if i < 3 else (1,), rating=1 + i % 5,
             text=f"=HYPERLINK(建议{i})" if i < 5 else "")  # fmt: skip
    return poll


def page_figures(html):
    """(label, count, percent) of every bar on the page, in order."""
    import re

    rows = re.findall(
        r'data-testid="label">([^<]*)</span>.*?data-testid="count">(\d+)</span>'
        r'.*?data-testid="percent">([\d.]+)%',
        html,
        flags=re.S,
    )
    return [(label.replace(" ★", ""), int(count), float(pct)) for label, count, pct in rows]


def export_rows(client, poll, fmt):
    response = client.get(
        reverse("participation:poll_results_export", args=[poll.pk]), {"format": fmt}
    )
    assert response.status_code == 200
    if fmt == "csv":
        body = response.content
        assert body.startswith("\ufeff".encode())
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.content)).active
    # A member's "=HYPERLINK(…)" answer must not run in the reader's Excel.
    assert not [c.value for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_carry_the_figures_of_the_page(client, people, closed_poll, fmt):
    client.force_login(people["member"])
    html = client.get(reverse("participation:poll_results", args=[closed_poll.pk])).content
    on_page = page_figures(html.decode())
    assert len(on_page) == 3 + 3 + 5
    rows = export_rows(client, closed_poll, fmt)
    in_export = [
        (row[2], int(row[3]), float(row[4]))
        for row in rows
        if row[0] in ("Answers", "Rating", "选项", "评分") and row[4] != ""
    ]
    assert in_export == on_page
    texts = [row[2] for row in rows if row[0] in ("Free text", "文字回答")]
    assert sorted(t.lstrip("'") for t in texts) == [f"=HYPERLINK(建议{i})" for i in range(5)]


def test_export_withholds_small_turnout_groups_and_hidden_texts(client, branch, people):
    poll = make_poll(branch, people["officer"])
    for i, user in enumerate(voters(branch, 5)):
        vote(user, poll, text="只有一条" if i == 0 else "")
    client.force_login(people["chair"])
    rows = export_rows(client, poll, "csv")
    flat = "\n".join(",".join(row) for row in rows)
    assert "只有一条" not in flat
    # 8 eligible (the 5 voters and the three people) at one campus: shown; and one
    # department of the factory per voter: every department withheld.
    page = client.get(reverse("participation:poll_results", args=[poll.pk])).content.decode()
    assert "只有一条" not in page and 'data-testid="texts-hidden"' in page
    withheld_on_page = page.count('data-testid="withheld"')
    withheld_in_export = sum(1 for row in rows if row[0] in ("Campus", "Department", "Overall",
                                                            "校区", "部门", "总体")
                             and row[2].startswith(("Fewer", "少于")))  # fmt: skip
    assert withheld_on_page == withheld_in_export > 0


def test_an_unknown_export_format_is_refused(client, people, closed_poll):
    client.force_login(people["member"])
    url = reverse("participation:poll_results_export", args=[closed_poll.pk])
    assert client.get(url, {"format": "pdf"}).status_code == 404


def test_the_page_draws_bars_without_script_or_inline_style(client, people, closed_poll):
    client.force_login(people["member"])
    html = client.get(reverse("participation:poll_results", args=[closed_poll.pk])).content
    main = html.decode().split("<main", 1)[1].split("</main>", 1)[0]
    assert main.count("<progress") == 11
    assert "style=" not in main and "<script" not in main
    assert 'data-testid="multiple-note"' in main


# --- a fixed number of queries -------------------------------------------------------


def bulk_ballots(poll, n, department):
    """n secret ballots straight into the tables (the service is tested above; here
    only the number matters)."""
    q = questions(poll)
    one, multi = options(q["single"]), options(q["multiple"])
    ballots = Ballot.objects.bulk_create([Ballot(poll=poll) for _ in range(n)])
    answers = []
    for i, ballot in enumerate(ballots):
        answers += [
            BallotAnswer(ballot=ballot, question=q["single"], option=one[i % 3]),
            BallotAnswer(ballot=ballot, question=q["multiple"], option=multi[i % 3]),
            BallotAnswer(ballot=ballot, question=q["rating"], rating=1 + i % 5),
            BallotAnswer(ballot=ballot, question=q["text"], text=f"建议{i}"),
        ]
    BallotAnswer.objects.bulk_create(answers, batch_size=2000)
    members = MemberFactory.create_batch(n, branch=poll.branch, department=department)
    PollVoter.objects.bulk_create(
        [PollVoter(poll=poll, member=m, voted_on=timezone.localdate()) for m in members]
    )


QUERY_BUDGET = 16


def test_the_results_page_costs_the_same_queries_at_10_and_1000_ballots(
    client, branch, department, people, django_assert_max_num_queries
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    poll = make_poll(branch, people["officer"])
    client.force_login(people["officer"])
    url = reverse("participation:poll_results", args=[poll.pk])
    counted = []
    for n in (10, 990):
        bulk_ballots(poll, n, department)
        cache.clear()  # the ballots went straight into the tables: count them afresh
        with (
            django_assert_max_num_queries(QUERY_BUDGET),
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.get(url)
        assert response.status_code == 200
        counted.append(len(queries))
    assert counted[0] == counted[1]
    assert '<span data-testid="count">334</span>' in response.content.decode()  # 一食堂: 4 + 330
    # Read again, the figures and the turnout come from the cache: the poll alone is read.
    with CaptureQueriesContext(connection) as warm:
        assert '<span data-testid="count">334</span>' in client.get(url).content.decode()
    assert len(warm) <= counted[0] - 9, (len(warm), counted[0])


# --- cached until the data changes ------------------------------------------------


def results_page(client, poll):
    response = client.get(reverse("participation:poll_results", args=[poll.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_live_results_count_each_new_ballot_at_once(
    client, branch, people, django_capture_on_commit_callbacks
):
    poll = make_poll(branch, people["officer"], secret=False, closed=False, results="live")
    first, second = voters(branch, 2)
    with django_capture_on_commit_callbacks(execute=True):
        vote(first, poll, single=0)
    client.force_login(people["member"])
    assert ("一食堂", 1, 100.0) in page_figures(results_page(client, poll))
    with django_capture_on_commit_callbacks(execute=True):
        vote(second, poll, single=1)
    page = results_page(client, poll)
    figures = page_figures(page)
    assert ("一食堂", 1, 50.0) in figures and ("二食堂", 1, 50.0) in figures
    assert "</strong> 2</p>" in page  # the ballots


def test_closed_results_are_counted_once_and_then_read_from_the_cache(client, people, closed_poll):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people["member"])
    first = results_page(client, closed_poll)
    with CaptureQueriesContext(connection) as queries:
        again = results_page(client, closed_poll)
    assert page_figures(again) == page_figures(first) and "=HYPERLINK(建议4)" in again
    tables = ("participation_ballot", "participation_pollvoter")
    counted = [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in tables)]
    assert counted == []


def test_an_open_secret_poll_leaves_no_count_of_its_ballots_in_the_cache(
    branch, people, django_capture_on_commit_callbacks
):
    import redis
    from django.conf import settings

    poll = make_poll(branch, people["officer"], closed=False)
    with django_capture_on_commit_callbacks(execute=True):
        for user in voters(branch, 3):
            vote(user, poll)
    import re

    mine = re.compile(re.escape(selectors.results_version(poll)) + "(:|$)")
    keys = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).scan_iter()
    assert not [key for key in keys if mine.search(key.decode())]
