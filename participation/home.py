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
    polls = selectors.polls_to_answer(member, home.now).only("title", "secret", "closes_at")
    rows, total = first_rows(polls)  # with what its rows show only
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
    cosignatures = selectors.cosignatures_awaiting(member, home.today).only(
        "proposal__title", "proposal__cosign_due", "proposal__proposer__name"
    )  # what its rows show
    rows, total = first_rows(cosignatures)
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
