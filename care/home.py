"""Care on the home page (union_portal.core.home), for the branch's officers and
chair only: members in hardship not contacted lately (hardship is known to
them alone: never to members, other branches or the liaison), and the welfare
handouts still in hand."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from union_portal.core.home import WORK, Block, block, first_rows
from union_portal.core.roles import branches_where

from . import selectors
from .permissions import hardship_branch_ids


@block(140)
def hardship(home):
    if not hardship_branch_ids(home.user):
        return None
    files = selectors.hardship_files_due_contact(user=home.user, today=home.today)
    rows, total = first_rows(files)
    query = {"overdue": "on"}
    if not home.roles.chair_of:
        query["officer"] = home.user.pk
    for row in rows:
        row.days_since = (home.today - row.clock_from).days
    return Block(
        key="hardship",
        title=_("Members in hardship not contacted lately"),
        template="care/_home_hardship.html",
        rows=rows,
        total=total,
        url=reverse("care:hardship_list") + "?" + urlencode(query),
        link_label=_("Hardship files"),
        empty=_("Every member in hardship in your care was contacted lately."),
        section=WORK,
    )


@block(150)
def handouts(home):
    if not branches_where(home.user, "welfare.manage"):
        return None
    rows, total = first_rows(selectors.handouts_to_do(home.user))
    return Block(
        key="handouts",
        title=_("Welfare handouts in hand"),
        template="care/_home_handouts.html",
        rows=rows,
        total=total,
        url=reverse("care:welfare_list"),
        link_label=_("Welfare handouts"),
        empty=_("No handout is in hand."),
        section=WORK,
    )
