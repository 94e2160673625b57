"""Reads for the pages of care: prefetching is done here, so a page costs a
fixed number of queries."""

# --- welfare handouts (福利发放) ----------------------------------------------

from django.db.models import Count, Q  # noqa: E402

from union_portal.core.roles import branches_where  # noqa: E402

from .models import Handout, HandoutChoice, HandoutOption  # noqa: E402


def handouts_managed_by(user):
    return (
        Handout.objects.filter(branch_id__in=branches_where(user, "welfare.manage"))
        .select_related("branch", "campus")
        .annotate(
            chosen=Count("choices", distinct=True),
            collected=Count("pickups", distinct=True),
        )
    )


def handouts_for_member(member):
    """Open and closed handouts of the member's branch that are for them, each with
    `my_choice` (or None)."""
    if member is None:
        return []
    handouts = [
        handout
        for handout in Handout.objects.filter(branch_id=member.branch_id)
        .exclude(status=Handout.Status.DRAFT)
        .select_related("campus")
        if handout.is_eligible(member)
    ]
    choices = {
        choice.handout_id: choice
        for choice in HandoutChoice.objects.filter(
            member=member, handout__in=[h.pk for h in handouts]
        ).select_related("option", "point__campus", "pickup")
    }
    for handout in handouts:
        handout.my_choice = choices.get(handout.pk)
    return handouts


def options_with_counts(handout):
    """The handout's options with `taken` (choices) and `left` (None: no limit)."""
    options = list(HandoutOption.objects.filter(handout=handout).annotate(taken=Count("choices")))
    for option in options:
        option.left = None if option.stock is None else max(option.stock - option.taken, 0)
    return options


def points_with_counts(handout):
    points = list(
        handout.points.select_related("campus").annotate(
            chosen=Count("choices", distinct=True),
            collected=Count("pickups", distinct=True),
        )
    )
    return points


def choice_of(handout, member):
    return (
        HandoutChoice.objects.filter(handout=handout, member=member)
        .select_related("option", "point__campus")
        .first()
    )


def uncollected(handout, point=None):
    """Choices not yet collected, per point, by name."""
    choices = HandoutChoice.objects.filter(handout=handout, pickup__isnull=True)
    if point is not None:
        choices = choices.filter(point=point)
    return choices.select_related("member__department", "option", "point__campus").order_by(
        "point_id", "member__department__name", "member__name", "id"
    )


def recent_pickups(point, limit=10):
    return point.pickups.select_related("member", "collected_by", "choice__option").order_by(
        "-at", "-id"
    )[:limit]


def totals(handout):
    """Rows per option and campus (of the pickup point chosen): chosen,
    collected, amount (chosen × unit price); and one total row per option."""
    rows = (
        HandoutChoice.objects.filter(handout=handout)
        .values("option_id", "option__name", "option__unit_price", "point__campus__name")
        .annotate(
            chosen=Count("id"),
            collected=Count("pickup"),
            defaulted=Count("id", filter=Q(defaulted=True)),
        )
        .order_by("option_id", "point__campus__name")
    )
    rows = list(rows)
    for row in rows:
        row["amount"] = row["option__unit_price"] * row["chosen"]
    per_option = {}
    for row in rows:
        total = per_option.setdefault(
            row["option_id"],
            {"name": row["option__name"], "unit_price": row["option__unit_price"],
             "chosen": 0, "collected": 0, "amount": 0},
        )  # fmt: skip
        total["chosen"] += row["chosen"]
        total["collected"] += row["collected"]
        total["amount"] += row["amount"]
    grand = sum((t["amount"] for t in per_option.values()), 0)
    return rows, list(per_option.values()), grand
