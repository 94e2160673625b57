"""Cases on the home page (union_portal.core.home): the member's own open cases
and what each waits for; the cases near or past a deadline that wait on an
officer or chair; the cases forwarded to the university liaison. No filer is
named here: a confidential or anonymous filer's name never is, and a named
one is not needed to see what waits."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from union_portal.core.home import MINE, WORK, Block, block, first_rows

from . import selectors

# The version the grievance services bump on every change to a case (_record).
CASES_VERSION = "grievances"


@block(20, versions=(CASES_VERSION,))
def my_cases(home):
    if home.roles.member is None:
        return None
    rows, total = first_rows(selectors.open_cases_of_filer(home.user, home.today))
    return Block(
        key="my-cases",
        title=_("Your open cases"),
        template="grievances/_home_my_cases.html",
        rows=rows,
        total=total,
        url=reverse("grievances:mine"),
        link_label=_("My cases"),
        empty=_("You have no open case. If something is wrong at work, tell the union."),
        section=MINE,
        links=[(_("File a case"), reverse("grievances:file"))],
    )


@block(100)
def forwarded_cases(home):
    if not home.roles.liaison:
        return None
    rows, total = first_rows(selectors.forwarded_cases(user=home.user, today=home.today))
    return Block(
        key="forwarded-cases",
        title=_("Cases forwarded to the university union"),
        template="grievances/_home_handler_cases.html",
        rows=rows,
        total=total,
        url=reverse("grievances:queue") + "?" + urlencode({"level": "university"}),
        link_label=_("All cases"),
        empty=_("No forwarded case waits for you."),
        section=WORK,
    )


@block(110)
def cases_due(home):
    if not home.roles.managed_branch_ids:
        return None
    cases = selectors.cases_due(user=home.user, today=home.today, until=home.next_working_day)
    rows, total = first_rows(cases)
    return Block(
        key="cases-due",
        title=_("Cases at or past a deadline"),
        template="grievances/_home_handler_cases.html",
        rows=rows,
        total=total,
        url=reverse("grievances:queue"),
        link_label=_("All cases"),
        empty=_("No case of yours is due by the next working day."),
        section=WORK,
        links=[(_("Closed cases"), reverse("grievances:queue") + "?status=closed")],
    )
