"""Reads for the notice pages, each at a fixed number of queries."""

import hashlib
from decimal import Decimal

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Sum,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, ExtractYear

from members.models import Branch
from members.selectors import ROSTER_VERSION
from union_portal.core.cache_versions import cached, current, local_cached
from union_portal.core.roles import branches_where, roles_of

from .models import (
    AwardResult,
    Budget,
    BudgetLine,
    FundLine,
    Income,
    Notice,
    NoticeAttachment,
    NoticeVersion,
    Objection,
    SpendingCategory,
)
from .permissions import notices_readable_by

# The version of everything the notice pages cache (a fund notice's line count and
# total, the money summary, the Atom feed, who objected to a notice): every service
# that changes a notice, its lines, a budget, an income line or a category, or
# files an objection, bumps it.
CACHE_VERSION = "notices"

# Fund lines shown per page of a notice: a notice may have 100 000 of them.
FUND_LINES_PER_PAGE = 50


def notice_list(*, user, filters):
    notices = notices_readable_by(user).select_related("branch", "current")
    if filters.get("q"):
        notices = notices.filter(current__title__icontains=filters["q"])
    if filters.get("kind"):
        notices = notices.filter(kind=filters["kind"])
    if filters.get("branch"):
        notices = notices.filter(branch=filters["branch"])
    if filters.get("year"):
        notices = notices.filter(published_at__year=filters["year"])
    if filters.get("status"):
        notices = notices.filter(status=filters["status"])
    if filters.get("objections") == OBJECTIONS_TO_ANSWER:
        notices = notices.filter(pk__in=objections_to_answer(user).values("notice_id"))
    # What waits for a chair's approval comes first for them, then what is not
    # published yet (for its officers), then the newest.
    awaiting_mine = Case(
        When(
            status=Notice.Status.AWAITING,
            branch_id__in=branches_where(user, "notices.approve"),
            then=Value(0),
        ),
        default=Value(1),
        output_field=IntegerField(),
    )
    return notices.order_by(awaiting_mine, F("published_at").desc(nulls_first=True), "-id")


def notice_list_key(*, user, filters):
    """What decides the notices notice_list() finds and their order: the kind of
    reader (their branch, the branches they run or chair, the liaison) and the
    filters; None with the filter of objections to answer (an answer changes it,
    and no version is bumped then). Whatever is kept under it is kept until a
    notice changes or someone objects (an objection routed to the liaison lets
    them read the notice)."""
    if filters.get("objections"):
        return None
    roles = roles_of(user)
    chosen = sorted(
        (name, str(getattr(value, "pk", value))) for name, value in filters.items() if value
    )
    return ":".join([
        f"member{roles.member.branch_id if roles.member is not None else None}",
        f"manage{sorted(branches_where(user, 'notices.manage'))}",
        f"approve{sorted(branches_where(user, 'notices.approve'))}",
        f"liaison{bool(roles.liaison)}",
        hashlib.sha256(repr(chosen).encode()).hexdigest()[:32],
    ])  # fmt: skip


def notice_list_count(*, key, notices, data_version) -> int:
    """How many notices notice_list() finds (`notices`), under notice_list_key()
    `key`: a number, never a notice, so kept in Redis too."""
    if key is None:
        return notices.count()
    name = f"list-count:{key}"

    def count():
        return cached(CACHE_VERSION, name, notices.count, version=data_version)

    return local_cached(CACHE_VERSION, name, count, version=data_version)


# The notice list's filter for the notices with objections the reader has to answer.
OBJECTIONS_TO_ANSWER = "to_answer"


def notices_open_for_objection(*, user, branch_id, today):
    """The branch's notices the user may read that are in their objection period
    (as services.objection_period_open), the one closing first first."""
    return (
        notices_readable_by(user)
        .filter(
            branch_id=branch_id,
            status=Notice.Status.PUBLISHED,
            kind__in=Notice.OBJECTION_KINDS,
            objection_closes_on__gte=today,
        )
        .select_related("current")
        .order_by("objection_closes_on", "id")
    )


def versions_to_approve(user):
    """What waits for this chair's approval, oldest first: a notice awaiting
    approval (its current version) or a correction, in the branches they chair;
    never what they wrote or an award naming them (permissions.approval_refusal
    says why: nobody approves their own work)."""
    if not user.is_authenticated:
        return NoticeVersion.objects.none()
    named = AwardResult.objects.filter(version__notice=OuterRef("notice_id"), member__user=user)
    return (
        NoticeVersion.objects.filter(
            Q(notice__status=Notice.Status.AWAITING, notice__current=F("pk"))
            | Q(review=NoticeVersion.Review.PENDING),
            notice__branch_id__in=branches_where(user, "notices.approve"),
        )
        .exclude(created_by=user)
        .exclude(edited_by=user)
        .exclude(editor_ids__contains=[user.pk])
        .exclude(Exists(named))
        .select_related("notice__branch")
        .order_by("created_at", "id")
    )


def objections_to_answer(user):
    """Objections waiting for this user's answer, oldest first, as
    permissions.objections_for_handler hands them out: those sent to a branch
    whose notices the user runs (none to an award naming them), and for the
    liaison those routed to the university union (none about an award naming them)."""
    if not user.is_authenticated:
        return Objection.objects.none()
    named = AwardResult.objects.filter(version__notice=OuterRef("notice_id"), member__user=user)
    branch = Q(notice__branch_id__in=branches_where(user, "notices.manage")) & ~Q(Exists(named))
    handled = Q(branch, to_liaison=False)
    if roles_of(user).liaison:
        handled |= Q(to_liaison=True) & ~branch & ~Q(Exists(named))
    return (
        Objection.objects.filter(handled, answered_at__isnull=True)
        .exclude(user=user)  # nobody answers their own objection
        .select_related("notice__current", "notice__branch")
        .order_by("created_at", "id")
    )


def version_content(version, kind=None):
    """A version with its lines, winners, budget lines (a budget notice's) and
    files loaded, and its total."""
    prefetch = [
        Prefetch(
            "fund_lines",
            queryset=FundLine.objects.select_related("category__parent").order_by("date", "id"),
        ),
        Prefetch("awards", queryset=AwardResult.objects.order_by("id")),
        Prefetch("attachments", queryset=NoticeAttachment.objects.order_by("id")),
    ]
    if kind in (None, Notice.Kind.BUDGET):
        prefetch.append(
            Prefetch(
                "budget_lines",
                queryset=BudgetLine.objects.select_related("category").order_by(
                    "category__sort", "category_id"
                ),
            )
        )
    version = NoticeVersion.objects.filter(pk=version.pk).prefetch_related(*prefetch).get()
    budget = version.budget_lines.all() if kind in (None, Notice.Kind.BUDGET) else ()
    version.total = sum((line.amount for line in version.fund_lines.all()), start=0) + sum(
        (line.amount for line in budget), start=0
    )
    return version


def version_figures(version, kind, data_version=None) -> dict:
    """{"files"}: how many files the version has, and for a fund notice {"count",
    "total"} of its lines; then cached until a notice changes (a version's lines
    change only while it is a draft, and files are only ever added).
    `data_version`: current(CACHE_VERSION) as the caller read it."""
    data_version = data_version or current(CACHE_VERSION)
    zero = Value(0, output_field=DecimalField(max_digits=14, decimal_places=2))

    def compute():
        figures = {"files": NoticeAttachment.objects.filter(version_id=version.pk).count()}
        if kind == Notice.Kind.FUND:
            figures |= FundLine.objects.filter(version_id=version.pk).aggregate(
                count=Count("id"), total=Coalesce(Sum("amount"), zero)
            )
        return figures

    key = f"version-figures:{version.pk}:{kind}"
    # Kept in this process too: one read of the version number, no other round trip.
    return local_cached(
        CACHE_VERSION, key, lambda: cached(CACHE_VERSION, key, compute, version=data_version),
        version=data_version,
    )  # fmt: skip


def version_page(version, kind, page_number, data_version=None):
    """A version as the notice page shows it: its winners, budget lines and files
    (`version.files`), one page of its fund lines (`version.fund_page`,
    FUND_LINES_PER_PAGE, date order) and the total of all of them. The same
    number of queries whatever the number of lines: the count and the total are
    cached, and so is whether it has files (none: no query for them).
    `data_version`: current(CACHE_VERSION) as the caller read it."""
    data_version = data_version or current(CACHE_VERSION)
    figures = version_figures(version, kind, data_version)
    prefetch = []
    if figures["files"]:
        prefetch.append(
            Prefetch(
                "attachments", queryset=NoticeAttachment.objects.order_by("id"), to_attr="files"
            )
        )
    if kind == Notice.Kind.AWARD:
        prefetch.append(Prefetch("awards", queryset=AwardResult.objects.order_by("id")))
    elif kind == Notice.Kind.BUDGET:
        prefetch.append(
            Prefetch(
                "budget_lines",
                queryset=BudgetLine.objects.select_related("category").order_by(
                    "category__sort", "category_id"
                ),
            )
        )
    if version.get_deferred_fields():  # read for the list of versions: read it whole
        version = NoticeVersion.objects.get(pk=version.pk)
    prefetch_related_objects([version], *prefetch)
    if not figures["files"]:
        version.files = []
    version.total = Decimal("0.00")
    version.fund_page = None
    if kind == Notice.Kind.FUND:
        lines = (  # rows with what the table shows (line.date, line.category__name, ...)
            FundLine.objects.filter(version_id=version.pk)
            .order_by("date", "id")
            .values_list(
                "date", "category__name", "note", "payee", "amount", "budget_line", named=True
            )
        )
        paginator = Paginator(lines, FUND_LINES_PER_PAGE)
        paginator.count = figures["count"]  # known: no COUNT(*) of the lines
        try:
            number = paginator.validate_number(page_number)
        except PageNotAnInteger:
            number = 1
        except EmptyPage:
            number = paginator.num_pages
        # The page's rows, kept in this process (never in Redis: the notice may be
        # members-only) until a notice changes.
        rows = local_cached(
            CACHE_VERSION,
            f"fund-page:{version.pk}:{number}",
            lambda: tuple(paginator.page(number).object_list),
            version=data_version,
        )
        version.fund_page = paginator._get_page(rows, number, paginator)
        version.total = figures["total"]
    elif kind == Notice.Kind.BUDGET:
        version.total = sum((line.amount for line in version.budget_lines.all()), start=0)
    return version


def my_objections(notice, user, data_version=None):
    """The user's own objections to the notice (what the page shows them): read
    only when they are among its objectors, kept in this process (never in Redis:
    a confidential objector's name is hidden) until a notice changes or someone
    objects."""
    if not user.is_authenticated:
        return []
    objectors = local_cached(
        CACHE_VERSION,
        f"objectors:{notice.pk}",
        lambda: frozenset(
            Objection.objects.filter(notice_id=notice.pk).values_list("user_id", flat=True)
        ),
        version=data_version,
    )
    if user.pk not in objectors:
        return []
    return list(notice.objections.filter(user=user))


def versions_of(notice):
    """The notice's numbered versions: its first one and the approved corrections.
    A correction is numbered when it is approved and then becomes the current
    version, so a current version numbered 1 is the only one (no query)."""
    if notice.current is not None and notice.current.number == 1:
        return [notice.current]
    return (
        notice.versions.filter(number__isnull=False)
        .order_by("number")
        .only("id", "number", "title", "reason", "published_at", "created_at", "notice_id")
    )


def pending_correction(notice):
    """The correction awaiting approval, with its author, or None."""
    return (
        notice.versions.filter(review=NoticeVersion.Review.PENDING)
        .select_related("created_by", "edited_by")
        .first()
    )


def correction_start(notice):
    """What a new correction starts from: the last one sent back since the
    current version (to fix what the chair said), else the current version."""
    sent_back = (
        notice.versions.filter(review=NoticeVersion.Review.SENT_BACK, pk__gt=notice.current_id)
        .order_by("-pk")
        .first()
    )
    return sent_back or notice.current


def public_feed_items(limit=30):
    return (
        Notice.objects.filter(Notice.readable_q(), visibility=Notice.Visibility.PUBLIC)
        .select_related("branch", "current")
        .order_by("-published_at", "-id")[:limit]
    )


def summary_notices(user):
    """The fund and budget notices whose money the reader sees in the summary:
    the liaison every branch's, members-only ones included; otherwise what the
    reader may read (public ones; their own branch's members-only ones).
    Unpublished and withdrawn notices never count."""
    if roles_of(user).liaison:
        notices = Notice.objects.filter(Notice.readable_q())
    else:
        notices = notices_readable_by(user)
    return notices.filter(
        status__in=[Notice.Status.PUBLISHED, Notice.Status.FINAL], published_at__isnull=False
    )


def summary_scope(user):
    """What the summary shows this reader: ("all", None) for the liaison,
    ("branch", branch) for a member or officer of a branch, ("public", None)."""
    roles = roles_of(user)
    if roles.liaison:
        return "all", None
    branch_ids = roles.managed_branch_ids | (
        {roles.member.branch_id} if roles.member is not None else set()
    )
    if branch_ids:
        ids = sorted(branch_ids)
        return "branch", cached(
            ROSTER_VERSION,  # bumped when a branch is renamed
            f"branches-by-name:{ids}",
            lambda: list(Branch.objects.filter(pk__in=ids).order_by("name")),
        )
    return "public", None


def _accounts_branch_ids(user):
    """Branches whose budget table and income the reader sees: the liaison all,
    officers and chairs their own. Others see the budget of a published budget
    notice and no income."""
    roles = roles_of(user)
    if roles.liaison:
        return None  # all
    return branches_where(user, "notices.manage")


def money_summary(*, year, user, branch_id=None, notices=None):
    """Budget, spent and balance per branch and spending category for a year
    (spending = the current version of each fund notice published that year),
    with sub-items, counts and income. A fixed number of queries. `notices`: the
    notices whose money counts, when not the reader's own (the yearly report)."""
    notices = summary_notices(user) if notices is None else notices
    if branch_id:
        notices = notices.filter(branch_id=branch_id)
    fund = notices.filter(kind=Notice.Kind.FUND)
    if year:
        fund = fund.filter(published_at__year=year)
    zero = Value(0, output_field=DecimalField(max_digits=14, decimal_places=2))
    spent_rows = list(
        FundLine.objects.filter(version__in=fund.values("current"))
        .values("version__notice__branch_id", "category_id")
        .annotate(total=Coalesce(Sum("amount"), zero), lines=Count("id"))
    )
    full_ids = _accounts_branch_ids(user)
    budgets = Budget.objects.filter(year=year)
    incomes = Income.objects.filter(date__year=year)
    if full_ids is not None:
        budgets = budgets.filter(branch_id__in=full_ids)
        incomes = incomes.filter(branch_id__in=full_ids)
    if branch_id:
        budgets, incomes = budgets.filter(branch_id=branch_id), incomes.filter(branch_id=branch_id)
    budget_rows = [
        (b["branch_id"], b["category_id"], b["amount"])
        for b in budgets.values("branch_id", "category_id", "amount")
    ] if year else []  # fmt: skip
    table_branches = {row[0] for row in budget_rows} | set(full_ids or ())
    if full_ids is None:
        table_branches = None
    # Others read the budget of the branch's latest published budget notice of the year.
    published = (
        notices.filter(kind=Notice.Kind.BUDGET, budget_year=year)
        .order_by("branch_id", "-published_at", "-id")
        .distinct("branch_id")
    )
    if table_branches is not None and year:
        notice_rows = [
            (b["version__notice__branch_id"], b["category_id"], b["amount"])
            for b in BudgetLine.objects.filter(version__in=published.values("current"))
            .exclude(version__notice__branch_id__in=table_branches)
            .values("version__notice__branch_id", "category_id", "amount")
        ]
    else:
        notice_rows = []
    income_rows = {
        r["branch_id"]: r["total"]
        for r in incomes.values("branch_id").annotate(total=Coalesce(Sum("amount"), zero))
    } if year else {}  # fmt: skip
    branch_ids = (
        {r["version__notice__branch_id"] for r in spent_rows}
        | {r[0] for r in budget_rows + notice_rows}
        | set(income_rows)
    )
    branches = {b.pk: b for b in Branch.objects.filter(pk__in=branch_ids)}
    categories = {
        c.pk: c
        for c in SpendingCategory.objects.filter(
            Q(branch__isnull=True) | Q(branch_id__in=branch_ids)
        )
    }
    return _summary_tables(
        branches, categories, spent_rows, budget_rows + notice_rows, income_rows,
        accounts=table_branches,
    )  # fmt: skip


def _summary_tables(branches, categories, spent_rows, budget_rows, income_rows, *, accounts):
    def blank(category):
        return {"category": category, "budget": None, "spent": Decimal("0.00"), "lines": 0,
                "subs": {}}  # fmt: skip

    tables = {}
    for branch_id in branches:
        tables[branch_id] = {}
    for branch_id, category_id, amount in budget_rows:
        category = categories[category_id]
        entry = tables[branch_id].setdefault(category.top_id, blank(categories[category.top_id]))
        entry["budget"] = (entry["budget"] or 0) + amount
    for row in spent_rows:
        category = categories[row["category_id"]]
        branch_id = row["version__notice__branch_id"]
        entry = tables[branch_id].setdefault(category.top_id, blank(categories[category.top_id]))
        entry["spent"] += row["total"]
        entry["lines"] += row["lines"]
        if category.parent_id:
            sub = entry["subs"].setdefault(
                category.pk, {"category": category, "spent": Decimal("0.00"), "lines": 0}
            )
            sub["spent"] += row["total"]
            sub["lines"] += row["lines"]
    result = []
    for branch_id, entries in tables.items():
        rows = sorted(entries.values(), key=lambda e: (e["category"].sort, e["category"].pk))
        for entry in rows:
            entry["balance"] = None if entry["budget"] is None else entry["budget"] - entry["spent"]
            entry["subs"] = sorted(
                entry["subs"].values(), key=lambda s: (s["category"].sort, s["category"].pk)
            )
        budgets = [e["budget"] for e in rows if e["budget"] is not None]
        budget = sum(budgets, start=Decimal("0.00")) if budgets else None
        spent = sum((e["spent"] for e in rows), start=Decimal("0.00"))
        result.append({
            "branch": branches[branch_id],
            "rows": rows,
            "budget": budget,
            "spent": spent,
            "balance": None if budget is None else budget - spent,
            "lines": sum(e["lines"] for e in rows),
            "income": income_rows.get(branch_id),
            "accounts": accounts is None or branch_id in accounts,
        })  # fmt: skip
    result.sort(key=lambda t: t["branch"].name)
    budgets = [t["budget"] for t in result if t["budget"] is not None]
    incomes = [t["income"] for t in result if t["income"] is not None]
    total_budget = sum(budgets, start=Decimal("0.00")) if budgets else None
    total_spent = sum((t["spent"] for t in result), start=Decimal("0.00"))
    return {
        "branches": result,
        "budget": total_budget,
        "spent": total_spent,
        "balance": None if total_budget is None else total_budget - total_spent,
        "income": sum(incomes, start=Decimal("0.00")) if incomes else None,
        "lines": sum(t["lines"] for t in result),
    }


def reader_key(user) -> str:
    """What decides the money a reader sees: every branch for the liaison; else the
    branches whose members-only notices they read and those whose accounts they keep."""
    roles = roles_of(user)
    if roles.liaison:
        return "all"
    accounts = sorted(branches_where(user, "notices.manage"))
    own = {roles.member.branch_id} if roles.member is not None else set()
    return f"read{sorted(own | set(accounts))}:accounts{accounts}"


def cached_money_summary(*, year, user, branch_id=None):
    """money_summary() for this reader, computed once per change to any notice,
    budget, income or category (CACHE_VERSION), per kind of reader: never a
    members-only figure for a reader who may not see it."""
    key = f"summary:{reader_key(user)}:{year}:{branch_id}"
    return cached(
        CACHE_VERSION, key, lambda: money_summary(year=year, user=user, branch_id=branch_id)
    )


def cached_years_with_notices(*, user):
    key = f"summary-years:{reader_key(user)}"
    return cached(CACHE_VERSION, key, lambda: years_with_notices(user=user))


def years_with_notices(*, user):
    """The years of the fund notices this reader may see (a year known only from
    members-only notices is not offered to the public)."""
    return list(
        summary_notices(user)
        .filter(kind=Notice.Kind.FUND)
        .annotate(year=ExtractYear("published_at"))
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )


def category_tree(branch_id):
    """The categories a branch uses, each top-level one with its sub-items and
    whether anything uses it (a category in use cannot be removed). Two queries."""
    from django.db.models import Exists, OuterRef

    rows = list(
        SpendingCategory.objects.filter(Q(branch__isnull=True) | Q(branch_id=branch_id))
        .annotate(
            in_use=Exists(FundLine.objects.filter(category=OuterRef("pk")))
            | Exists(Budget.objects.filter(category=OuterRef("pk")))
            | Exists(BudgetLine.objects.filter(category=OuterRef("pk")))
            | Exists(SpendingCategory.objects.filter(parent=OuterRef("pk")))
        )
        .order_by("sort", "id")
    )
    tops = [c for c in rows if c.parent_id is None]
    for top in tops:
        top.subs = [c for c in rows if c.parent_id == top.pk]
    return tops


def top_categories(branch_id):
    return list(
        SpendingCategory.objects.filter(
            Q(branch__isnull=True) | Q(branch_id=branch_id), parent__isnull=True
        ).order_by("sort", "id")
    )


def budget_of(branch_id, year):
    """{top-level category id: amount} of the branch's budget of `year`."""
    return dict(
        Budget.objects.filter(branch_id=branch_id, year=year).values_list("category_id", "amount")
    )
