"""Issue 16, "Money the way union accounts keep it": spending categories (支出科目)
officers can extend, a yearly budget per category, income lines, and a summary of
budget, spent and balance per category that says whose notices it counts."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from notices import services
from notices.fund_rules import place
from notices.models import Budget, FundLine, Income, Notice, NoticeVersion, SpendingCategory
from tests.factories import fund_notice, user_with_role

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def cat(name, parent=None):
    return SpendingCategory.objects.get(branch__isnull=True, name=name, parent__name=parent)


def fund(branch, people, lines, *, visibility="public", status="published", title="经费公示"):
    """A fund notice with (category, note, amount) lines, taken to `status`."""
    notice = services.notice_create(
        actor=people["officer"], branch_id=branch.pk, kind="fund", visibility=visibility,
        version=NoticeVersion(title=title),
        lines=[FundLine(date=date(YEAR, 3, 1), category=c, note=n, payee="某某",
                        amount=Decimal(a)) for c, n, a in lines],
    )  # fmt: skip
    if status in ("awaiting", "approved", "published"):
        services.notice_submit(actor=people["officer"], notice=notice)
    if status in ("approved", "published"):
        services.notice_approve(actor=people["chair"], notice=notice)
    if status == "published":
        services.notice_publish(actor=people["officer"], notice=notice)
    notice.refresh_from_db()
    return notice


# --- categories ------------------------------------------------------------------


def test_the_fund_rules_categories_are_seeded_with_their_sub_items():
    tops = SpendingCategory.objects.filter(branch__isnull=True, parent__isnull=True)
    assert [c.name for c in tops.order_by("sort")] == [
        "职工活动支出", "维权支出", "业务支出", "行政支出", "资本性支出", "其他支出",
    ]  # fmt: skip
    assert {c.name for c in cat("职工活动支出").children.all()} == {
        "文体活动",
        "宣传教育",
        "其他活动",
    }
    assert {c.name for c in cat("维权支出").children.all()} == {
        "困难职工帮扶", "送温暖/慰问", "法律援助",
    }  # fmt: skip
    assert {c.name for c in cat("业务支出").children.all()} == {"培训", "会议", "专项业务"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("春节慰问品", ("维权支出", "送温暖/慰问")),
        ("困难职工补助", ("维权支出", "困难职工帮扶")),
        ("羽毛球赛场地", ("职工活动支出", "文体活动")),
        ("新任委员培训", ("业务支出", "培训")),
        ("交通", ("其他支出", None)),
    ],
)
def test_a_free_text_purpose_is_placed_by_keyword_or_in_other(text, expected):
    assert place(text) == expected


def test_a_line_written_without_a_category_is_placed_and_keeps_its_text(branch, people):
    notice = fund_notice(branch, people["officer"], amounts=["10.00"])
    line = notice.current.fund_lines.get()
    assert line.category == cat("其他支出") and line.note == "用途0"


def test_officers_add_categories_and_sub_items_for_their_branch(branch, other_branch, people):
    own = services.category_create(
        actor=people["officer"], branch_id=branch.pk, name=" 女职工  活动 "
    )
    assert own.name == "女职工 活动" and own.branch == branch and own.parent is None
    sub = services.category_create(
        actor=people["officer"], branch_id=branch.pk, name="三八节", parent=cat("职工活动支出")
    )
    assert sub.parent == cat("职工活动支出") and sub.branch == branch
    for name, parent, message in [
        ("", None, "Give the category a name."),
        ("文体活动", cat("职工活动支出"), "already a category of that name"),
        ("其他支出", None, "already a category of that name"),
        ("更深一层", sub, "A sub-item goes under a top-level category."),
        ("x" * 41, None, "at most 40 characters"),
    ]:
        with pytest.raises(services.NoticeRuleError, match=message):
            services.category_create(
                actor=people["officer"], branch_id=branch.pk, name=name, parent=parent
            )
    with pytest.raises(services.NoticeRuleError, match="officers keep its accounts"):
        services.category_create(actor=people["member"], branch_id=branch.pk, name="会员加的")
    # Another branch neither sees nor uses this branch's own categories.
    with pytest.raises(services.NoticeRuleError, match="from the list"):
        services.category_create(
            actor=people["other_officer"], branch_id=other_branch.pk, name="x", parent=own
        )


def test_a_category_in_use_or_of_the_fund_rules_cannot_be_removed(branch, people):
    used = services.category_create(actor=people["officer"], branch_id=branch.pk, name="自设")
    unused = services.category_create(actor=people["officer"], branch_id=branch.pk, name="空的")
    fund(branch, people, [(used, "", "5.00")], status="draft")
    with pytest.raises(services.NoticeRuleError, match="is in use"):
        services.category_delete(actor=people["officer"], category=used)
    with pytest.raises(services.NoticeRuleError, match="cannot be removed"):
        services.category_delete(actor=people["chair"], category=cat("其他支出"))
    with pytest.raises(services.NoticeRuleError, match="officers keep its accounts"):
        services.category_delete(actor=people["other_officer"], category=unused)
    services.category_delete(actor=people["officer"], category=unused)
    assert not SpendingCategory.objects.filter(pk=unused.pk).exists()
    assert SpendingCategory.objects.filter(pk=used.pk).exists()


def test_a_line_cannot_use_another_branchs_category(branch, other_branch, people):
    theirs = SpendingCategory.objects.create(branch=other_branch, name="他们的")
    with pytest.raises(services.NoticeRuleError, match="from the list"):
        fund(branch, people, [(theirs, "", "5.00")], status="draft")


def test_the_category_page_adds_removes_and_refuses_with_a_message(client, branch, people):
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    url = reverse("notices:categories")
    response = client.post(url, {"name": "女职工活动", "parent": cat("职工活动支出").pk})
    assert response.status_code == 302
    added = SpendingCategory.objects.get(name="女职工活动", branch=branch)
    page = client.get(url).content.decode()
    assert "女职工活动" in page and "送温暖/慰问" in page
    response = client.post(
        url, {"name": "女职工活动", "parent": cat("职工活动支出").pk}, follow=True
    )
    assert "already a category of that name" in response.content.decode()
    response = client.post(url, {"delete": str(cat("其他支出").pk)}, follow=True)
    assert "That category does not exist." in response.content.decode()
    assert client.post(url, {"delete": "abc"}).status_code == 302
    assert client.post(url, {"name": "x", "parent": "99999999"}).status_code == 200
    client.post(url, {"delete": str(added.pk)})
    assert not SpendingCategory.objects.filter(pk=added.pk).exists()


@pytest.mark.parametrize("size", [3, 60])
def test_fixed_queries_for_the_category_page(
    client, branch, people, size, django_assert_max_num_queries
):
    for i in range(size):
        services.category_create(
            actor=people["officer"], branch_id=branch.pk, name=f"科目{i}",
            parent=cat("职工活动支出") if i % 2 else None,
        )  # fmt: skip
    client.force_login(people["officer"])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notices:categories"))
    assert f"科目{size - 1}" in response.content.decode()


# --- budget and income -----------------------------------------------------------


def test_the_budget_page_saves_a_year_and_refuses_bad_amounts(client, branch, people):
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    url = reverse("notices:budget") + f"?year={YEAR}"
    activity, care = cat("职工活动支出"), cat("维权支出")
    assert client.post(url, {f"c{activity.pk}": "30000.50", f"c{care.pk}": ""}).status_code == 302
    assert Budget.objects.get(branch=branch, year=YEAR, category=activity).amount == Decimal(
        "30000.50"
    )
    assert not Budget.objects.filter(category=care).exists()
    for bad in ["-1", "abc", "1.001", "1" * 5000, "12345678901.00"]:
        response = client.post(url, {f"c{activity.pk}": bad})
        assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert Budget.objects.get(category=activity).amount == Decimal("30000.50")
    # Emptying a category removes its budget; a bad year is the current one, not a 500.
    client.post(url, {f"c{activity.pk}": ""})
    assert not Budget.objects.exists()
    assert client.get(reverse("notices:budget") + "?year=99999").status_code == 200


def test_a_budget_of_a_sub_item_or_another_branchs_category_is_refused(
    branch, other_branch, people
):
    theirs = SpendingCategory.objects.create(branch=other_branch, name="他们的")
    for category in (theirs, cat("文体活动", "职工活动支出")):
        with pytest.raises(services.NoticeRuleError, match="from the list"):
            services.budget_save(actor=people["officer"], branch_id=branch.pk, year=YEAR,
                                 amounts={category.pk: Decimal("1.00")})  # fmt: skip
    with pytest.raises(services.NoticeRuleError, match="negative"):
        services.budget_save(actor=people["officer"], branch_id=branch.pk, year=YEAR,
                             amounts={cat("其他支出").pk: Decimal("-1")})  # fmt: skip
    with pytest.raises(services.NoticeRuleError, match="officers keep its accounts"):
        services.budget_save(actor=people["other_officer"], branch_id=branch.pk, year=YEAR,
                             amounts={cat("其他支出").pk: Decimal("1")})  # fmt: skip
    assert not Budget.objects.exists()


def test_income_lines_are_added_listed_and_removed(client, branch, people):
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    url = reverse("notices:income")
    data = {"date": f"{YEAR}-03-31", "source": "dues", "amount": "18650.40", "note": "一季度"}
    assert client.post(url, data).status_code == 302
    income = Income.objects.get()
    assert (income.branch, income.amount, income.created_by) == (
        branch, Decimal("18650.40"), people["officer"],
    )  # fmt: skip
    page = client.get(url + f"?year={YEAR}").content.decode()
    assert "18650.40" in page and "Dues returned" in page
    for bad in [{"amount": "0"}, {"amount": "-5"}, {"source": "gift"}, {"date": "昨天"}]:
        assert client.post(url, {**data, **bad}).status_code == 200
    assert Income.objects.count() == 1
    other = user_with_role("officer", income.branch)
    other_branch_officer = people["other_officer"]
    client.force_login(other_branch_officer)
    response = client.post(url, {"delete": str(income.pk)}, follow=True)
    assert "does not exist" in response.content.decode() and Income.objects.exists()
    client.force_login(other)
    client.post(url, {"delete": str(income.pk)})
    assert not Income.objects.exists()


# --- the summary ---------------------------------------------------------------


@pytest.fixture
def accounts(branch, other_branch, people):
    """This branch: a budget, income, a public and a members-only fund notice, one
    withdrawn and one awaiting approval; the other branch: one members-only notice."""
    services.budget_save(actor=people["officer"], branch_id=branch.pk, year=YEAR, amounts={
        cat("职工活动支出").pk: Decimal("10000.00"), cat("维权支出").pk: Decimal("5000.00"),
    })  # fmt: skip
    services.income_add(actor=people["officer"], branch_id=branch.pk, date=date(YEAR, 1, 5),
                        source="allocation", amount=Decimal("40000.00"))  # fmt: skip
    fund(branch, people, [(cat("文体活动", "职工活动支出"), "场地", "1234.56"),
                          (cat("宣传教育", "职工活动支出"), "展板", "765.44")])  # fmt: skip
    fund(branch, people, [(cat("送温暖/慰问", "维权支出"), "慰问", "12345678.90")],
         visibility="members")  # fmt: skip
    withdrawn = fund(branch, people, [(cat("其他支出"), "撤回的", "777.77")])
    services.notice_withdraw(actor=people["chair"], notice=withdrawn, reason="作废")
    fund(branch, people, [(cat("其他支出"), "待批的", "666.66")], status="awaiting")
    other_people = {"officer": people["other_officer"],
                    "chair": user_with_role("chair", other_branch)}  # fmt: skip
    fund(other_branch, other_people, [(cat("其他支出"), "", "55.00")], visibility="members")


def _summary(client, user=None, **params):
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("notices:summary"), {"year": YEAR, **params})
    assert response.status_code == 200
    return response


def _spent(response):
    return {
        table["branch"].name: {r["category"].name: r["spent"] for r in table["rows"]}
        for table in response.context["summary"]["branches"]
    }


def test_the_public_sees_public_notices_only_and_is_told_so(client, branch, accounts):
    response = _summary(client)
    assert _spent(response) == {branch.name: {"职工活动支出": Decimal("2000.00")}}
    page = response.content.decode()
    assert "Showing public notices only." in page
    assert "777.77" not in page and "666.66" not in page and "12345678.90" not in page
    # No income and the budget only from a published budget notice (none yet).
    (table,) = response.context["summary"]["branches"]
    assert table["income"] is None and table["rows"][0]["budget"] is None


def test_a_member_sees_their_branchs_members_only_money_too(client, branch, people, accounts):
    response = _summary(client, people["member"])
    assert _spent(response) == {
        branch.name: {"职工活动支出": Decimal("2000.00"), "维权支出": Decimal("12345678.90")}
    }
    assert f"Showing all notices of {branch.name}, members-only ones included" in (
        response.content.decode()
    )


def test_the_chair_sees_budget_spent_balance_and_income_of_the_branch(
    client, branch, people, accounts
):
    response = _summary(client, people["chair"], branch=branch.pk)
    (table,) = response.context["summary"]["branches"]
    rows = {r["category"].name: r for r in table["rows"]}
    assert rows["职工活动支出"]["budget"] == Decimal("10000.00")
    assert rows["职工活动支出"]["spent"] == Decimal("2000.00")
    assert rows["职工活动支出"]["balance"] == Decimal("8000.00")
    assert rows["职工活动支出"]["lines"] == 2
    assert [s["category"].name for s in rows["职工活动支出"]["subs"]] == ["文体活动", "宣传教育"]
    assert rows["维权支出"]["balance"] == Decimal("-12340678.90")
    assert (table["budget"], table["spent"], table["income"]) == (
        Decimal("15000.00"), Decimal("12347678.90"), Decimal("40000.00"),
    )  # fmt: skip
    page = response.content.decode()
    # Full amounts with two decimals, never shortened.
    for figure in ("12345678.90", "-12340678.90", "8000.00", "40000.00", "15000.00"):
        assert figure in page
    assert "万" not in page


def test_the_liaison_sees_every_branchs_money_members_only_included(
    client, branch, other_branch, people, accounts
):
    response = _summary(client, people["liaison"])
    spent = _spent(response)
    assert spent[branch.name]["维权支出"] == Decimal("12345678.90")
    assert spent[other_branch.name] == {"其他支出": Decimal("55.00")}
    assert "Showing the notices of every branch, members-only ones included." in (
        response.content.decode()
    )
    assert response.context["summary"]["income"] == Decimal("40000.00")


def test_the_summary_files_carry_the_same_figures(client, people, accounts):
    client.force_login(people["chair"])
    text = client.get(reverse("notices:summary_csv"), {"year": YEAR}).content.decode("utf-8-sig")
    assert "12345678.90" in text and "10000.00" in text and "8000.00" in text
    assert "777.77" not in text and "666.66" not in text
    assert client.get(reverse("notices:summary_xlsx"), {"year": YEAR}).status_code == 200


def test_in_chinese_a_count_is_笔数_and_labels_are_whole(client, people, accounts):
    client.force_login(people["chair"])
    page = client.get(reverse("notices:summary"), {"year": YEAR}).content.decode()
    assert "笔数" in page and "明细" not in page
    assert "送温暖/慰问" in page and "职工活动支出" in page
    assert "已支出" in page and "结余" in page and "预算" in page
    assert "truncatechars" not in page and "…" not in page


def test_the_public_reads_the_budget_of_a_published_budget_notice(client, branch, people, accounts):
    notice = services.notice_create(
        actor=people["officer"], branch_id=branch.pk, kind="budget", visibility="public",
        budget_year=YEAR, version=NoticeVersion(title="预算公示"),
    )  # fmt: skip
    # Changed after the notice was written: the notice keeps its own copy.
    services.budget_save(actor=people["officer"], branch_id=branch.pk, year=YEAR,
                         amounts={cat("职工活动支出").pk: Decimal("99999.00")})  # fmt: skip
    assert _summary(client).context["summary"]["branches"][0]["rows"][0]["budget"] is None
    services.notice_submit(actor=people["officer"], notice=notice)
    services.notice_approve(actor=people["chair"], notice=notice)
    services.notice_publish(actor=people["officer"], notice=notice)
    (table,) = _summary(client).context["summary"]["branches"]
    rows = {r["category"].name: r for r in table["rows"]}
    assert rows["职工活动支出"]["budget"] == Decimal("10000.00")
    assert rows["职工活动支出"]["balance"] == Decimal("8000.00")
    assert table["accounts"] is False
    # The chair reads the accounts as they stand.
    (table,) = _summary(client, people["chair"], branch=branch.pk).context["summary"]["branches"]
    assert table["rows"][0]["budget"] == Decimal("99999.00")


@pytest.mark.parametrize("size", [2, 40])
def test_fixed_queries_for_the_summary(
    client, branch, other_branch, people, size, django_assert_max_num_queries
):
    subs = list(SpendingCategory.objects.filter(parent__isnull=False))
    for i in range(size):
        fund(branch, people, [(subs[i % len(subs)], "", "1.00"), (cat("其他支出"), "", "2.00")],
             visibility="members" if i % 2 else "public")  # fmt: skip
        services.income_add(actor=people["officer"], branch_id=branch.pk, date=date(YEAR, 2, 1),
                            source="dues", amount=Decimal("3.00"))  # fmt: skip
    for user in (None, people["member"], people["chair"], people["liaison"]):
        client.logout()
        if user is not None:
            client.force_login(user)
        with django_assert_max_num_queries(14):
            response = client.get(reverse("notices:summary"), {"year": YEAR})
        assert response.status_code == 200
    assert response.context["summary"]["spent"] == Decimal(3 * size)


def test_bad_summary_filters_are_ignored_not_a_500(client, accounts):
    for params in ({"year": "abc"}, {"year": "1"}, {"branch": "x"}, {"branch": "99999"}):
        assert client.get(reverse("notices:summary"), params).status_code == 200


def test_budget_notice_needs_a_budget_and_opens_an_objection_period(branch, people):
    with pytest.raises(services.NoticeRuleError, match="no budget for"):
        services.notice_create(
            actor=people["officer"], branch_id=branch.pk, kind="budget", visibility="public",
            budget_year=YEAR, version=NoticeVersion(title="预算公示"),
        )  # fmt: skip
    services.budget_save(actor=people["officer"], branch_id=branch.pk, year=YEAR,
                         amounts={cat("业务支出").pk: Decimal("8000.00")})  # fmt: skip
    notice = services.notice_create(
        actor=people["officer"], branch_id=branch.pk, kind="budget", visibility="public",
        budget_year=YEAR, version=NoticeVersion(title="预算公示"),
    )  # fmt: skip
    assert [(b.category.name, b.amount) for b in notice.current.budget_lines.all()] == [
        ("业务支出", Decimal("8000.00"))
    ]
    services.notice_submit(actor=people["officer"], notice=notice)
    services.notice_approve(actor=people["chair"], notice=notice)
    services.notice_publish(actor=people["officer"], notice=notice)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED and notice.objection_closes_on
    objection = services.objection_file(
        user=people["member"], member=people["member"].member, notice=notice, text="培训费偏高"
    )
    assert objection.pk


@pytest.mark.django_db(transaction=True)
def test_the_migration_places_existing_lines_and_keeps_their_text(branch, people):
    """Lines written before categories existed: placed by keyword (their purpose,
    then their budget line) or in 其他支出, the purpose kept as the note."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("notices", "0004_draft_editors")])
    old = executor.loader.project_state([("notices", "0004_draft_editors")]).apps
    OldNotice, OldVersion, OldLine = (
        old.get_model("notices", name) for name in ("Notice", "NoticeVersion", "FundLine")
    )
    notice = OldNotice.objects.create(branch_id=branch.pk, kind="fund",
                                      created_by_id=people["officer"].pk)  # fmt: skip
    version = OldVersion.objects.create(notice=notice, number=1, title="旧公示",
                                        created_by_id=people["officer"].pk)  # fmt: skip
    for purpose, budget_line in [("春节慰问品", ""), ("场地租用", ""), ("交通", ""),
                                 ("奖品", "文体活动")]:  # fmt: skip
        OldLine.objects.create(version=version, date=date(2025, 1, 1), purpose=purpose, payee="x",
                               amount=Decimal("1.00"), budget_line=budget_line)  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    placed = {
        line.note: str(line.category) for line in FundLine.objects.filter(version_id=version.pk)
    }
    assert placed == {
        "春节慰问品": "维权支出 · 送温暖/慰问",
        "场地租用": "职工活动支出 · 文体活动",
        "交通": "其他支出",
        "奖品": "职工活动支出 · 文体活动",
    }


def test_a_budget_notice_is_drafted_on_its_page(client, branch, people):
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    url = reverse("notices:create", args=["budget"])
    assert 'name="budget_year"' in client.get(url).content.decode()
    data = {"title": "预算公示", "body": "", "visibility": "public", "budget_year": str(YEAR),
            "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0",
            "awards-TOTAL_FORMS": "0", "awards-INITIAL_FORMS": "0"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200 and "no budget for" in response.content.decode()
    services.budget_save(actor=people["officer"], branch_id=branch.pk, year=YEAR,
                         amounts={cat("业务支出").pk: Decimal("8000.00")})  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    notice = Notice.objects.get(kind="budget")
    assert notice.budget_year == YEAR
    page = client.get(response["Location"]).content.decode()
    assert "8000.00" in page and 'data-testid="budget-lines"' in page


def test_the_cached_summary_never_shows_members_only_money_to_the_public(
    client, branch, people, accounts
):
    # The member's view (members-only money included) is cached first …
    assert "12345678.90" in _summary(client, people["member"]).content.decode()
    client.logout()
    # … and the public still gets its own figures, not the member's.
    page = _summary(client).content.decode()
    assert "12345678.90" not in page and "Showing public notices only." in page


def test_the_summary_counts_a_notice_published_after_it_was_shown(client, branch, people):
    fund(branch, people, [(cat("职工活动支出"), "", "100.00")])
    assert _summary(client).context["summary"]["spent"] == Decimal("100.00")
    fund(branch, people, [(cat("职工活动支出"), "", "23.00")])
    response = _summary(client)
    assert response.context["summary"]["spent"] == Decimal("123.00")
    assert "123.00" in response.content.decode()
