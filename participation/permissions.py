"""Who may read and act on proposals; object checks built on core.roles.

A proposal is the branch's business: its members read it once it leaves the
draft (a draft is its proposer's alone), its chair reviews and assigns it.
A handling office's contact sees only the proposals assigned to the office.
Anyone else gets a 404 for a proposal, as for any object of a branch they
cannot see.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from union_portal.core.roles import ACTIONS, MEMBER, branches_where, can, require_action, roles_of

from .models import HandlingOffice, Poll, Proposal, Term

participation_reader_required = require_action("participation.view")
participation_manager_required = require_action("participation.manage")

OFFICE_STATUSES = [Proposal.Status.ASSIGNED, Proposal.Status.ANSWERED, Proposal.Status.CLOSED]


def _visible_q(user, offices):
    """The branch's proposals out of the draft, the user's own, and those assigned to
    the handling offices the user answers for (`offices`: their ids, or a subquery)."""
    readable = branches_where(user, "participation.view")
    visible = Q(branch_id__in=readable) & ~Q(status=Proposal.Status.DRAFT) | Q(proposer_user=user)
    if isinstance(offices, list) and not offices:
        return visible
    return visible | Q(office__in=offices, status__in=OFFICE_STATUSES)


def proposals_visible_to(user, offices=None):
    """The offices the user answers for are read first (a small query; usually there
    are none; `offices`: their ids, when the caller read them already), so that the
    filter is an OR of indexed conditions: a subquery in the OR makes every list a
    scan of all the proposals."""
    if offices is None:
        offices = list(HandlingOffice.objects.filter(contacts=user).values_list("pk", flat=True))
    return Proposal.objects.filter(_visible_q(user, list(offices)))


def get_proposal_for_viewer(user, pk) -> Proposal:
    # One proposal by its key: the offices as a subquery cost nothing here.
    offices = HandlingOffice.objects.filter(contacts=user).values("pk")
    proposal = (
        Proposal.objects.filter(_visible_q(user, offices))
        .select_related("branch", "term", "proposer", "office")
        .filter(pk=pk)
        .first()
    )
    if proposal is None:
        raise Http404
    return proposal


def _visible(user, proposal, office_contact) -> bool:
    """_visible_q for one proposal already read: `office_contact` says whether the user
    answers for its office."""
    readable = branches_where(user, "participation.view")
    return (
        proposal.branch_id in readable and proposal.status != Proposal.Status.DRAFT
        or proposal.proposer_user_id == user.pk
        or office_contact and proposal.status in OFFICE_STATUSES
    )  # fmt: skip


# What the detail page prints of a proposal (and the names of its term, proposer and
# office, read beside it).
PAGE_FIELDS = (
    "id", "branch_id", "term_id", "proposer_id", "proposer_user_id", "office_id", "title",
    "body", "status", "decision_reason", "answer", "first_answer", "rating",
    "dissatisfaction_reason", "cosign_due", "review_due", "answer_due",
)  # fmt: skip


def get_proposal_page_for_viewer(user, pk) -> Proposal:
    """get_proposal_for_viewer for the detail page, in one SQL statement built without
    the ORM (building the query cost more than running it): only what the page prints,
    the names of its term, proposer and office, `is_contact` (the user answers for its
    office: is_office_contact) and `cosigners_needed` (the branch's setting, or its
    default). The same rule decides (_visible, tested against _visible_q); a proposal
    the user may not see is a 404 as there."""
    from django.db import connection

    from members.models import Member

    from .models import BranchSetting

    contacts = HandlingOffice.contacts.through._meta.db_table
    needed = BranchSetting._meta.get_field("cosigners_needed")
    # In the model's order of fields, as from_db takes them.
    fields = [f for f in Proposal._meta.concrete_fields if f.attname in PAGE_FIELDS]
    columns = ", ".join(f"p.{f.column}" for f in fields)
    sql = (
        f"SELECT {columns}, t.name, m.name, o.name,"
        f" EXISTS (SELECT 1 FROM {contacts} c WHERE c.handlingoffice_id = p.office_id"
        f" AND c.user_id = %s),"
        f" COALESCE((SELECT s.{needed.column} FROM {BranchSetting._meta.db_table} s"
        f" WHERE s.branch_id = p.branch_id), %s)"
        f" FROM {Proposal._meta.db_table} p"
        f" JOIN {Term._meta.db_table} t ON t.id = p.term_id"
        f" JOIN {Member._meta.db_table} m ON m.id = p.proposer_id"
        f" LEFT JOIN {HandlingOffice._meta.db_table} o ON o.id = p.office_id"
        f" WHERE p.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, needed.default, pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    names = [f.attname for f in fields]
    proposal = Proposal.from_db(connection.alias, names, row[: len(names)])
    term, proposer, office, contact, proposal.cosigners_needed = row[len(names) :]
    if not _visible(user, proposal, contact):
        raise Http404
    proposal.is_contact = proposal.office_id is not None and contact
    proposal.term = Term.from_db(connection.alias, ("id", "name"), (proposal.term_id, term))
    proposal.proposer = Member.from_db(
        connection.alias, ("id", "name"), (proposal.proposer_id, proposer)
    )
    if proposal.office_id is not None:
        proposal.office = HandlingOffice.from_db(
            connection.alias, ("id", "name"), (proposal.office_id, office)
        )
    return proposal


def may_review(user, proposal) -> bool:
    return can(user, "participation.review", proposal.branch_id)


def may_manage(user, branch_id) -> bool:
    return can(user, "participation.manage", branch_id)


def may_cosign(user, proposal) -> bool:
    return can(user, "participation.propose", proposal.branch_id)


def is_proposer(user, proposal) -> bool:
    return proposal.proposer_user_id == user.pk


def is_office_contact(user, proposal) -> bool:
    return proposal.office_id is not None and proposal.office.contacts.filter(pk=user.pk).exists()


def may_see_office_queue(user) -> bool:
    return HandlingOffice.objects.filter(contacts=user).exists()


def get_term_for_manager(user, pk) -> Term:
    term = Term.objects.filter(pk=pk, branch_id__in=branches_where(user, "participation.view"))
    term = term.select_related("branch").first()
    if term is None:
        raise Http404
    if not may_manage(user, term.branch_id):
        raise PermissionDenied
    return term


# --- accepted proposals made public by their branch --------------------------------

# 立案 and every later state; never a draft, a suggestion or a declined proposal.
PUBLIC_STATUSES = [
    Proposal.Status.ACCEPTED,
    Proposal.Status.ASSIGNED,
    Proposal.Status.ANSWERED,
    Proposal.Status.CLOSED,
]


def public_proposals():
    """What anyone, signed out included, may read: the accepted proposals of the
    branches whose setting makes them public. Read from the database on every
    request, so switching the setting off hides them at once."""
    return Proposal.objects.filter(
        status__in=PUBLIC_STATUSES, branch__participation_setting__public_proposals=True
    )


def get_public_proposal(pk) -> Proposal:
    proposal = public_proposals().filter(pk=pk).first()
    if proposal is None:
        raise Http404
    return proposal


# --- poll results: who sees them, and from when --------------------------------


class ResultsNotYet(PermissionDenied):
    """The viewer may see the poll's results, but not yet: `reason` says until when
    ("draft", "opens" — a live poll not open yet, "closes")."""

    def __init__(self, poll, reason):
        super().__init__(reason)
        self.poll, self.reason = poll, reason


@dataclass(frozen=True)
class ResultsAccess:
    texts: bool  # the free-text answers too (the liaison reads figures only)


def get_poll_results_for_viewer(user, pk, now) -> tuple[Poll, ResultsAccess]:
    """The branch's officers and chair: any time for a poll that is not secret, after
    close for a secret one (live counts read beside the voters list would tell how
    each newcomer voted). The branch's members: after close, or while it is open when
    the poll's results are live. The university liaison: after close, figures only.
    Anyone else: 404. A draft has no results: 404, and 403 for its officers."""
    poll = Poll.objects.select_related("branch").filter(pk=pk).first()
    if poll is None:
        raise Http404
    roles = roles_of(user)
    held = roles.in_branch(poll.branch_id)
    manager = bool(held & ACTIONS["polls.manage"])
    member = MEMBER in held
    if not (manager or member or roles.liaison):
        raise Http404
    if poll.status != Poll.Status.PUBLISHED:
        if manager:
            raise ResultsNotYet(poll, "draft")
        raise Http404
    closed = poll.is_closed(now)
    if closed or (manager and not poll.secret):
        return poll, ResultsAccess(texts=manager or member)
    if member and poll.results == Poll.Results.LIVE:
        if poll.opens_at <= now:
            return poll, ResultsAccess(texts=True)
        raise ResultsNotYet(poll, "opens")
    raise ResultsNotYet(poll, "closes")


# --- polls (问卷 / 投票) ---------------------------------------------------------
# Officers of a branch see all of its polls, drafts included. A member sees the
# published polls of their branch that are open to them, and those closed. Any
# other poll is not there for them (404); an officer's page of a poll a member
# may see is refused (403).


def poll_open_to_member_q(member, today):
    """Polls whose audience includes the roster entry `member`."""
    from django.db.models import Exists, OuterRef

    from .models import Poll, Representative

    current_representative = Representative.objects.filter(
        member=member, term__branch_id=OuterRef("branch_id"), term__start__lte=today,
        term__end__gte=today,
    )  # fmt: skip
    return (
        Q(audience=Poll.Audience.MEMBERS)
        | Q(audience=Poll.Audience.CAMPUS, campus_id=member.home_campus_id)
        | Q(Exists(current_representative), audience=Poll.Audience.REPRESENTATIVES)
    )


def polls_visible_to(user, now):
    from django.utils import timezone

    from union_portal.core.roles import roles_of

    from .models import Poll

    visible = Q(branch_id__in=branches_where(user, "polls.manage"))
    member = roles_of(user).member
    if member is not None and can(user, "polls.answer", member.branch_id):
        published = Q(branch_id=member.branch_id, status=Poll.Status.PUBLISHED)
        opened = Q(opens_at__lte=now, closes_at__gt=now) & poll_open_to_member_q(
            member, timezone.localdate(now)
        )
        visible |= published & (opened | Q(closes_at__lte=now))
    return Poll.objects.filter(visible)


def get_poll_for_viewer(user, pk, now):
    poll = polls_visible_to(user, now).select_related("branch", "campus").filter(pk=pk).first()
    if poll is None:
        raise Http404
    return poll


def _poll_visible(user, poll, now, representative) -> bool:
    """polls_visible_to for one poll already read: `representative` says whether the
    user's roster entry represents the poll's branch in a current term."""
    if poll.branch_id in branches_where(user, "polls.manage"):
        return True
    member = roles_of(user).member
    if member is None or not can(user, "polls.answer", member.branch_id):
        return False
    if poll.branch_id != member.branch_id or poll.status != Poll.Status.PUBLISHED:
        return False
    if poll.closes_at <= now:
        return True
    Audience = Poll.Audience
    return poll.opens_at <= now and (
        poll.audience == Audience.MEMBERS
        or poll.audience == Audience.CAMPUS
        and poll.campus_id is not None
        and poll.campus_id == member.home_campus_id
        or poll.audience == Audience.REPRESENTATIVES and representative
    )  # fmt: skip


def get_poll_page_for_viewer(user, pk, now):
    """get_poll_for_viewer for the poll's page, in one SQL statement built without the
    ORM (building the query cost more than running it): the poll with its campus and
    `voted_on` (the day the user's roster entry answered, or None). The same rule
    decides (_poll_visible, tested against polls_visible_to); any other poll is a 404."""
    from django.db import connection
    from django.utils import timezone

    from members.models import Campus

    from .models import PollVoter, Representative

    member = roles_of(user).member
    member_id = member.pk if member is not None else None
    quote = connection.ops.quote_name
    fields = Poll._meta.concrete_fields
    columns = ", ".join(f"p.{quote(f.column)}" for f in fields)
    term = Term._meta
    sql = (
        f"SELECT {columns}, c.name,"
        f" (SELECT v.voted_on FROM {PollVoter._meta.db_table} v"
        f" WHERE v.poll_id = p.id AND v.member_id = %s),"
        f" EXISTS (SELECT 1 FROM {Representative._meta.db_table} r"
        f" JOIN {term.db_table} t ON t.id = r.term_id WHERE r.member_id = %s"
        f" AND t.branch_id = p.branch_id AND t.{quote(term.get_field('start').column)} <= %s"
        f" AND t.{quote(term.get_field('end').column)} >= %s)"
        f" FROM {Poll._meta.db_table} p"
        f" LEFT JOIN {Campus._meta.db_table} c ON c.id = p.campus_id WHERE p.id = %s"
    )
    today = timezone.localdate(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [member_id, member_id, today, today, pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    poll = Poll.from_db(connection.alias, [f.attname for f in fields], row[: len(fields)])
    campus, poll.voted_on, representative = row[len(fields) :]
    if not _poll_visible(user, poll, now, representative):
        raise Http404
    poll.campus = (
        Campus.from_db(connection.alias, ("id", "name"), (poll.campus_id, campus))
        if poll.campus_id is not None
        else None
    )
    return poll


def may_manage_polls(user, poll) -> bool:
    return can(user, "polls.manage", poll.branch_id)


def get_poll_for_manager(user, pk, now):
    poll = get_poll_for_viewer(user, pk, now)
    if not may_manage_polls(user, poll):
        raise PermissionDenied
    return poll
