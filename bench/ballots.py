"""Ballots per minute: many members answer one open secret poll at once, through
the vote service (participation.services.poll_vote) in several worker processes,
each with threads of its own database connection; some press the button twice.
The database is counted afterwards: one voter row and one ballot per member, none
lost, none doubled.

Run by bench/run.py; a worker is `python -m bench.ballots '<json>'`: it loads its
members and votes when told to (the plumbing is bench/crowd.py's)."""

import json
import sys
import time
from datetime import timedelta
from pathlib import Path

from bench import crowd

ROOT = Path(__file__).resolve().parent.parent
BRANCH_NAME = "投票速度测试分工会"
TWICE_EVERY = crowd.TWICE_EVERY


def prepare(user_ids: list[int]) -> int:
    """A branch of its own for the voters (so the poll's audience is exactly them)
    and an open secret poll with the data set's four questions; returns its id."""
    from django.utils import timezone

    from bench.dataset import POLL_QUESTIONS
    from members.models import Branch, Department, Member
    from participation.models import Poll

    branch = Branch.objects.create(name=BRANCH_NAME, short_name="投票测试")
    department = Department.objects.create(branch=branch, name="测试系")
    moved = Member.objects.filter(user_id__in=user_ids).update(
        branch=branch, status=Member.Status.ACTIVE, department=department
    )
    assert moved == len(user_ids), (moved, len(user_ids))
    now = timezone.now()
    poll = Poll.objects.create(
        branch=branch, title="投票速度测试", secret=True, status=Poll.Status.PUBLISHED,
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1),
        published_at=now - timedelta(hours=1), created_by_id=user_ids[0],
    )  # fmt: skip
    for position, (kind, text, options, most) in enumerate(POLL_QUESTIONS):
        question = poll.questions.create(
            position=position, kind=kind, text=text, required=kind != "text", max_choices=most
        )
        for k, option in enumerate(options):
            question.options.create(position=k, text=option)
    return poll.pk


def _answers(poll, k):
    answers = {}
    for question in poll.questions.all():
        options = [o.pk for o in question.options.all()]
        if question.kind == "single":
            answers[question.pk] = options[k % len(options)]
        elif question.kind == "multiple":
            answers[question.pk] = options[k % 3 : k % 3 + 2]
        elif question.kind == "rating":
            answers[question.pk] = k % 5 + 1
        elif k % 3 == 0:
            answers[question.pk] = f"意见{k}"
    return answers


def worker(job: dict) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from participation import services
    from participation.models import Poll

    poll = Poll.objects.prefetch_related("questions__options").get(pk=job["poll"])
    users = list(get_user_model().objects.filter(pk__in=job["users"]))
    attempts = crowd.with_second_presses(list(enumerate(users)), lambda item: item[1].pk)

    def vote(attempt, outcome):
        k, user = attempt
        user = get_user_model().objects.get(pk=user.pk)  # a fresh actor per vote
        t0 = time.perf_counter()
        try:
            services.poll_vote(actor=user, poll=poll, answers=_answers(poll, k))
            outcome["ok"].append(user.pk)
        except services.ParticipationRuleError as exc:
            outcome["refused"].append([user.pk, str(exc)])
        except Exception as exc:  # noqa: BLE001 - reported to the run
            outcome["errors"].append([user.pk, repr(exc)])
        outcome["latencies"].append(time.perf_counter() - t0)

    crowd.serve(attempts, job["threads"], vote, ("ok", "refused", "errors", "latencies"))


def race(env: dict, poll_id: int, user_ids: list[int], processes: int, threads: int) -> dict:
    """Starts the workers, lets them all go at once, returns their outcomes merged."""
    jobs = [
        {"poll": poll_id, "users": chunk, "threads": threads}
        for chunk in crowd.spread(user_ids, processes)
    ]
    return crowd.race(env, "bench.ballots", jobs)


def check(poll_id: int, user_ids: list[int], outcome: dict) -> dict:
    from django.db.models import Count

    from participation.models import Ballot, BallotAnswer, PollVoter

    voters = PollVoter.objects.filter(poll_id=poll_id)
    doubled = voters.values("member_id").annotate(n=Count("id")).filter(n__gt=1).count()
    ballots = Ballot.objects.filter(poll_id=poll_id)
    expected = len(user_ids)
    ok = set(outcome["ok"])
    refused_twice = [pk for pk, message in outcome["refused"] if "already" in message]
    return {
        "members": expected,
        "voter_rows": voters.count(),
        "ballots": ballots.count(),
        "named_ballots": ballots.filter(member__isnull=False).count(),
        "ballots_without_answers": ballots.filter(answers__isnull=True).count(),
        "answers": BallotAnswer.objects.filter(ballot__poll_id=poll_id).count(),
        "accepted": len(outcome["ok"]),
        "lost": len(set(user_ids) - ok),
        "doubled": doubled + max(0, len(outcome["ok"]) - len(ok)),
        "refused_as_second": len(refused_twice),
        "second_presses": sum(1 for pk in user_ids if crowd.presses_twice(pk)),
        "other_refusals": len(outcome["refused"]) - len(refused_twice),
        "errors": outcome["errors"][:5],
        "error_count": len(outcome["errors"]),
    }


if __name__ == "__main__":
    sys.path[0] = str(ROOT)
    worker(json.loads(sys.argv[1]))
