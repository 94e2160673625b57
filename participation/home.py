"""Polls and proposals on the home page (union_portal.core.home): the open polls
the member has not answered, and the proposals waiting for their co-signature."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from union_portal.core.home import MINE, Block, block, first_rows

from . import selectors
from .models import Proposal


@block(40)
def polls(home):
    member = home.roles.member
    if member is None:
        return None
    rows, total = first_rows(selectors.polls_to_answer(member, home.now))
    return Block(
        key="polls",
        title=_("Polls waiting for your answer"),
        template="participation/_home_polls.html",
        rows=rows,
        total=total,
        url=reverse("participation:poll_list"),
        link_label=_("All polls"),
        empty=_("No open poll waits for your answer."),
        section=MINE,
    )


@block(50)
def cosignatures(home):
    member = home.roles.member
    if member is None:
        return None
    rows, total = first_rows(selectors.cosignatures_awaiting(member, home.today))
    return Block(
        key="cosign",
        title=_("Proposals waiting for your co-signature"),
        template="participation/_home_cosign.html",
        rows=rows,
        total=total,
        url=reverse("participation:list") + "?" + urlencode({"status": Proposal.Status.COLLECTING}),
        link_label=_("Proposals"),
        empty=_("Nobody has asked you to co-sign a proposal."),
        section=MINE,
    )
