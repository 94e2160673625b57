"""The hardship fairness view (困难职工帮扶公平性): figures only, never a name of a
member in hardship, and no figure about fewer than PORTAL_MIN_GROUP_SIZE people
(core.small_groups).

For the members with an open hardship file: the share contacted (visit, call or
condolence) in the last PORTAL_HARDSHIP_CONTACTED_WITHIN_DAYS days and the days
since the last contact (median and worst; a file never contacted counts from its
opening), per responsible officer, per campus and in all. For the year's money
(subsidies and aid): per member in hardship (all of them, those who received
nothing too) against per recipient among everyone else who received any
(members whose file is closed now); the share of all of it received by the top
10 % of recipients, and a warning when one recipient received more than 3 × the
median. Two queries, cached until the next hardship write (or five minutes, and
a new day)."""

import math
from decimal import Decimal
from statistics import median

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from union_portal.core.cache_versions import cached
from union_portal.core.small_groups import min_group_size, withhold_small_groups

from .models import HardshipFile, SupportRecord

CONTACT_FIGURES = ("contacted", "share", "median_days", "worst_days")
MONEY_FIGURES = ("total", "per_member")
TOP_SHARE = Decimal("0.10")
OUTLIER_RATIO = 3
ALL_IN_HARDSHIP = _("all members in hardship")
IN_HARDSHIP = _("members in hardship")
EVERYONE_ELSE = _("everyone else who received any")


def _contact_row(name, files, today, within):
    days = sorted((today - (f["last_contact_on"] or f["opened_on"])).days for f in files)
    contacted = sum(
        1 for f in files if f["last_contact_on"] and (today - f["last_contact_on"]).days <= within
    )
    return {
        "name": name,
        "n": len(files),
        "contacted": contacted,
        "share": round(100 * contacted / len(files)) if files else None,
        "median_days": median(days) if days else None,
        "worst_days": days[-1] if days else None,
    }


def _grouped(files, key, name_key, today, within):
    groups = {}
    for f in files:
        groups.setdefault(f[key], []).append(f)
    rows = [_contact_row(group[0][name_key], group, today, within) for group in groups.values()]
    return sorted(rows, key=lambda r: str(r["name"]))


def _money(branch_ids, year, in_hardship):
    records = SupportRecord.objects.filter(
        kind__in=SupportRecord.MONEY_KINDS, date__year=year
    ).order_by()
    if branch_ids is not None:
        records = records.filter(file__branch_id__in=branch_ids)
    totals = {
        r["file__member_id"]: r["total"]
        for r in records.values("file__member_id").annotate(total=Sum("amount"))
    }
    hardship_total = sum((t for m, t in totals.items() if m in in_hardship), Decimal("0"))
    others = [t for m, t in totals.items() if m not in in_hardship]
    others_total = sum(others, Decimal("0"))

    def per(total, n):
        return (total / n).quantize(Decimal("0.01")) if n else None

    rows = [
        {"name": IN_HARDSHIP, "n": len(in_hardship), "total": hardship_total,
         "per_member": per(hardship_total, len(in_hardship))},
        {"name": EVERYONE_ELSE, "n": len(others), "total": others_total,
         "per_member": per(others_total, len(others))},
    ]  # fmt: skip
    amounts = sorted(totals.values(), reverse=True)
    concentration = {"recipients": len(amounts), "top": None, "top_share": None,
                     "outlier": False}  # fmt: skip
    if amounts:
        top = max(1, math.ceil(len(amounts) * TOP_SHARE))
        everything = sum(amounts, Decimal("0"))
        concentration["top"] = top
        concentration["top_share"] = round(float(100 * sum(amounts[:top]) / everything), 1)
        concentration["median"] = median(amounts)
        concentration["outlier"] = amounts[0] > OUTLIER_RATIO * concentration["median"]
    return rows, concentration


def _compute(branch_ids, today, year):
    within = settings.PORTAL_HARDSHIP_CONTACTED_WITHIN_DAYS
    files = HardshipFile.objects.filter(closed_on__isnull=True).order_by()
    if branch_ids is not None:
        files = files.filter(branch_id__in=branch_ids)
    files = list(
        files.values(
            "member_id", "officer_id", "officer__first_name", "officer__last_name",
            "officer__email", "member__home_campus_id", "member__home_campus__name",
            "last_contact_on", "opened_on",
        )
    )  # fmt: skip
    for f in files:
        full = f"{f['officer__first_name']} {f['officer__last_name']}".strip()
        f["officer_name"] = full or f["officer__email"]
    money, concentration = _money(branch_ids, year, {f["member_id"] for f in files})
    return {
        "all": [_contact_row(ALL_IN_HARDSHIP, files, today, within)],
        "officer": _grouped(files, "officer_id", "officer_name", today, within),
        "campus": _grouped(
            files, "member__home_campus_id", "member__home_campus__name", today, within
        ),  # fmt: skip
        "money": money,
        "concentration": concentration,
    }


def withhold_small(data: dict) -> dict:
    """Every row of fewer than PORTAL_MIN_GROUP_SIZE people shows "<5" in every figure;
    the concentration and the warning need as many recipients."""
    concentration = dict(data["concentration"])
    if concentration["recipients"] < min_group_size():
        concentration.update(top=None, top_share=None, outlier=False, withheld=True)
        if concentration["recipients"]:
            concentration["recipients"] = f"<{min_group_size()}"
    concentration.pop("median", None)
    return {
        "all": withhold_small_groups(data["all"], figures=CONTACT_FIGURES),
        "officer": withhold_small_groups(data["officer"], figures=CONTACT_FIGURES),
        "campus": withhold_small_groups(data["campus"], figures=CONTACT_FIGURES),
        "money": withhold_small_groups(data["money"], figures=MONEY_FIGURES),
        "concentration": concentration,
    }


def hardship_fairness(*, branch_ids=None, today=None, year=None) -> dict:
    """The view's figures for `branch_ids` (None: every branch), small groups withheld
    before anything is cached."""
    today = today or timezone.localdate()
    year = year or today.year
    scope = sorted(branch_ids) if branch_ids is not None else "all"
    key = f"{scope}:{today}:{year}:min{min_group_size()}"
    return cached("care-hardship", key, lambda: withhold_small(_compute(branch_ids, today, year)))
