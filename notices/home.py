"""Notices on the home page (union_portal.core.home): the member's branch's
notices open for objections, a chair's approvals (never their own work) and
the objections waiting for an officer's (or the liaison's) answer. An
objection is shown by its notice and day only: never its objector."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from union_portal.core.cache_versions import local_cached
from union_portal.core.home import MINE, WORK, Block, block, first_rows
from union_portal.core.roles import branches_where

from . import selectors
from .models import Notice


@block(30, reads=(selectors.CACHE_VERSION,))
def open_for_objection(home):
    """Not cached in Redis (a members-only notice's title is never stored there):
    the rows are kept in the process until a notice changes, per branch and day
    (and whether the reader runs the branch: notices_readable_by's rule)."""
    member = home.roles.member
    if member is None:
        return None
    manages = member.branch_id in branches_where(home.user, "notices.manage")

    def read():
        notices = selectors.notices_open_for_objection(
            user=home.user, branch_id=member.branch_id, today=home.today
        ).only("kind", "objection_closes_on", "current__title")  # what its rows show
        rows, total = first_rows(notices)
        return tuple(rows), total

    rows, total = local_cached(
        selectors.CACHE_VERSION,
        f"home-objection-period:{member.branch_id}:{manages}:{home.today}",
        read,
        version=home.versions.get(selectors.CACHE_VERSION),
    )
    return Block(
        key="objection-period",
        title=_("Notices open for objections"),
        template="notices/_home_objection_period.html",
        rows=rows,
        total=total,
        url=reverse("notices:list")
        + "?"
        + urlencode({"status": Notice.Status.PUBLISHED, "branch": member.branch_id}),
        link_label=_("All notices"),
        empty=_("No notice of your branch is in its objection period."),
        section=MINE,
    )


@block(120)
def to_approve(home):
    if not branches_where(home.user, "notices.approve"):
        return None
    rows, total = first_rows(selectors.versions_to_approve(home.user))
    return Block(
        key="to-approve",
        title=_("Notices to approve"),
        template="notices/_home_to_approve.html",
        rows=rows,
        total=total,
        url=reverse("notices:list") + "?" + urlencode({"status": Notice.Status.AWAITING}),
        link_label=_("Notices awaiting approval"),
        empty=_("Nothing waits for your approval."),
        section=WORK,
    )


@block(130)
def objections(home):
    if not (branches_where(home.user, "notices.manage") or home.roles.liaison):
        return None
    rows, total = first_rows(selectors.objections_to_answer(home.user))
    return Block(
        key="objections",
        title=_("Objections to answer"),
        template="notices/_home_objections.html",
        rows=rows,
        total=total,
        url=reverse("notices:list")
        + "?"
        + urlencode({"objections": selectors.OBJECTIONS_TO_ANSWER}),
        link_label=_("Notices with objections to answer"),
        empty=_("No objection waits for an answer."),
        section=WORK,
    )
