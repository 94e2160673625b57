"""The pages the benchmark times, each asked by a role that may see it."""

from urllib.parse import quote

FLOOR = ("floor", "anonymous", "/floor/")
SIGNED_IN_ROLES = ("member", "officer", "chair", "liaison")


def floor_name(role: str) -> str:
    return "floor" if role == "anonymous" else f"floor ({role})"


def floors() -> list[tuple[str, str, str]]:
    """The layout and nothing else, asked signed out and by each signed-in role:
    signed in it does only what every page must (session, user, roles, unread
    count). Each page is measured against the floor of the role that asks it."""
    return [FLOOR, *((floor_name(role), role, "/floor/") for role in SIGNED_IN_ROLES)]


def pages(fixture: dict) -> list[tuple[str, str, str]]:
    """(name, role, path) for every list, detail and dashboard page."""
    ids = fixture["ids"]
    return [
        ("home", "member", "/"),
        ("inbox", "member", "/inbox/"),
        ("my membership", "member", "/me/"),
        ("roster list", "officer", "/roster/"),
        ("roster search (officer)", "officer", f"/roster/?q={quote(ROSTER_SEARCH)}"),
        ("member detail", "officer", f"/roster/{ids['detail_member']}/"),
        ("event list", "member", "/events/"),
        ("event detail", "member", f"/events/{ids['page_event']}/"),
        ("my events", "member", "/events/mine/"),
        ("roll call (officer)", "officer", f"/events/{ids['page_event']}/roll-call/"),
        ("participation report", "officer", "/events/report/"),
        ("case queue (officer)", "officer", "/grievances/"),
        ("case queue (chair)", "chair", "/grievances/"),
        *case_detail_pages(fixture),
        ("my cases", "member", "/grievances/mine/"),
        ("fairness dashboard (chair)", "chair", "/grievances/dashboard/"),
        ("fairness dashboard (liaison)", "liaison", "/grievances/dashboard/"),
        ("notice list", "member", "/notices/"),
        ("notice detail", "member", f"/notices/{ids['big_notice']}/"),
        ("notices Atom feed", "anonymous", "/notices/feed.atom"),
        ("money summary", "member", "/notices/summary/"),
        *[page for page in participation_pages(fixture) if _exists(page[2])],
        ("hardship files", "officer", "/care/hardship/"),
        ("hardship file", "officer", f"/care/hardship/{ids['hardship_file']}/"),
        ("hardship fairness (chair)", "chair", "/care/hardship/fairness/"),
        ("hardship fairness (liaison)", "liaison", "/care/hardship/fairness/"),
    ] + yearly_report_pages()


CASE_DETAIL_PAIR = ("case detail (3 000 history rows)", "case detail (30 history rows)")
MAX_HISTORY_RATIO = 1.25  # the long case's page within 1.25 × the short one's, either way


def case_detail_pages(fixture: dict) -> list[tuple[str, str, str]]:
    """The same page for a case with a long history and one with a short one (same
    branch, state and handler): the latest entries are shown, older ones on demand."""
    ids = fixture["ids"]
    long_name, short_name = CASE_DETAIL_PAIR
    return [
        (long_name, "chair", f"/grievances/{ids['big_case']}/"),
        (short_name, "chair", f"/grievances/{ids['small_case']}/"),
    ]


def check_case_detail_pair(report, samples: dict) -> None:
    """Issue 14: a case with 3 000 history rows costs the same as one with 30."""
    import statistics

    long_name, short_name = CASE_DETAIL_PAIR
    if not samples.get(long_name) or not samples.get(short_name):
        return
    long_ms, short_ms = (statistics.median(samples[n]) * 1000 for n in CASE_DETAIL_PAIR)
    ratio = max(long_ms, short_ms) / min(long_ms, short_ms)
    report.check(
        f"case detail: 3 000 history rows within {MAX_HISTORY_RATIO} × 30 rows (medians)",
        ratio <= MAX_HISTORY_RATIO,
        f"{long_ms:.1f} ms vs {short_ms:.1f} ms = {ratio:.2f} ×",
        speed=True,
    )


def yearly_report_pages() -> list[tuple[str, str, str]]:
    """The yearly report of this year: cached until the data changes, so the first
    request computes it and the rest read it."""
    from django.utils import timezone

    year = timezone.localdate().year
    return [
        ("yearly report (member)", "member", f"/report/{year}/"),
        ("university report (liaison)", "liaison", f"/report/{year}/university/"),
    ]


def participation_pages(fixture: dict) -> list[tuple[str, str, str]]:
    """Proposals and polls (issue 11). The poll pages are built on other branches:
    a page whose URL no view answers yet is left out (see missing())."""
    ids = fixture["ids"]
    big_poll, live_poll = ids.get("big_poll"), ids.get("live_poll")
    return [
        ("proposal list", "member", "/proposals/"),
        ("proposal detail", "member", f"/proposals/{ids['big_proposal']}/"),
        ("poll list", "member", "/proposals/polls/"),
        ("poll detail (open, named)", "member", f"/proposals/polls/{live_poll}/"),
        ("poll detail (closed, secret)", "member", f"/proposals/polls/{big_poll}/"),
        ("poll results (closed, secret)", "member", f"/proposals/polls/{big_poll}/results/"),
        ("poll results (live, named)", "officer", f"/proposals/polls/{live_poll}/results/"),
    ]


def _exists(path: str) -> bool:
    """Whether a view answers the path (Django set up): on a branch without the
    poll pages their URLs resolve to nothing and answer 404."""
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def missing(fixture: dict) -> list[tuple[str, str, str]]:
    """The pages left out because no view answers their URL on this checkout."""
    return [page for page in participation_pages(fixture) if not _exists(page[2])]


# A staff number prefix (B000100-B000199, B001000-B001999): the roster searches name
# and staff number (`q`), the admin name, staff number and email. Unlike a surname
# it finds members of branch 1 at every scale (none found would save a query).
ROSTER_SEARCH = "B0001"

# The peer a union's IT office would otherwise use: the Django admin's changelist of
# the same rows, as the project ships it (no setting changed for the benchmark).
# (portal page, admin peer, admin path or None where the admin has no such list);
# the admin lists are filtered to branch 1, the branch the portal's roles read.
ADMIN_PEERS = (
    (
        "roster search (officer)",
        "admin: members, searched",
        f"/admin/members/member/?q={quote(ROSTER_SEARCH)}&branch__id__exact=1",
    ),
    ("case queue (chair)", "admin: cases", "/admin/grievances/grievance/?branch__id__exact=1"),
    # The events and notices apps ship no admin (a fund line changelist would show
    # the money of unpublished notices): their peers live on the benchmark's own
    # admin site, bench/admin.py, mounted by bench/urls.py only.
    ("roll call (officer)", "admin: registrations", "/bench-admin/events/registration/"
     "?event__id__exact={page_event}"),
    ("notice detail", "admin: fund lines", "/bench-admin/notices/fundline/"
     "?version__id__exact={big_notice_version}"),
)  # fmt: skip


def admin_pages(fixture: dict) -> list[tuple[str, str, str]]:
    """(name, "admin", path) for every admin peer, asked by a superuser (Django set up)."""
    from notices.models import Notice

    ids = fixture["ids"]
    values = {
        "page_event": ids["page_event"],
        "big_notice_version": Notice.objects.values_list("current_id", flat=True).get(
            pk=ids["big_notice"]
        ),
    }
    return [(peer, "admin", path.format(**values)) for _, peer, path in ADMIN_PEERS]
