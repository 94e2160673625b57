"""Demo data of the care/ app."""

# --- hardship files (困难职工建档与帮扶) -----------------------------------------
# Files for the first branch's members in hardship (those the roster marks, and
# more to reach ten), kept by the two officers of the branch and the chair, with
# visits, calls, a condolence and money (one aid payment linked to a published
# fund notice line when there is one); some are overdue for contact, one is closed.
# Idempotent: nothing is added once the branch has a file.

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from members.models import Member
from union_portal.core.rules import RuleError

HARDSHIP_STORIES = [
    # reason, level, days since opening, [(kind, days ago, amount, note)]
    ("illness", "special", 400, [("visit", 20, None, "住院期间上门看望，家属陪护"),
                                 ("subsidy", 19, "2000.00", "大病补助")]),
    ("family_illness", "general", 300, [("phone", 75, None, "电话询问近况")]),
    ("disaster", "deep", 200, [("visit", 150, None, "家中受灾，现场查看"),
                               ("aid", 149, "3000.00", "灾后救助")]),
    ("single_parent", "general", 180, [("visit", 30, None, "了解子女入学情况"),
                                       ("referral", 29, None, "转介校工会助学项目")]),
    ("illness", "general", 120, []),
    ("family_illness", "special", 90, [("condolence", 10, None, "家属病逝，慰问"),
                                       ("aid", 10, "1000.00", "慰问金")]),
    ("other", "general", 70, [("phone", 65, None, "电话联系")]),
    ("illness", "deep", 45, [("visit", 5, None, "康复期回访"), ("subsidy", 5, "800.00", "")]),
    ("single_parent", "general", 400, [("visit", 200, None, "")]),
    ("disaster", "general", 365, [("visit", 100, None, "")]),
]  # fmt: skip


def load_demo_hardship(*, branch, officers, chair):
    from . import services
    from .models import HardshipFile
    from .selectors import fund_lines_for_support

    if HardshipFile.objects.filter(branch=branch).exists():
        return
    today = timezone.localdate()
    office_holders = [*officers, chair]
    taken = {u.pk for u in office_holders}
    active = Member.objects.filter(branch=branch, status=Member.Status.ACTIVE).exclude(
        user_id__in=taken
    )
    flagged = list(active.filter(has_hardship=True).order_by("staff_number"))
    others = list(active.filter(has_hardship=False).order_by("-staff_number"))
    members = (flagged + others)[: len(HARDSHIP_STORIES)]
    line = fund_lines_for_support(branch.pk).filter(amount__gte=Decimal("500")).first()
    files = []
    for index, (member, story) in enumerate(zip(members, HARDSHIP_STORIES, strict=False)):
        reason, level, age, records = story
        opened = today - timedelta(days=age)
        officer = office_holders[index % len(office_holders)]
        file = services.hardship_file_open(
            actor=officer, member=member, reason=reason, level=level, officer=officer,
            review_on=opened + timedelta(days=365), today=opened,
            situation="本人及家庭情况已核实。",
        )  # fmt: skip
        for kind, days_ago, amount, note in records:
            services.support_record_add(
                actor=officer, file=file, kind=kind, date=today - timedelta(days=days_ago),
                amount=Decimal(amount) if amount else None, note=note, today=today,
            )  # fmt: skip
        files.append((file, officer))
    if line is not None and files:
        file, officer = files[0]
        try:
            services.support_record_add(
                actor=officer, file=file, kind="aid", date=today, amount=Decimal("500.00"),
                fund_line=line, note="经费公示所列困难补助", today=today,
            )  # fmt: skip
        except RuleError:
            pass  # the line is paid out already
    if len(files) > 1:
        file, officer = files[-1]
        services.hardship_file_close(actor=officer, file=file, reason="recovered",
                                     note="家庭情况好转", today=today)  # fmt: skip
