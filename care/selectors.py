"""Reads for the care/ pages: each list costs a fixed number of queries."""

# --- hardship files (困难职工建档与帮扶) -----------------------------------------

from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from members.models import BranchRole
from members.office_holders import OFFICE_HOLDERS_VERSION
from union_portal.core.cache_versions import cached
from union_portal.core.roles import branches_where
from union_portal.core.rows import instance

from .models import Handout, HandoutChoice, HandoutOption


def hardship_contact_overdue_before(today=None):
    """A file whose contact clock started on or before this date is overdue for contact."""
    today = today or timezone.localdate()
    return today - timedelta(days=settings.PORTAL_HARDSHIP_CONTACT_DAYS)


def hardship_file_list(*, user, status="open", officer_id=None, campus_id=None, overdue=False,
                       year=None, today=None):  # fmt: skip
    from .models import HardshipFile
    from .permissions import hardship_branch_ids

    files = (
        HardshipFile.objects.filter(branch_id__in=hardship_branch_ids(user))
        .select_related("member__department", "member__home_campus", "officer", "branch")
        .annotate(clock_from=Coalesce(F("last_contact_on"), F("opened_on")))
    )
    if status == "open" or overdue:
        files = files.filter(closed_on__isnull=True)
    elif status == "closed":
        files = files.filter(closed_on__isnull=False)
    if officer_id:
        files = files.filter(officer_id=officer_id)
    if campus_id:
        files = files.filter(member__home_campus_id=campus_id)
    if overdue:
        files = files.filter(clock_from__lte=hardship_contact_overdue_before(today))
    if year:
        files = files.filter(open_during(year))
    return files.order_by("clock_from", "id")


def hardship_file_rows(files, *, overdue_before):
    """The files of a list page (a slice of `hardship_file_list`) as what the list
    prints, read with values(): no model built, each label translated once a page
    and the link written from the list's address (a file's is the list's + id/)."""
    from django.urls import reverse

    from .models import HardshipFile

    levels = {value: str(label) for value, label in HardshipFile.Level.choices}
    reasons = {value: str(label) for value, label in HardshipFile.Reason.choices}
    prefix = reverse("care:hardship_list")
    rows = files.values(
        "pk", "member__name", "level", "reason", "closed_on", "clock_from", "last_contact_on",
        "member__department__name", "member__home_campus__name",
        "officer__first_name", "officer__last_name", "officer__email",
    )  # fmt: skip
    return [
        {
            "url": f"{prefix}{row['pk']}/",
            "name": row["member__name"],
            "level": levels.get(row["level"], row["level"]),
            "reason": reasons.get(row["reason"], row["reason"]),
            "closed": row["closed_on"] is not None,
            "overdue": row["clock_from"] <= overdue_before,
            "department": row["member__department__name"],
            "campus": row["member__home_campus__name"],
            # As User.get_full_name(), or the email.
            "officer": f"{row['officer__first_name']} {row['officer__last_name']}".strip()
            or row["officer__email"],
            "last_contact_on": row["last_contact_on"],
        }
        for row in rows
    ]


def officer_choices(branch_ids):
    """(id, name) of `branch_officers`, in its order, the name as User.get_full_name()
    or the email: the menus of the list's filter and the file's forms. In SQL: the
    ORM took 5 × the time to write this simple query than the database to answer it.
    Cached per set of branches until a role or an account's name changes (office
    holders' names only: members/office_holders.py)."""
    from django.contrib.auth import get_user_model

    branch_ids = sorted(branch_ids)

    def read():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT u.id, u.first_name, u.last_name, u.email"
                f" FROM {get_user_model()._meta.db_table} u"
                f" JOIN {BranchRole._meta.db_table} r ON r.user_id = u.id"
                " WHERE r.branch_id = ANY(%s) AND r.role = ANY(%s)"
                " ORDER BY u.first_name, u.last_name, u.id",
                [branch_ids, [BranchRole.Role.OFFICER.value, BranchRole.Role.CHAIR.value]],
            )
            return [(pk, f"{first} {last}".strip() or email) for pk, first, last, email in cursor]

    key = "care-officers:" + ",".join(map(str, branch_ids))
    return cached(OFFICE_HOLDERS_VERSION, key, read)


def hardship_files_due_contact(*, user, today=None):
    """Open files of members not contacted for PORTAL_HARDSHIP_CONTACT_DAYS,
    longest first: a chair's whole branch's, an officer's own (those they are
    responsible for). Only ever the branch's officers and chair
    (permissions.hardship_branch_ids): hardship is known to nobody else."""
    from union_portal.core.roles import roles_of

    files = hardship_file_list(user=user, overdue=True, today=today)
    return files.filter(Q(branch_id__in=roles_of(user).chair_of) | Q(officer=user))


def open_during(year):
    """A file open at any time of `year` (the yearly report counts these)."""
    return Q(opened_on__lte=date(year, 12, 31)) & (
        Q(closed_on__isnull=True) | Q(closed_on__gte=date(year, 1, 1))
    )


def hardship_file_records(file):
    """The file's support records, newest first, with what the page prints: who
    gave it, and the linked line with its notice version. Read in SQL as written (the
    ORM took longer to build the query than the database to answer it); the records,
    their givers, lines and versions are model instances holding just those fields."""
    from django.contrib.auth import get_user_model

    from notices.models import FundLine, NoticeVersion

    from .models import SupportRecord

    User = get_user_model()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.id, r.kind, r.date, r.note, r.amount, r.given_by_id, r.fund_line_id,"
            " u.first_name, u.last_name, u.email, l.payee, l.amount, l.version_id,"
            " v.notice_id, v.title"
            f" FROM {SupportRecord._meta.db_table} r"
            f" JOIN {User._meta.db_table} u ON u.id = r.given_by_id"
            f" LEFT OUTER JOIN {FundLine._meta.db_table} l ON l.id = r.fund_line_id"
            f" LEFT OUTER JOIN {NoticeVersion._meta.db_table} v ON v.id = l.version_id"
            " WHERE r.file_id = %s ORDER BY r.date DESC, r.id DESC",
            [file.pk],
        )
        rows = cursor.fetchall()
    records = []
    for (pk, kind, day, note, amount, given_by, line_id, first, last, email, payee, line_amount,
         version_id, notice_id, title) in rows:  # fmt: skip
        record = instance(SupportRecord, {
            "id": pk, "file_id": file.pk, "kind": kind, "date": day, "note": note,
            "amount": amount, "given_by_id": given_by, "fund_line_id": line_id,
        })  # fmt: skip
        record._state.fields_cache["given_by"] = instance(
            User, {"id": given_by, "first_name": first, "last_name": last, "email": email}
        )
        line = None
        if line_id is not None:
            line = instance(FundLine, {
                "id": line_id, "payee": payee, "amount": line_amount, "version_id": version_id,
            })  # fmt: skip
            line._state.fields_cache["version"] = instance(
                NoticeVersion, {"id": version_id, "notice_id": notice_id, "title": title}
            )
        record._state.fields_cache["fund_line"] = line
        records.append(record)
    return records


def branch_officers(branch_ids):
    """Accounts holding office (officer or chair) in the branches: who may be
    responsible for a file or give support."""
    from django.contrib.auth import get_user_model

    holders = BranchRole.objects.filter(
        branch_id__in=branch_ids, role__in=[BranchRole.Role.OFFICER, BranchRole.Role.CHAIR]
    ).values("user_id")
    return get_user_model().objects.filter(pk__in=holders).order_by("first_name", "last_name", "pk")


def fund_lines_for_support(branch_id):
    """Lines of the branch's published fund notices as they stand now (the current
    version of a notice in or past its objection period): what money given may
    be linked to."""
    from notices.models import FundLine, Notice

    return (
        FundLine.objects.filter(
            version__notice__branch_id=branch_id,
            version__notice__kind=Notice.Kind.FUND,
            version__notice__status__in=[Notice.Status.PUBLISHED, Notice.Status.FINAL],
            version__notice__current=F("version"),
        )
        .select_related("version")
        .order_by("-date", "-id")
    )


# 维权支出 is where the union fund rules put hardship support (困难职工帮扶, 送温暖/慰问).
SUPPORT_CATEGORY = "维权支出"


def fund_lines_to_offer(branch_id, today=None):
    """What the record form offers: support lines (维权支出 and its sub-items) of
    this year and last. A branch publishes thousands of lines over the years;
    a select of them all made the file's page take over half a second."""
    today = today or timezone.localdate()
    return fund_lines_for_support(branch_id).filter(
        Q(category__name=SUPPORT_CATEGORY) | Q(category__parent__name=SUPPORT_CATEGORY),
        date__gte=date(today.year - 1, 1, 1),
    )


def fund_notices_to_offer(branch_id, today=None):
    """The notices whose lines `fund_lines_to_offer` holds, newest first: the first
    half of the record form's notice-then-line picker."""
    from django.db.models import Exists, OuterRef

    from notices.models import FundLine, Notice, SpendingCategory

    today = today or timezone.localdate()
    support = SpendingCategory.objects.filter(
        Q(name=SUPPORT_CATEGORY) | Q(parent__name=SUPPORT_CATEGORY)
    ).values("pk")
    # The same notices as the lines' own, found by probing each notice's current
    # version (an index scan that stops at its first line) rather than by grouping
    # every support line of two years: 5 × faster at a branch's 200 notices.
    lines = FundLine.objects.filter(
        version=OuterRef("current_id"), category_id__in=support,
        date__gte=date(today.year - 1, 1, 1),
    )  # fmt: skip
    return (
        Notice.objects.filter(
            Exists(lines),
            branch_id=branch_id,
            kind=Notice.Kind.FUND,
            status__in=[Notice.Status.PUBLISHED, Notice.Status.FINAL],
        )  # fmt: skip
        .select_related("current")
        .only("published_at", "current__title")
        .order_by("-published_at", "-id")
    )


def fund_notice_choices(branch_id, today=None):
    """The (id, "title · day") options of `fund_notices_to_offer`, newest first.
    Which notices (their ids, current versions and days) is cached per branch and
    year until any notice changes (notices' cache version); the titles are read
    each time, by primary key, and never cached: a members-only notice's title
    stays in the database (the promise of members-only notices covers Redis)."""
    from notices.models import NoticeVersion
    from notices.selectors import CACHE_VERSION as NOTICES_VERSION

    today = today or timezone.localdate()

    def which():
        rows = fund_notices_to_offer(branch_id, today).values_list(
            "pk", "current_id", "published_at"
        )
        return [(pk, version, f"{timezone.localtime(at):%Y-%m-%d}") for pk, version, at in rows]

    rows = cached(NOTICES_VERSION, f"care-fund-notices:{branch_id}:{today.year}", which)
    if not rows:
        return []
    # One array parameter rather than an IN list of a couple of hundred: Django
    # processes each of them, and psycopg parses the query each time.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, title FROM {NoticeVersion._meta.db_table} WHERE id = ANY(%s)",
            [[version for _pk, version, _day in rows]],
        )
        titles = dict(cursor.fetchall())
    return [(pk, f"{titles.get(version, '')} · {day}") for pk, version, day in rows]


"""Reads for the pages of care: prefetching is done here, so a page costs a
fixed number of queries."""

# --- welfare handouts (福利发放) ----------------------------------------------


def handouts_managed_by(user):
    return (
        Handout.objects.filter(branch_id__in=branches_where(user, "welfare.manage"))
        .select_related("branch", "campus")
        .annotate(
            chosen=Count("choices", distinct=True),
            collected=Count("pickups", distinct=True),
        )
    )


def handouts_of_year(handouts, year):
    """Handouts whose choice deadline fell in `year`, drafts left out."""
    return handouts.filter(deadline__year=year).exclude(status=Handout.Status.DRAFT)


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


def handouts_to_do(user):
    """The handouts of the user's branches still in hand (drafts to open, open
    ones), the nearest deadline first, each with `chosen` and `to_collect`
    (choices not collected yet), counted in subqueries: one query."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    def count(**conditions):
        rows = (
            HandoutChoice.objects.filter(handout=OuterRef("pk"), **conditions)
            .order_by()
            .values("handout")
            .annotate(n=Count("id"))
            .values("n")
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    return (
        Handout.objects.filter(
            branch_id__in=branches_where(user, "welfare.manage"),
            status__in=[Handout.Status.DRAFT, Handout.Status.OPEN],
        )
        .select_related("branch")
        .annotate(chosen=count(), to_collect=count(pickup__isnull=True))
        .order_by("deadline", "id")
    )
