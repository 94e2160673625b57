"""Welfare choices under contention: many members choose the same gift of a welfare
handout at once, through the choice service (care.services.choice_make), in several
worker processes, each with threads of its own database connection; some press the
button twice. The gift has a stock: those told it is gone choose the option without
a limit, as a member would. The database is counted afterwards: exactly the stock of
the gift, one choice per member, none lost, none doubled.

Run by bench/run.py; a worker is `python -m bench.welfare_choices '<json>'`: it loads
its members and chooses when told to (the plumbing is bench/crowd.py's)."""

import json
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from bench import crowd

ROOT = Path(__file__).resolve().parent.parent
BRANCH_NAME = "福利选择速度测试分工会"
GIFT, CARD = "中秋月饼礼盒", "超市购物卡"


def prepare(user_ids: list[int], stock: int) -> dict:
    """A branch of its own for the members (so the handout's eligible members are
    exactly them), an open handout with the gift (`stock` of them) and the card (no
    limit, the default), and one pickup point per campus; returns their ids."""
    from django.utils import timezone

    from care.models import Handout, HandoutOption, PickupPoint
    from members.models import Branch, Campus, Department, Member

    branch = Branch.objects.create(name=BRANCH_NAME, short_name="福利测试")
    department = Department.objects.create(branch=branch, name="测试系")
    moved = Member.objects.filter(user_id__in=user_ids).update(
        branch=branch, status=Member.Status.ACTIVE, department=department
    )
    assert moved == len(user_ids), (moved, len(user_ids))
    handout = Handout.objects.create(
        branch=branch, title="中秋慰问品（速度测试）", status=Handout.Status.OPEN,
        deadline=timezone.now() + timedelta(days=7), created_by_id=user_ids[0],
    )  # fmt: skip
    gift = HandoutOption.objects.create(
        handout=handout, name=GIFT, unit_price=Decimal("128.00"), stock=stock
    )
    card = HandoutOption.objects.create(handout=handout, name=CARD, unit_price=Decimal("100.00"))
    handout.default_option = card
    handout.save(update_fields=["default_option"])
    points = {
        campus.pk: PickupPoint.objects.create(
            handout=handout, campus=campus, place=f"{campus.name}工会活动室", hours="9:00–17:00"
        ).pk
        for campus in Campus.objects.all()
    }
    return {
        "handout": handout.pk, "gift": gift.pk, "card": card.pk, "points": points,
        "members": list(Member.objects.filter(branch=branch).values_list("pk", flat=True)),
    }  # fmt: skip


def worker(job: dict) -> None:
    import django

    django.setup()
    from django.utils.translation import gettext as _

    from care import services
    from care.models import Handout, HandoutOption
    from members.models import Member

    handout = Handout.objects.get(pk=job["handout"])
    gift = HandoutOption.objects.get(pk=job["gift"])
    points = {int(campus): point for campus, point in job["points"].items()}
    members = list(Member.objects.filter(pk__in=job["members"]).order_by("pk"))
    attempts = crowd.with_second_presses(members, lambda member: member.pk)

    def choose(member, option_id, label, outcome):
        """One press; returns the refusal's message, None when accepted."""
        t0 = time.perf_counter()
        try:
            services.choice_make(
                member=member, handout=handout, option_id=option_id,
                point_id=points[member.home_campus_id],
            )  # fmt: skip
            outcome[label].append(member.pk)
            return None
        except services.WelfareRuleError as exc:
            return str(exc)
        finally:
            outcome["latencies"].append(time.perf_counter() - t0)

    def press(member, outcome):
        # The service's own words, in the thread's language, tell the refusals apart.
        gone = _("“%(name)s” is no longer available; please choose another option.") % {
            "name": gift.name
        }
        chosen = _("You have already chosen for this handout.")
        member = Member.objects.get(pk=member.pk)  # a fresh member per request
        try:
            refusal = choose(member, gift.pk, "gift", outcome)
            if refusal == gone:
                outcome["gone"].append(member.pk)
                refusal = choose(member, job["card"], "card", outcome)
            if refusal == chosen:
                outcome["already"].append(member.pk)
            elif refusal is not None:
                outcome["refused"].append([member.pk, refusal])
        except Exception as exc:  # noqa: BLE001 - reported to the run
            outcome["errors"].append([member.pk, repr(exc)])

    keys = ("gift", "gone", "card", "already", "refused", "errors", "latencies")
    crowd.serve(attempts, job["threads"], press, keys)


def race(env: dict, ids: dict, processes: int, threads: int) -> dict:
    """Starts the workers, lets them all go at once, returns their outcomes merged."""
    jobs = [
        {**ids, "members": chunk, "threads": threads}
        for chunk in crowd.spread(ids["members"], processes)
    ]
    return crowd.race(env, "bench.welfare_choices", jobs)


def check(ids: dict, outcome: dict) -> dict:
    from django.db.models import Count

    from care.models import HandoutChoice

    choices = HandoutChoice.objects.filter(handout_id=ids["handout"])
    member_ids = ids["members"]
    chose = set(choices.values_list("member_id", flat=True))
    holders = dict(choices.values_list("member_id", "option_id"))
    doubled = choices.values("member_id").annotate(n=Count("id")).filter(n__gt=1).count()
    told_gift = set(outcome["gift"])
    told_card = set(outcome["card"])
    gone = set(outcome["gone"]) - told_gift  # a second press may be told so after the first won
    return {
        "members": len(member_ids),
        "choices": choices.count(),
        "gift": choices.filter(option_id=ids["gift"]).count(),
        "card": choices.filter(option_id=ids["card"]).count(),
        "defaulted": choices.filter(defaulted=True).count(),
        "told_gift": len(told_gift),
        "told_gone": len(gone),
        "told_card": len(told_card),
        # Told "you have the gift" but holding something else, or the reverse.
        "misled": sum(1 for pk in told_gift if holders.get(pk) != ids["gift"])
        + sum(1 for pk in told_card - told_gift if holders.get(pk) != ids["card"]),
        "lost": len(set(member_ids) - chose),
        "doubled": doubled,
        "second_presses": sum(1 for pk in member_ids if crowd.presses_twice(pk)),
        "already": len(outcome["already"]),
        "other_refusals": len(outcome["refused"]),
        "errors": (outcome["errors"] + outcome["refused"])[:5],
        "error_count": len(outcome["errors"]),
        "presses": len(outcome["latencies"]),
    }


if __name__ == "__main__":
    sys.path[0] = str(ROOT)
    worker(json.loads(sys.argv[1]))
