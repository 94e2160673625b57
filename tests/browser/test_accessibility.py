"""Every page of the permission matrix, opened by every role that may open it
(the matrix says 200), checked in a real browser:

- axe-core finds no violation of impact "serious" or "critical", on a phone
  (375×812) for every role and on a desktop (1280×800) for the first role that
  reads the page;
- the page never scrolls sideways on a phone, nor at 200 % zoom on a desktop
  (1280×800 at 200 % is a 640×400 CSS viewport); a table may scroll inside its
  own .table-responsive box, the page may not;
- the header stays one line high on a phone.

The pages come from tests/members/test_permission_matrix.py's MATRIX and its
objects, so a new page (which must join the matrix) is checked here too.
Moderate and minor findings are printed (run with -s to read them)."""

import time
from collections import defaultdict

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD
from tests.members.test_permission_matrix import MATRIX, ROLES, build_objects

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
ZOOMED = {"width": 640, "height": 400}  # the desktop at 200 % zoom
ONE_LINE_HEADER = 64  # px: a navbar of one line (its buttons are 31 px high)
FAILING_IMPACTS = {"serious", "critical"}
# The rules of WCAG 2.x A and AA and axe's best practices; experimental rules are left out.
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
}
# The allauth pages are outside the matrix; these are the ones the menu links to.
ACCOUNT_PAGES = {
    "anonymous": ["account_login", "account_signup", "account_reset_password"],
    "signed_in": ["account_change_password"],
}
axe = Axe()
# The desktop width lays out the same markup wider: axe checks it there once per
# page, for the first role that reads it, and on a phone for every role (whose
# content differs). This keeps the sweep within CI's time.
CHECKED_ON_DESKTOP = set()


def pages_for(role, objects):
    """The matrix's pages this role may read (GET answering 200), plus the account pages."""
    urls = [
        reverse(name, kwargs=objects[kwargs_key])
        for name, (kwargs_key, method, expected) in MATRIX.items()
        if method == "get" and expected[role] == 200
    ]
    accounts = ACCOUNT_PAGES["anonymous" if role == "anonymous" else "signed_in"]
    return urls + [reverse(name) for name in accounts]


def run_axe(page):
    """axe-core's violations on the page as it is laid out now (injected once per load)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe.axe_script)
    return page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)["violations"]


def overflow(page):
    """How many CSS pixels the page is wider than the window (0: no sideways scroll)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("role", ROLES)
def test_every_matrix_page_is_accessible_and_fits_phone_and_zoom(
    browser, live_server, people, branch, department, role
):
    objects = build_objects(people, branch, department)
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    if role != "anonymous":
        sign_in(page, live_server, people[role].email, PASSWORD)  # once: the context keeps it

    started = time.monotonic()
    failures, minor, checked = [], defaultdict(list), 0
    for url in pages_for(role, objects):
        answer = context.request.get(live_server.url + url, max_redirects=0)
        if answer.status != 200 or not answer.headers.get("content-type", "").startswith(
            "text/html"
        ):
            assert answer.status == 200, f"{role} {url}: the matrix says 200, got {answer.status}"
            continue  # a CSV, XLSX, ICS, feed or file: nothing to lay out
        checked += 1
        page.set_viewport_size(PHONE)
        page.goto(live_server.url + url)
        header = page.locator("nav.portal-nav").bounding_box()
        if header["height"] > ONE_LINE_HEADER:
            failures.append(f"{url}: header {header['height']:.0f} px high at 375 px")
        for size in (PHONE, ZOOMED):
            page.set_viewport_size(size)
            if (extra := overflow(page)) > 0:
                failures.append(f"{url}: scrolls {extra} px sideways at {size['width']} px")
        sizes = [PHONE] if url in CHECKED_ON_DESKTOP else [PHONE, DESKTOP]
        CHECKED_ON_DESKTOP.add(url)
        for size in sizes:
            page.set_viewport_size(size)
            for violation in run_axe(page):
                where = f"{url} at {size['width']} px"
                if violation["impact"] in FAILING_IMPACTS:
                    node = violation["nodes"][0]
                    failures.append(
                        f"{where}: {violation['id']} ({violation['impact']}) "
                        f"{len(violation['nodes'])}× e.g. {node['html'][:160]} "
                        f"— {node.get('failureSummary', '')[:240]}"
                    )
                else:
                    minor[(violation["id"], violation["impact"])].append(where)
    context.close()

    print(f"\n{role}: {checked} pages in {time.monotonic() - started:.1f} s")
    for (rule, impact), where in sorted(minor.items()):
        print(f"  {rule} ({impact}): {len(where)}, e.g. {where[0]}")
    assert checked, f"{role} reads no page of the matrix"
    assert not failures, "\n".join(failures)
