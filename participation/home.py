"""Polls and proposals on the home page (union_portal.core.home): the open polls
the member has not answered, and the proposals waiting for their co-signature."""

from types import SimpleNamespace
from urllib.parse import urlencode

from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from union_portal.core.home import HOME_ROWS, MINE, Block, block

from .models import Poll, Proposal

# selectors.polls_to_answer() (permissions.poll_open_to_member_q's audience) as one
# SQL statement: building that query took the ORM ~5 ms, running it ~0.3 ms.
# tests/core/test_home.py checks both find the same polls.
POLLS_SQL = """
SELECT p.id, p.title, p.secret, p.closes_at, COUNT(*) OVER () AS total
FROM participation_poll p
WHERE p.branch_id = %(branch)s AND p.status = %(published)s
  AND p.opens_at <= %(now)s AND p.closes_at > %(now)s
  AND (p.audience = %(members)s
       OR (p.audience = %(campus)s AND p.campus_id = %(campus_id)s)
       OR (p.audience = %(representatives)s AND EXISTS (
             SELECT 1 FROM participation_representative r
             JOIN participation_term t ON t.id = r.term_id
             WHERE r.member_id = %(member)s AND t.branch_id = p.branch_id
               AND t.start <= %(today)s AND t."end" >= %(today)s)))
  AND NOT EXISTS (SELECT 1 FROM participation_pollvoter v
                  WHERE v.poll_id = p.id AND v.member_id = %(member)s)
ORDER BY p.closes_at, p.id
LIMIT %(limit)s
"""


def polls_to_answer_rows(member, now, limit=HOME_ROWS):
    """The first `limit` polls of selectors.polls_to_answer() (what the block's
    rows show: pk, title, secret, closes_at) and how many there are."""
    with connection.cursor() as cursor:
        cursor.execute(
            POLLS_SQL,
            {
                "branch": member.branch_id, "published": Poll.Status.PUBLISHED, "now": now,
                "today": timezone.localdate(now), "member": member.pk,
                "members": Poll.Audience.MEMBERS, "campus": Poll.Audience.CAMPUS,
                "campus_id": member.home_campus_id,
                "representatives": Poll.Audience.REPRESENTATIVES, "limit": limit,
            },
        )  # fmt: skip
        found = cursor.fetchall()
    rows = [
        SimpleNamespace(pk=pk, id=pk, title=title, secret=secret, closes_at=closes_at)
        for pk, title, secret, closes_at, _total in found
    ]
    return rows, (found[0][4] if found else 0)


@block(40)
def polls(home):
    member = home.roles.member
    if member is None:
        return None
    rows, total = polls_to_answer_rows(member, home.now)
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


# selectors.cosignatures_awaiting() as one SQL statement (the ORM took ~3 ms to
# build it); tests/core/test_home.py checks both find the same co-signatures.
COSIGNATURES_SQL = """
SELECT c.id, c.proposal_id, p.title, p.cosign_due, m.name, COUNT(*) OVER () AS total
FROM participation_cosignature c
JOIN participation_proposal p ON p.id = c.proposal_id
JOIN members_member m ON m.id = p.proposer_id
WHERE c.member_id = %(member)s AND c.confirmed_at IS NULL AND c.withdrawn_at IS NULL
  AND p.status = %(collecting)s AND p.cosign_due >= %(today)s
ORDER BY p.cosign_due, c.id
LIMIT %(limit)s
"""


def cosignatures_awaiting_rows(member, today, limit=HOME_ROWS):
    """The first `limit` co-signatures of selectors.cosignatures_awaiting() (what
    the block's rows show: proposal_id, proposal.title, proposal.cosign_due,
    proposal.proposer.name) and how many there are."""
    with connection.cursor() as cursor:
        cursor.execute(
            COSIGNATURES_SQL,
            {"member": member.pk, "collecting": Proposal.Status.COLLECTING, "today": today,
             "limit": limit},
        )  # fmt: skip
        found = cursor.fetchall()
    rows = [
        SimpleNamespace(
            pk=pk,
            id=pk,
            proposal_id=proposal_id,
            proposal=SimpleNamespace(
                pk=proposal_id,
                id=proposal_id,
                title=title,
                cosign_due=due,
                proposer=SimpleNamespace(name=proposer),
            ),
        )  # fmt: skip
        for pk, proposal_id, title, due, proposer, _total in found
    ]
    return rows, (found[0][5] if found else 0)


@block(50)
def cosignatures(home):
    member = home.roles.member
    if member is None:
        return None
    rows, total = cosignatures_awaiting_rows(member, home.today)
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
