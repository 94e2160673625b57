"""The pages the benchmark times, each asked by a role that may see it."""

FLOOR = ("floor", "anonymous", "/floor/")


def pages(fixture: dict) -> list[tuple[str, str, str]]:
    """(name, role, path) for every list, detail and dashboard page."""
    ids = fixture["ids"]
    return [
        ("home", "member", "/"),
        ("inbox", "member", "/inbox/"),
        ("my membership", "member", "/me/"),
        ("roster list", "officer", "/roster/"),
        ("member detail", "officer", f"/roster/{ids['detail_member']}/"),
        ("event list", "member", "/events/"),
        ("event detail", "member", f"/events/{ids['page_event']}/"),
        ("my events", "member", "/events/mine/"),
        ("participation report", "officer", "/events/report/"),
        ("case queue (officer)", "officer", "/grievances/"),
        ("case queue (chair)", "chair", "/grievances/"),
        ("case detail", "chair", f"/grievances/{ids['big_case']}/"),
        ("my cases", "member", "/grievances/mine/"),
        ("fairness dashboard (chair)", "chair", "/grievances/dashboard/"),
        ("fairness dashboard (liaison)", "liaison", "/grievances/dashboard/"),
        ("notice list", "member", "/notices/"),
        ("notice detail", "member", f"/notices/{ids['big_notice']}/"),
        ("notices Atom feed", "anonymous", "/notices/feed.atom"),
        ("money summary", "member", "/notices/summary/"),
    ] + yearly_report_pages()


def yearly_report_pages() -> list[tuple[str, str, str]]:
    """The yearly report of this year: cached until the data changes, so the first
    request computes it and the rest read it."""
    from django.utils import timezone

    year = timezone.localdate().year
    return [
        ("yearly report (member)", "member", f"/report/{year}/"),
        ("university report (liaison)", "liaison", f"/report/{year}/university/"),
    ]
