from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from notices import services
from notices.models import FundLine, Notice, NoticeVersion, Objection
from tests.factories import category_id, fund_notice
from tests.notices import at
from union_portal.core.calendar import is_working_day
from union_portal.core.models import Notification

pytestmark = pytest.mark.django_db
Status = Notice.Status


@pytest.fixture
def published(branch, people):
    return fund_notice(
        branch, people["officer"], chair=people["chair"], status="published",
        amounts=["1200.00", "300.50"],
    )  # fmt: skip


def test_draft_approve_publish_opens_the_period_and_tells_members(branch, people):
    notice = fund_notice(branch, people["officer"], chair=people["chair"])
    with pytest.raises(services.NoticeRuleError, match="approved"):
        services.notice_publish(actor=people["officer"], notice=notice)
    services.notice_submit(actor=people["officer"], notice=notice)
    assert Notification.objects.filter(user=people["chair"], key__startswith="notice-awaiting")
    services.notice_send_back(actor=people["chair"], notice=notice, comment="金额请核对")
    notice.refresh_from_db()
    assert notice.status == Status.DRAFT and notice.review_comment == "金额请核对"
    services.notice_submit(actor=people["officer"], notice=notice)
    services.notice_approve(actor=people["chair"], notice=notice)
    services.notice_publish(actor=people["officer"], notice=notice, now=at(date(2025, 9, 26)))
    notice.refresh_from_db()
    # Five working days from Fri 26 Sept 2025: Sun 28 (make-up), 29, 30, 9 Oct, 10 Oct.
    assert notice.status == Status.PUBLISHED and notice.objection_closes_on == date(2025, 10, 10)
    assert Notification.objects.filter(user=people["member"], key=f"notice-published:{notice.pk}")


def test_spring_festival_period(branch, people):
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                         now=at(date(2026, 2, 12)))  # fmt: skip
    # Fri 13, Sat 14 (make-up), then 15–23 Feb off: 24, 25, 26 Feb.
    assert notice.objection_closes_on == date(2026, 2, 26)


def test_a_fund_notice_needs_a_line_and_drafts_only_are_edited(branch, people, published):
    with pytest.raises(services.NoticeRuleError, match="at least one line"):
        services.notice_create(
            actor=people["officer"], branch_id=branch.pk, kind="fund", visibility="public",
            version=NoticeVersion(title="空"), lines=[],
        )  # fmt: skip
    with pytest.raises(services.NoticeRuleError, match="Only a draft"):
        services.notice_update_draft(
            actor=people["officer"], notice=published, visibility="public",
            version=NoticeVersion(title="偷偷改"), lines=[FundLine(date=date(2026, 1, 1),
            note="x", payee="y", amount=Decimal("1"))],
        )  # fmt: skip
    published.refresh_from_db()
    assert published.current.title == "工会经费使用公示"


def test_correction_is_a_new_version_and_the_old_text_stays(client, branch, people, published):
    old = published.current
    old_lines = list(old.fund_lines.values_list("amount", flat=True))
    services.notice_correct(
        actor=people["officer"], notice=published, reason="第二笔金额录入错误",
        version=NoticeVersion(title="工会经费使用公示（更正）", body="更正后的说明"),
        lines=[FundLine(date=date(2026, 3, 1), note="慰问", payee="某某公司",
                        amount=Decimal("1200.00"))],
    )  # fmt: skip
    services.correction_approve(actor=people["chair"], notice=published)
    published.refresh_from_db()
    assert published.current.number == 2 and published.versions.count() == 2
    old.refresh_from_db()
    assert (
        old.title == "工会经费使用公示"
        and list(old.fund_lines.values_list("amount", flat=True)) == old_lines
    )
    page = client.get(reverse("notices:detail", args=[published.pk])).content.decode()
    assert 'data-testid="corrected"' in page and "第二笔金额录入错误" in page
    first = client.get(reverse("notices:version", args=[published.pk, 1])).content.decode()
    assert "300.50" in first and "1500.50" in first
    diff = client.get(reverse("notices:diff", args=[published.pk, 2])).content.decode()
    assert "diff-del" in diff and "300.50" in diff and "更正后的说明" in diff


def test_objection_in_the_period_goes_privately_and_is_answered(branch, people, published):
    objection = services.objection_file(
        user=people["member"], member=people["member"].member, notice=published,
        text="第二笔支出用途不明", confidential=True,
    )  # fmt: skip
    officer_note = Notification.objects.get(user=people["officer"], key__contains="objection")
    assert "第二笔支出用途不明" in officer_note.body
    assert people["member"].member.name not in officer_note.subject + officer_note.body
    services.objection_answer(actor=people["officer"], objection=objection, text="是场地费")
    answer = Notification.objects.get(user=people["member"], key__contains="objection-answer")
    assert answer.body == "是场地费"
    with pytest.raises(services.NoticeRuleError, match="already been answered"):
        services.objection_answer(actor=people["officer"], objection=objection, text="again")


@pytest.mark.parametrize("case", ["after_period", "withdrawn", "other_branch", "draft"])
def test_objections_outside_the_rules_are_refused(branch, people, published, case):
    notice, member, now = published, people["member"], None
    if case == "after_period":
        now = at(notice.objection_closes_on + timedelta(days=1))
    elif case == "withdrawn":
        services.notice_withdraw(actor=people["chair"], notice=notice, reason="重复发布")
        notice.refresh_from_db()
    elif case == "other_branch":
        member = people["other_officer"]
    elif case == "draft":
        notice = fund_notice(branch, people["officer"])
    with pytest.raises(services.NoticeRuleError):
        services.objection_file(user=member, member=member.member, notice=notice, text="x",
                                now=now)  # fmt: skip
    assert not Objection.objects.exists()


def test_close_task_marks_final_once_and_warns_the_day_before(branch, people, published):
    closes = published.objection_closes_on
    day_before = at(closes - timedelta(days=1))
    while not is_working_day(day_before.date()):
        day_before -= timedelta(days=1)
    assert services.notice_close_periods(now=day_before) == 0
    services.notice_close_periods(now=day_before + timedelta(hours=1))
    warnings = Notification.objects.filter(user=people["officer"], key__startswith="notice-closing")
    assert warnings.count() == 1
    after = at(closes + timedelta(days=1))
    assert services.notice_close_periods(now=after) == 1
    assert services.notice_close_periods(now=after) == 0  # a retried task closes nothing
    published.refresh_from_db()
    assert published.status == Status.FINAL


def test_closing_warnings_of_many_notices_tell_every_officer_once(
    branch, people, django_assert_max_num_queries
):
    notices = [
        fund_notice(
            branch, people["officer"], chair=people["chair"], status="published", title=f"公示{n}"
        )  # fmt: skip
        for n in range(4)
    ]
    closes = notices[0].objection_closes_on
    day_before = at(closes - timedelta(days=1))
    while not is_working_day(day_before.date()):
        day_before -= timedelta(days=1)
    with django_assert_max_num_queries(12):
        services.notice_close_periods(now=day_before)
    services.notice_close_periods(now=day_before + timedelta(hours=1))  # beat again
    warnings = Notification.objects.filter(key__startswith="notice-closing")
    told = sorted((n.user_id, n.url) for n in warnings)
    expected = sorted(
        (user.pk, f"/notices/{notice.pk}/")
        for notice in notices
        for user in (people["officer"], people["chair"])
    )
    assert told == expected
    assert not warnings.filter(user=people["member"]).exists()
    assert all(closes.isoformat() in n.subject for n in warnings)


def test_close_task_on_a_real_worker(celery_worker, branch, people):
    import time as clock

    from notices.tasks import close_periods

    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published")
    later = at(notice.objection_closes_on + timedelta(days=3)).isoformat()
    close_periods.delay(now_iso=later)
    close_periods.delay(now_iso=later)
    deadline = clock.monotonic() + 15
    while clock.monotonic() < deadline:
        notice.refresh_from_db()
        if notice.status == Status.FINAL:
            break
        clock.sleep(0.1)
    assert notice.status == Status.FINAL


XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<iframe src=//evil.example>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<<script>script>alert(1)<</script>/script>",
]


@pytest.mark.parametrize("payload", XSS)
def test_markdown_never_lets_script_through(client, branch, people, payload):
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published")
    NoticeVersion.objects.filter(pk=notice.current_id).update(body=f"正文 {payload} 结束")
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    body = page[page.index('data-testid="notice"') : page.index("</article>")]
    for bad in ("<script", "onerror", "onload", "javascript:", "<iframe", "style="):
        assert bad not in body.lower()
    feed = client.get(reverse("notices:feed")).content.decode()
    assert "<script" not in feed and "onerror=" not in feed


def test_anonymous_sees_only_public_published_notices(client, branch, people):
    public = fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                         title="公开公示")  # fmt: skip
    members_only = fund_notice(
        branch, people["officer"], chair=people["chair"], status="published",
        title="内部公示", visibility="members",
    )  # fmt: skip
    draft = fund_notice(branch, people["officer"], title="草稿公示")
    page = client.get(reverse("notices:list")).content.decode()
    assert "公开公示" in page and "内部公示" not in page and "草稿公示" not in page
    # Members-only: sign in first; a draft is not there at all.
    response = client.get(reverse("notices:detail", args=[members_only.pk]))
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("notices:detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("notices:detail", args=[public.pk])).status_code == 200
    feed = client.get(reverse("notices:feed")).content.decode()
    assert "公开公示" in feed and "内部公示" not in feed
    client.force_login(people["member"])
    assert "内部公示" in client.get(reverse("notices:list")).content.decode()
    client.force_login(people["other_officer"])
    assert client.get(reverse("notices:detail", args=[members_only.pk])).status_code == 404


def test_share_page_has_open_graph_tags(client, published):
    page = client.get(reverse("notices:detail", args=[published.pk])).content.decode()
    assert 'property="og:title" content="工会经费使用公示"' in page
    assert 'property="og:description" content="春季慰问活动经费。"' in page


@pytest.mark.parametrize(
    "amount, message",
    [("-5", "greater than or equal to 0.01"), ("1.234", "2 decimal places"),
     ("abc", "Enter a number"), ("0", "greater than or equal to 0.01")],
)  # fmt: skip
def test_bad_amounts_are_explained_and_nothing_is_saved(client, people, amount, message):
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    data = {
        "title": "经费公示", "body": "", "visibility": "public",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-date": "2026-03-01", "lines-0-note": "慰问",
        "lines-0-category": category_id(),
        "lines-0-payee": "超市",
        "lines-0-amount": amount,
    }  # fmt: skip
    response = client.post(reverse("notices:create", args=["fund"]), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Notice.objects.exists()


def test_fund_notice_without_lines_is_refused_in_chinese(client, people):
    client.force_login(people["officer"])
    data = {"title": "经费公示", "body": "", "visibility": "public",
            "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0"}  # fmt: skip
    response = client.post(reverse("notices:create", args=["fund"]), data)
    assert "至少" in response.content.decode()
    assert not Notice.objects.exists()


def test_officer_drafts_a_fund_notice_through_the_page(client, people, branch):
    client.force_login(people["officer"])
    data = {
        "title": "三月经费公示", "body": "说明", "visibility": "members",
        "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0",
        "lines-0-date": "2026-03-01", "lines-0-note": "慰问",
        "lines-0-category": category_id(),
        "lines-0-payee": "超市",
        "lines-0-amount": "100.10",
        "lines-1-date": "2026-03-02", "lines-1-note": "活动",
        "lines-1-category": category_id(),
        "lines-1-payee": "体育馆",
        "lines-1-amount": "50.05",
    }  # fmt: skip
    response = client.post(reverse("notices:create", args=["fund"]), data)
    notice = Notice.objects.get()
    assert response["Location"] == reverse("notices:detail", args=[notice.pk])
    assert notice.visibility == "members" and notice.current.fund_lines.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "150.15" in page
    csv_text = client.get(reverse("notices:export_csv", args=[notice.pk])).content.decode(
        "utf-8-sig"
    )
    assert "100.10" in csv_text and "150.15" in csv_text


def test_yearly_summary_by_category(client, branch, people):
    fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                amounts=["100.00", "200.00", "300.00", "400.00"])  # fmt: skip
    response = client.get(reverse("notices:summary"))
    (table,) = response.context["summary"]["branches"]
    rows = {r["category"].name: (r["spent"], r["lines"]) for r in table["rows"]}
    # The factory's lines say "用途0…": no keyword, so 其他支出.
    assert rows == {"其他支出": (Decimal("1000.00"), 4)}
    assert response.context["summary"]["spent"] == Decimal("1000.00")
    csv_text = client.get(reverse("notices:summary_csv")).content.decode("utf-8-sig")
    assert "其他支出" in csv_text and "1000.00" in csv_text
    assert client.get(reverse("notices:summary_xlsx")).status_code == 200
    assert client.get(reverse("notices:summary"), {"year": "abc"}).status_code == 200


@pytest.mark.parametrize("size", [10, 500])
def test_fixed_queries_for_list_detail_with_many_lines_and_feed(
    client, branch, people, size, django_assert_max_num_queries
):
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                         amounts=["1.00"] * size)  # fmt: skip
    for _ in range(size // 10):
        fund_notice(branch, people["officer"], chair=people["chair"], status="published")
    with django_assert_max_num_queries(4):
        assert client.get(reverse("notices:list")).status_code == 200
    # One page of lines whatever their number. The first reader also counts the
    # files and counts and sums the lines (two queries); those figures are cached,
    # so the next reader costs the notice and the page of lines.
    with django_assert_max_num_queries(5):
        client.get(reverse("notices:detail", args=[notice.pk]))
    with django_assert_max_num_queries(3):
        response = client.get(reverse("notices:detail", args=[notice.pk]))
    assert f"{size}.00" in response.content.decode()
    with django_assert_max_num_queries(2):
        assert client.get(reverse("notices:feed")).status_code == 200
    client.force_login(people["officer"])
    with django_assert_max_num_queries(8):
        assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == 200


def test_today_is_used_by_default(branch, people):
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published")
    assert notice.published_at.date() == timezone.now().date()


def test_the_summary_offers_the_public_only_years_it_may_read(client, branch, people):
    fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                visibility="members", now=at(date(2024, 6, 3)))  # fmt: skip
    fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                now=at(date(2025, 6, 3)))  # fmt: skip
    assert client.get(reverse("notices:summary")).context["years"] == [2025]
    client.force_login(people["member"])
    assert client.get(reverse("notices:summary")).context["years"] == [2025, 2024]


def test_a_long_fund_notice_is_paged_and_its_total_covers_every_line(client, branch, people):
    from notices.selectors import FUND_LINES_PER_PAGE

    count = FUND_LINES_PER_PAGE + 10
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                         amounts=[f"{i}.00" for i in range(1, count + 1)])  # fmt: skip
    url = reverse("notices:detail", args=[notice.pk])
    client.cookies["django_language"] = "en"
    first = client.get(url)
    lines = first.context["version"].fund_page.object_list
    assert [line.amount for line in lines] == [
        Decimal(i) for i in range(1, FUND_LINES_PER_PAGE + 1)
    ]
    total = Decimal(count * (count + 1) // 2)
    assert first.context["version"].total == total
    page = first.content.decode()
    assert f"Total of all {count} lines" in page and "page=2" in page
    # Page 2 shows the next lines, and the same total of all of them.
    second = client.get(url, {"page": 2})
    lines = second.context["version"].fund_page.object_list
    assert [line.amount for line in lines] == [
        Decimal(i) for i in range(FUND_LINES_PER_PAGE + 1, count + 1)
    ]
    assert second.context["version"].total == total
    assert "Page 2 of 2" in second.content.decode()


def test_a_short_fund_notice_has_one_page_and_a_plain_total(client, branch, people):
    notice = fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                         amounts=["1.00", "2.50"])  # fmt: skip
    client.cookies["django_language"] = "en"
    response = client.get(reverse("notices:detail", args=[notice.pk]))
    assert response.context["version"].total == Decimal("3.50")
    assert "Total of all" not in response.content.decode()
    assert not response.context["version"].fund_page.has_other_pages()


def test_the_feed_shows_a_notice_published_after_it_was_read(client, branch, people):
    fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                title="第一份公示")  # fmt: skip
    assert "第一份公示" in client.get(reverse("notices:feed")).content.decode()
    fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                title="第二份公示")  # fmt: skip
    feed = client.get(reverse("notices:feed"))
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "第二份公示" in feed.content.decode() and "第一份公示" in feed.content.decode()


def test_the_feed_never_carries_a_members_only_notice(client, branch, people):
    fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                title="仅会员可见", visibility="members")  # fmt: skip
    client.force_login(people["member"])
    assert "仅会员可见" not in client.get(reverse("notices:feed")).content.decode()


def test_a_members_objection_shows_on_their_notice_page_at_once_and_to_nobody_else(
    client, branch, people, published, django_assert_max_num_queries
):
    """The notice page keeps the notice, its lines and who objected in the process:
    filing an objection, or answering it, shows on the next read."""
    from tests.factories import user_with_role

    url = reverse("notices:detail", args=[published.pk])
    neighbour = user_with_role("member", branch)
    client.force_login(people["member"])
    assert 'data-testid="my-objection"' not in client.get(url).content.decode()
    # A member who objected to nothing costs no query for their objections.
    with django_assert_max_num_queries(4):
        page = client.get(url).content.decode()
    assert "1200.00" in page and "300.50" in page
    objection = services.objection_file(
        user=people["member"], member=people["member"].member, notice=published,
        text="第二笔支出用途不明", confidential=True,
    )  # fmt: skip
    page = client.get(url).content.decode()
    assert 'data-testid="my-objection"' in page and "第二笔支出用途不明" in page
    services.objection_answer(actor=people["officer"], objection=objection, text="是场地费")
    assert "是场地费" in client.get(url).content.decode()
    client.force_login(neighbour)
    page = client.get(url).content.decode()
    assert "第二笔支出用途不明" not in page and 'data-testid="my-objection"' not in page


def test_a_drafts_changed_lines_and_status_show_on_its_page_at_once(client, branch, people):
    notice = fund_notice(branch, people["officer"], amounts=["10.00"])
    url = reverse("notices:detail", args=[notice.pk])
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"
    page = client.get(url).content.decode()
    assert "10.00" in page and "members only" not in page
    line = FundLine(date=date(2026, 3, 2), note="<b>改</b>", payee="某某", amount=Decimal("77.70"))
    services.notice_update_draft(
        actor=people["officer"], notice=notice, visibility="members",
        version=notice.current, lines=[line],
    )  # fmt: skip
    page = client.get(url).content.decode()
    assert "77.70" in page and "10.00" not in page and "&lt;b&gt;改&lt;/b&gt;" in page
    assert "members only" in page
    # Not published: the member still cannot read it, and reads it once it is.
    client.force_login(people["member"])
    assert client.get(url).status_code == 404
    services.notice_submit(actor=people["officer"], notice=notice)
    services.notice_approve(actor=people["chair"], notice=notice)
    services.notice_publish(actor=people["officer"], notice=notice)
    assert "77.70" in client.get(url).content.decode()


def test_the_list_shows_a_change_at_once_and_each_reader_only_their_notices(
    client, branch, other_branch, people, django_assert_max_num_queries
):
    """The list's count and rows are kept (the rows in the process only) per kind
    of reader and filters, until a notice changes."""
    from tests.factories import user_with_role

    fund_notice(branch, people["officer"], chair=people["chair"], status="published",
                title="内部公示", visibility="members")  # fmt: skip
    url = reverse("notices:list")
    client.cookies["django_language"] = "en"
    client.force_login(people["member"])
    page = client.get(url).content.decode()
    assert "内部公示" in page and "1 notice<" in page
    with django_assert_max_num_queries(4):  # the signed-in floor's: no count, no rows
        client.get(url)
    client.force_login(user_with_role("member", other_branch))
    page = client.get(url).content.decode()
    assert "内部公示" not in page and 'data-testid="empty"' in page
    client.force_login(people["member"])
    draft = fund_notice(branch, people["officer"], title="新公示")
    assert "新公示" not in client.get(url).content.decode()
    services.notice_submit(actor=people["officer"], notice=draft)
    services.notice_approve(actor=people["chair"], notice=draft)
    services.notice_publish(actor=people["officer"], notice=draft)
    page = client.get(url).content.decode()
    assert "新公示" in page and "2 notices<" in page
    assert "新公示" not in client.get(url, {"q": "内部"}).content.decode()
