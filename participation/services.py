"""Every write about terms, representatives, offices and proposals (提案). Each
use case checks its rule here: views, the demo and tests call these alone.

Steps follow Proposal.TRANSITIONS; each writes a ProposalEvent and tells the
person who must act next (once per notification key). Deadlines go through the
working-day calendar: co-signers confirm within 5 working days of opening,
the chair reviews within 5 of submission, the office answers within 15 of
assignment (again 15 after a 不满意 send-back)."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import BranchRole, Member
from union_portal.core import cache_versions
from union_portal.core.calendar import add_working_days, reminder_day
from union_portal.core.notifications import notify, notify_many
from union_portal.core.roles import can, roles_of
from union_portal.core.rules import RuleError

from .models import (
    Ballot,
    BallotAnswer,
    BranchSetting,
    CoSignature,
    HandlingOffice,
    Poll,
    PollOption,
    PollQuestion,
    PollVoter,
    Proposal,
    ProposalEvent,
    Representative,
    Term,
)
from .permissions import is_office_contact, may_manage, may_review
from .selectors import results_version

Status = Proposal.Status
Kind = ProposalEvent.Kind

COSIGN_DAYS = 5
REVIEW_DAYS = 5
ANSWER_DAYS = 15


class ParticipationRuleError(RuleError):
    """A rule of this app refused the request."""


# --- helpers -----------------------------------------------------------------


def setting_for(branch_id) -> BranchSetting:
    """The branch's setting, or the defaults (unsaved) when it has none."""
    return BranchSetting.objects.filter(branch_id=branch_id).first() or BranchSetting(
        branch_id=branch_id
    )


def _lock(proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("office", "proposer", "proposer_user")
        .get(pk=proposal.pk)
    )


def _move(proposal, status, *, kind, actor, text="", fields=()):
    if not proposal.may_become(status):
        raise ParticipationRuleError(
            _("This proposal is %(status)s: that step is not possible now.")
            % {"status": proposal.get_status_display()}
        )
    proposal.status = status
    proposal.save(update_fields=["status", *fields])
    return _event(proposal, kind, actor, text)


def _event(proposal, kind, actor, text=""):
    return ProposalEvent.objects.create(
        proposal=proposal, kind=kind, actor=actor, text=text, status=proposal.status
    )


def _url(proposal):
    return reverse("participation:detail", args=[proposal.pk])


def _tell(users, proposal, step, subject, body=""):
    for user in users:
        notify(
            user=user,
            key=f"proposal:{proposal.pk}:{step}",
            subject=format_lazy(subject, title=proposal.title),
            body=body,
            url=_url(proposal),
        )


def _chairs(branch_id):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        branch_roles__branch_id=branch_id, branch_roles__role=BranchRole.Role.CHAIR
    )


def _today(now):
    return timezone.localdate(now)


def _text(value, message):
    value = (value or "").strip()
    if not value:
        raise ParticipationRuleError(message)
    return value


# --- terms, representatives, offices, setting --------------------------------


def _check_manager(actor, branch_id):
    if not may_manage(actor, branch_id):
        raise ParticipationRuleError(_("Only officers of the branch can do this."))


@transaction.atomic
def term_save(*, actor, branch_id, name, start, end, term=None):
    """Creates or edits a term (届次) of the branch; it ends on or after it starts."""
    _check_manager(actor, branch_id)
    name = _text(name, _("Give the term a name."))
    if start is None or end is None or end < start:
        raise ParticipationRuleError(_("A term ends on or after the day it starts."))
    if Term.objects.filter(branch_id=branch_id, name=name).exclude(pk=getattr(term, "pk", None)):
        raise ParticipationRuleError(_("The branch already has a term called %(name)s.") % {
            "name": name})  # fmt: skip
    term = term or Term(branch_id=branch_id)
    term.name, term.start, term.end = name, start, end
    term.save()
    return term


@transaction.atomic
def representative_add(*, actor, term, member, delegation=""):
    """Makes an active member of the branch a representative of the term, once."""
    _check_manager(actor, term.branch_id)
    if member is None or member.branch_id != term.branch_id or member.status != "active":
        raise ParticipationRuleError(_("Only active members of the branch can be representatives."))
    try:
        with transaction.atomic():
            return Representative.objects.create(
                member=member, term=term, delegation=(delegation or "").strip()
            )
    except IntegrityError:
        raise ParticipationRuleError(
            _("%(name)s is already a representative of this term.") % {"name": member.name}
        ) from None


@transaction.atomic
def representative_remove(*, actor, representative):
    _check_manager(actor, representative.term.branch_id)
    if representative.term.proposals.filter(proposer=representative.member).exists():
        raise ParticipationRuleError(
            _("This representative has proposals in the term and stays on its list.")
        )
    representative.delete()


@transaction.atomic
def office_save(*, actor, branch_id, name, contacts, office=None):
    """Creates or edits a handling office (承办单位) with its contact accounts."""
    _check_manager(actor, branch_id)
    name = _text(name, _("Give the office a name."))
    others = HandlingOffice.objects.filter(branch_id=branch_id, name=name)
    if others.exclude(pk=getattr(office, "pk", None)).exists():
        raise ParticipationRuleError(
            _("The branch already has an office called %(name)s.") % {"name": name}
        )
    office = office or HandlingOffice(branch_id=branch_id)
    office.name = name
    office.save()
    office.contacts.set(contacts)
    return office


@transaction.atomic
def setting_save(
    *, actor, branch_id, representatives_only, cosigners_needed, public_proposals=None
):
    """public_proposals None keeps the branch's choice (callers that predate it)."""
    _check_manager(actor, branch_id)
    if cosigners_needed is None or not 0 <= cosigners_needed <= 50:
        raise ParticipationRuleError(_("Ask for between 0 and 50 co-signers."))
    defaults = {"representatives_only": representatives_only,
                "cosigners_needed": cosigners_needed}  # fmt: skip
    if public_proposals is not None:
        defaults["public_proposals"] = bool(public_proposals)
    setting, _created = BranchSetting.objects.update_or_create(
        branch_id=branch_id, defaults=defaults
    )
    return setting


def current_term(branch_id, today=None):
    today = today or timezone.localdate()
    return Term.objects.filter(branch_id=branch_id, start__lte=today, end__gte=today).first()


# --- the proposer's draft --------------------------------------------------------


@transaction.atomic
def proposal_create(*, actor, title, body, today=None):
    """A member drafts a proposal in the branch's current term. Where the branch
    says so, only the term's representatives may."""
    today = today or timezone.localdate()
    member = roles_of(actor).member
    if member is None or not can(actor, "participation.propose", member.branch_id):
        raise ParticipationRuleError(_("Only members of a branch can put forward proposals."))
    term = current_term(member.branch_id, today)
    if term is None:
        raise ParticipationRuleError(_("The branch has no current term: proposals wait for one."))
    if (
        setting_for(member.branch_id).representatives_only
        and not Representative.objects.filter(term=term, member=member).exists()
    ):
        raise ParticipationRuleError(
            _("In this branch only the representatives of %(term)s put forward proposals; "
              "you may co-sign theirs.") % {"term": term.name}
        )  # fmt: skip
    proposal = Proposal.objects.create(
        branch_id=member.branch_id, term=term, proposer=member, proposer_user=actor,
        title=_text(title, _("Give the proposal a title.")),
        body=_text(body, _("Write the proposal.")),
    )  # fmt: skip
    _event(proposal, Kind.CREATED, actor)
    return proposal


def _check_proposer(actor, proposal):
    if proposal.proposer_user_id != actor.pk:
        raise ParticipationRuleError(_("Only the proposer can do this."))


@transaction.atomic
def proposal_update(*, actor, proposal, title, body):
    proposal = _lock(proposal)
    _check_proposer(actor, proposal)
    if proposal.status not in Proposal.EDITABLE:
        raise ParticipationRuleError(_("Only a draft can be changed: take it back to draft first."))
    proposal.title = _text(title, _("Give the proposal a title."))
    proposal.body = _text(body, _("Write the proposal."))
    proposal.save(update_fields=["title", "body"])
    return proposal


@transaction.atomic
def proposal_open(*, actor, proposal, today=None):
    """The proposer asks for co-signers: they have 5 working days to confirm."""
    today = today or timezone.localdate()
    proposal = _lock(proposal)
    _check_proposer(actor, proposal)
    proposal.cosign_due = add_working_days(today, COSIGN_DAYS)
    _move(proposal, Status.COLLECTING, kind=Kind.OPENED, actor=actor, fields=["cosign_due"])
    waiting = Member.objects.filter(
        cosignatures__proposal=proposal, cosignatures__confirmed_at__isnull=True,
        cosignatures__withdrawn_at__isnull=True, user__isnull=False,
    ).select_related("user")  # fmt: skip
    _tell([m.user for m in waiting], proposal, f"invited:{proposal.cosign_due}",
          gettext_lazy("Please confirm your co-signature: {title}"))  # fmt: skip
    return proposal


@transaction.atomic
def proposal_to_draft(*, actor, proposal):
    """The proposer takes a proposal still collecting co-signers back to draft
    to change it; co-signers confirm again when it reopens."""
    proposal = _lock(proposal)
    _check_proposer(actor, proposal)
    _move(proposal, Status.DRAFT, kind=Kind.REOPENED, actor=actor)
    proposal.cosignatures.filter(withdrawn_at__isnull=True).update(confirmed_at=None)
    return proposal


# --- co-signers (附议) ------------------------------------------------------------


def _check_cosigner(actor, proposal):
    member = roles_of(actor).member
    if member is None or not can(actor, "participation.propose", proposal.branch_id):
        raise ParticipationRuleError(_("Only members of the branch can co-sign."))
    if member.pk == proposal.proposer_id:
        raise ParticipationRuleError(_("You cannot co-sign your own proposal."))
    return member


@transaction.atomic
def cosign_invite(*, actor, proposal, member):
    """The proposer names a colleague as co-signer; the colleague must confirm."""
    proposal = _lock(proposal)
    _check_proposer(actor, proposal)
    if proposal.status not in (Status.DRAFT, Status.COLLECTING):
        raise ParticipationRuleError(_("Co-signers are asked before the proposal is submitted."))
    if member is None or member.branch_id != proposal.branch_id or member.status != "active":
        raise ParticipationRuleError(_("Only active members of the branch can co-sign."))
    if member.pk == proposal.proposer_id:
        raise ParticipationRuleError(_("You cannot co-sign your own proposal."))
    if proposal.cosignatures.filter(member=member, withdrawn_at__isnull=True).exists():
        raise ParticipationRuleError(_("%(name)s is already asked.") % {"name": member.name})
    cosignature = CoSignature.objects.create(proposal=proposal, member=member)
    _event(proposal, Kind.INVITED, actor, member.name)
    if member.user_id and proposal.status == Status.COLLECTING:
        _tell([member.user], proposal, f"invited:{proposal.cosign_due}",
              gettext_lazy("Please confirm your co-signature: {title}"))  # fmt: skip
    return cosignature


@transaction.atomic
def cosign(*, actor, proposal, now=None):
    """A member of the branch co-signs from their own account (confirming an
    invitation, or on their own), while the proposal collects co-signers and
    within its 5 working days. Once per member: the database says so too."""
    now = now or timezone.now()
    proposal = _lock(proposal)
    member = _check_cosigner(actor, proposal)
    if proposal.status != Status.COLLECTING:
        raise ParticipationRuleError(_("This proposal is not collecting co-signers."))
    if _today(now) > proposal.cosign_due:
        raise ParticipationRuleError(
            _("Co-signatures were due by %(date)s.") % {"date": proposal.cosign_due.isoformat()}
        )
    invited = proposal.cosignatures.filter(member=member, withdrawn_at__isnull=True).first()
    if invited is not None and invited.confirmed_at is not None:
        raise ParticipationRuleError(_("You have already co-signed this proposal."))
    try:
        with transaction.atomic():
            if invited is not None:
                invited.confirmed_at = now
                invited.save(update_fields=["confirmed_at"])
                cosignature = invited
            else:
                cosignature = CoSignature.objects.create(
                    proposal=proposal, member=member, confirmed_at=now
                )
    except IntegrityError:
        raise ParticipationRuleError(_("You have already co-signed this proposal.")) from None
    _event(proposal, Kind.COSIGNED, actor, member.name)
    _tell([proposal.proposer_user], proposal, f"cosigned:{cosignature.pk}",
          gettext_lazy("A colleague co-signed your proposal: {title}"), member.name)  # fmt: skip
    return cosignature


@transaction.atomic
def cosign_withdraw(*, actor, proposal, now=None):
    """A co-signer withdraws before the proposal is submitted."""
    now = now or timezone.now()
    proposal = _lock(proposal)
    member = roles_of(actor).member
    if proposal.status not in (Status.DRAFT, Status.COLLECTING):
        raise ParticipationRuleError(_("The proposal is submitted: co-signatures stay."))
    active = proposal.cosignatures.filter(member=member, withdrawn_at__isnull=True)
    if member is None or active.update(withdrawn_at=now) != 1:
        raise ParticipationRuleError(_("You have not co-signed this proposal."))
    _event(proposal, Kind.WITHDRAWN, actor, member.name)
    return proposal


def confirmed_cosigners(proposal):
    return proposal.cosignatures.filter(withdrawn_at__isnull=True, confirmed_at__isnull=False)


# --- submission and the chair's review --------------------------------------------


@transaction.atomic
def proposal_submit(*, actor, proposal, now=None):
    """The proposer submits once the branch's number of co-signers (default 2)
    have confirmed; the chair is told and reviews within 5 working days."""
    now = now or timezone.now()
    proposal = _lock(proposal)
    _check_proposer(actor, proposal)
    if proposal.status != Status.COLLECTING:
        raise ParticipationRuleError(_("Ask for co-signers before submitting."))
    needed = setting_for(proposal.branch_id).cosigners_needed
    have = confirmed_cosigners(proposal).count()
    if have < needed:
        raise ParticipationRuleError(
            _("%(needed)d co-signers must confirm before submitting; %(have)d have.")
            % {"needed": needed, "have": have}
        )
    proposal.submitted_at = now
    proposal.review_due = add_working_days(_today(now), REVIEW_DAYS)
    _move(proposal, Status.SUBMITTED, kind=Kind.SUBMITTED, actor=actor,
          fields=["submitted_at", "review_due"])  # fmt: skip
    due = format_lazy(gettext_lazy("Review it by {date}."), date=proposal.review_due.isoformat())
    subject = gettext_lazy("A proposal awaits your review: {title}")
    _tell(_chairs(proposal.branch_id), proposal, "submitted", subject, due)
    return proposal


def _check_reviewer(actor, proposal):
    if not may_review(actor, proposal):
        raise ParticipationRuleError(_("Only the branch's chair reviews proposals."))


@transaction.atomic
def review_start(*, actor, proposal):
    proposal = _lock(proposal)
    _check_reviewer(actor, proposal)
    _move(proposal, Status.UNDER_REVIEW, kind=Kind.REVIEW, actor=actor)
    return proposal


DECISIONS = {
    Status.ACCEPTED: (Kind.ACCEPTED, gettext_lazy("Your proposal was accepted (立案): {title}")),
    Status.SUGGESTION: (
        Kind.SUGGESTION,
        gettext_lazy("Your proposal was turned into a suggestion: {title}"),
    ),
    Status.NOT_ACCEPTED: (
        Kind.NOT_ACCEPTED,
        gettext_lazy("Your proposal was not accepted: {title}"),
    ),
}


@transaction.atomic
def proposal_decide(*, actor, proposal, decision, reason=""):
    """The chair accepts the proposal (立案), turns it into a suggestion or does
    not accept it; the last two need a reason, shown to every reader."""
    proposal = _lock(proposal)
    _check_reviewer(actor, proposal)
    if decision not in DECISIONS:
        raise ParticipationRuleError(_("Choose a decision."))
    reason = (reason or "").strip()
    if decision != Status.ACCEPTED and not reason:
        raise ParticipationRuleError(_("Say why, for the proposer and the branch."))
    kind, subject = DECISIONS[decision]
    proposal.decision_reason = reason
    _move(proposal, decision, kind=kind, actor=actor, text=reason, fields=["decision_reason"])
    _tell([proposal.proposer_user], proposal, "decided", subject, reason)
    return proposal


@transaction.atomic
def proposal_assign(*, actor, proposal, office, now=None):
    """The chair hands an accepted proposal to a handling office of the branch,
    which answers within 15 working days; its contacts are told."""
    now = now or timezone.now()
    proposal = _lock(proposal)
    _check_reviewer(actor, proposal)
    if office is None or office.branch_id != proposal.branch_id:
        raise ParticipationRuleError(_("Choose a handling office of the branch."))
    if not office.contacts.exists():
        raise ParticipationRuleError(
            _("The office has no contact account to answer: add one first.")
        )
    proposal.office = office
    proposal.answer_due = add_working_days(_today(now), ANSWER_DAYS)
    _move(proposal, Status.ASSIGNED, kind=Kind.ASSIGNED, actor=actor, text=office.name,
          fields=["office", "answer_due"])  # fmt: skip
    _tell_office(proposal, "assigned")
    return proposal


def _tell_office(proposal, step):
    due = format_lazy(gettext_lazy("Answer it by {date}."), date=proposal.answer_due.isoformat())
    subject = gettext_lazy("A proposal for your office to answer: {title}")
    _tell(proposal.office.contacts.all(), proposal, step, subject, due)


# --- the office's answer and the proposer's rating ---------------------------------


@transaction.atomic
def proposal_answer(*, actor, proposal, text, now=None):
    """A contact of the assigned office answers; the proposer is told and rates it."""
    now = now or timezone.now()
    proposal = _lock(proposal)
    if not is_office_contact(actor, proposal):
        raise ParticipationRuleError(_("Only the handling office's contacts answer."))
    proposal.answer = _text(text, _("Write the answer."))
    proposal.answered_at = now
    _move(proposal, Status.ANSWERED, kind=Kind.ANSWERED, actor=actor, text=proposal.answer,
          fields=["answer", "answered_at"])  # fmt: skip
    step = "answered2" if proposal.sent_back else "answered"
    _tell([proposal.proposer_user], proposal, step,
          gettext_lazy("Your proposal was answered, please rate the answer: {title}"))  # fmt: skip
    return proposal


@transaction.atomic
def proposal_rate(*, actor, proposal, rating, reason="", now=None):
    """The proposer rates the answer. 不满意 the first time sends it back to the
    office with the reason (a new 15 working days); otherwise it closes, with
    both answers visible."""
    now = now or timezone.now()
    proposal = _lock(proposal)
    _check_proposer(actor, proposal)
    if proposal.status != Status.ANSWERED:
        raise ParticipationRuleError(_("Only an answered proposal can be rated."))
    if rating not in Proposal.Rating.values:
        raise ParticipationRuleError(_("Choose how satisfied you are."))
    reason = (reason or "").strip()
    dissatisfied = rating == Proposal.Rating.DISSATISFIED
    if dissatisfied and not reason:
        raise ParticipationRuleError(_("Say what the answer lacks."))
    proposal.rating = rating
    _event(proposal, Kind.RATED, actor, f"{Proposal.Rating(rating).label}: {reason}".rstrip(": "))
    if dissatisfied and not proposal.sent_back:
        proposal.sent_back = True
        proposal.first_answer, proposal.answer = proposal.answer, ""
        proposal.dissatisfaction_reason = reason
        # A new deadline, escalated on its own if it is missed too.
        proposal.answer_due, proposal.escalated_due = (
            add_working_days(_today(now), ANSWER_DAYS),
            None,
        )
        _move(proposal, Status.ASSIGNED, kind=Kind.SENT_BACK, actor=actor, text=reason,
              fields=["rating", "sent_back", "first_answer", "answer", "dissatisfaction_reason",
                      "answer_due", "escalated_due"])  # fmt: skip
        _tell_office(proposal, "sent_back")
        return proposal
    proposal.closed_at = now
    _move(proposal, Status.CLOSED, kind=Kind.CLOSED, actor=actor,
          fields=["rating", "closed_at"])  # fmt: skip
    return proposal


# --- the clock (Celery beat) --------------------------------------------------


def proposal_send_reminders(*, now=None) -> int:
    """One working day before a deadline, the one who must act is reminded (the
    chair before the review is due, the office's contacts before the answer is
    due), once per deadline, only during working hours of a working day."""
    today = reminder_day(now or timezone.now())
    if today is None:
        return 0
    tomorrow = add_working_days(today, 1)
    sent = 0
    reviews = Proposal.objects.filter(
        status__in=[Status.SUBMITTED, Status.UNDER_REVIEW], review_due__range=(today, tomorrow)
    )
    for proposal in reviews:
        subject = gettext_lazy("Reminder: review the proposal {title}")
        due = format_lazy(
            gettext_lazy("Review it by {date}."), date=proposal.review_due.isoformat()
        )
        _tell(_chairs(proposal.branch_id), proposal, f"review-reminder:{proposal.review_due}",
              subject, due)  # fmt: skip
        sent += 1
    answers = Proposal.objects.filter(
        status=Status.ASSIGNED, answer_due__range=(today, tomorrow)
    ).select_related("office")
    for proposal in answers:
        subject = gettext_lazy("Reminder: answer the proposal {title}")
        due = format_lazy(
            gettext_lazy("Answer it by {date}."), date=proposal.answer_due.isoformat()
        )
        _tell(proposal.office.contacts.all(), proposal, f"answer-reminder:{proposal.answer_due}",
              subject, due)  # fmt: skip
        sent += 1
    return sent


def proposal_escalate_overdue(*, now=None) -> int:
    """An answer past its deadline is escalated to the branch's chair, once per
    deadline: the conditional update makes a second run, or a second worker,
    escalate nothing twice."""
    today = _today(now or timezone.now())
    escalated = 0
    overdue = Proposal.objects.filter(status=Status.ASSIGNED, answer_due__lt=today).exclude(
        escalated_due=F("answer_due")
    )
    for proposal in overdue.only("pk", "answer_due"):
        with transaction.atomic():
            changed = (
                Proposal.objects.filter(pk=proposal.pk, status=Status.ASSIGNED)
                .filter(answer_due=proposal.answer_due)
                .exclude(escalated_due=F("answer_due"))
                .update(escalated_due=proposal.answer_due)
            )
            if changed != 1:
                continue
            proposal = Proposal.objects.select_related("office").get(pk=proposal.pk)
            _event(proposal, Kind.ESCALATED, None, proposal.office.name)
            subject = gettext_lazy("Overdue answer: {title}")
            late = format_lazy(
                gettext_lazy("The answer of {office} was due by {date}."),
                office=proposal.office.name, date=proposal.answer_due.isoformat(),
            )  # fmt: skip
            _tell(_chairs(proposal.branch_id), proposal, f"overdue:{proposal.answer_due}",
                  subject, late)  # fmt: skip
            escalated += 1
    return escalated


# --- representatives from a spreadsheet --------------------------------------------

IMPORT_HEADERS = {"工号": "staff_number", "届次": "term", "代表团/小组": "delegation",
                  "代表团": "delegation", "小组": "delegation"}  # fmt: skip
IMPORT_MAX_ROWS = 5000


@transaction.atomic
def representatives_import(*, actor, branch_id, filename, content):
    """Representatives from a CSV or XLSX beside the roster import (工号, 届次,
    代表团/小组). Every row is checked first: one bad row imports nothing, and
    the officer is told which lines to fix. A member already listed for the
    term is left as is. Returns (added, already)."""
    from members.roster_io import RosterFileError, _read_rows

    _check_manager(actor, branch_id)
    try:
        rows = _read_rows(filename or "", content)
    except RosterFileError as exc:
        raise ParticipationRuleError(str(exc)) from None
    while rows and not any(rows[0]):
        rows.pop(0)
    if not rows:
        raise ParticipationRuleError(_("The file is empty."))
    header = [IMPORT_HEADERS.get(h.strip()) for h in rows[0]]
    if "staff_number" not in header or "term" not in header:
        raise ParticipationRuleError(_("The first row must name the columns 工号 and 届次."))
    if len(rows) > IMPORT_MAX_ROWS + 1:
        raise ParticipationRuleError(
            _("At most %(count)d rows at a time.") % {"count": IMPORT_MAX_ROWS}
        )
    terms = {t.name: t for t in Term.objects.filter(branch_id=branch_id)}
    lines = []
    for line, row in enumerate(rows[1:], start=2):
        if any(row):
            lines.append((line, {field: (row[i] if i < len(row) else "").strip()
                                 for i, field in enumerate(header) if field}))  # fmt: skip
    members = Member.objects.filter(
        branch_id=branch_id, status=Member.Status.ACTIVE,
        staff_number__in=[cells["staff_number"] for _line, cells in lines],
    )  # fmt: skip
    members = {m.staff_number: m for m in members}
    wanted, errors = [], []
    for line, cells in lines:
        member, term = members.get(cells["staff_number"]), terms.get(cells["term"])
        if member is None:
            message = _(
                "Line %(line)d: no active member of the branch has staff number %(number)s."
            )
            errors.append(message % {"line": line, "number": cells["staff_number"]})
        elif term is None:
            message = _("Line %(line)d: the branch has no term called %(term)s.")
            errors.append(message % {"line": line, "term": cells["term"]})
        else:
            wanted.append((member, term, cells.get("delegation", "")[:100]))
    if errors:
        raise ParticipationRuleError(
            " ".join([_("Nothing was imported."), *errors[:10]])
            + (" …" if len(errors) > 10 else "")
        )
    added = already = 0
    for member, term, delegation in wanted:
        _rep, created = Representative.objects.get_or_create(
            member=member, term=term, defaults={"delegation": delegation}
        )
        added, already = added + created, already + (not created)
    return added, already


# --- polls: who may answer, and one ballot per member ---------------------------

POLL_TEXT_LIMIT = 2000
QKind = PollQuestion.Kind


def poll_eligible_members(poll, today=None):
    """The roster entries who may answer the poll: active members of its branch,
    or of one campus, or the representatives of the branch's current term."""
    members = Member.objects.filter(branch_id=poll.branch_id, status=Member.Status.ACTIVE)
    if poll.audience == Poll.Audience.CAMPUS:
        members = members.filter(home_campus_id=poll.campus_id)
    elif poll.audience == Poll.Audience.REPRESENTATIVES:
        term = current_term(poll.branch_id, today)
        members = members.filter(representations__term=term) if term else members.none()
    return members


def poll_is_eligible(poll, member, today=None) -> bool:
    """Whether the roster entry `member` (active: as roles_of reads it) is among
    poll_eligible_members(poll, today): told from the entry in hand for the branch's
    members or a campus, asked of the database for the representatives."""
    if poll.audience == Poll.Audience.REPRESENTATIVES:
        return poll_eligible_members(poll, today).filter(pk=member.pk).exists()
    return (
        member.branch_id == poll.branch_id
        and member.status == Member.Status.ACTIVE
        and (poll.audience != Poll.Audience.CAMPUS or member.home_campus_id == poll.campus_id)
    )


def _clean_answers(poll, answers):
    """The ballot's answers as rows to write, or a refusal naming the question."""
    rows = []
    for question in poll.questions.all():
        value = answers.get(question.pk)
        if value in (None, "", []):
            if question.required:
                raise ParticipationRuleError(
                    _("Answer the question “%(question)s”.") % {"question": question.text}
                )
            continue
        options = {option.pk for option in question.options.all()}
        if question.kind == QKind.SINGLE:
            choices = [value]
        elif question.kind == QKind.MULTIPLE:
            choices = list(dict.fromkeys(value))
            if question.max_choices and len(choices) > question.max_choices:
                raise ParticipationRuleError(
                    _("Choose at most %(n)s options for “%(question)s”.")
                    % {"n": question.max_choices, "question": question.text}
                )
        if question.kind in (QKind.SINGLE, QKind.MULTIPLE):
            if not set(choices) <= options:
                raise ParticipationRuleError(
                    _("Choose among the options given for “%(question)s”.")
                    % {"question": question.text}
                )
            rows += [BallotAnswer(question=question, option_id=choice) for choice in choices]
        elif question.kind == QKind.RATING:
            if value not in (1, 2, 3, 4, 5):
                raise ParticipationRuleError(
                    _("Rate “%(question)s” from 1 to 5.") % {"question": question.text}
                )
            rows.append(BallotAnswer(question=question, rating=value))
        else:
            text = str(value).strip()
            if len(text) > POLL_TEXT_LIMIT:
                raise ParticipationRuleError(
                    _("Keep the answer to “%(question)s” within %(n)s characters.")
                    % {"question": question.text, "n": POLL_TEXT_LIMIT}
                )
            if text:
                rows.append(BallotAnswer(question=question, text=text))
    return rows


def poll_vote(*, actor, poll, answers, now=None):
    """Casts the member's ballot. `answers` maps a question's id to an option id
    (single), a list of option ids (multiple), 1–5 (rating) or a text.

    The voter row and the ballot are written in one transaction; the voter row's
    unique (poll, member) refuses a second ballot, also from a request racing
    this one. In a secret poll the ballot names nobody and keeps no time."""
    now = now or timezone.now()
    member = roles_of(actor).member
    if poll.status != Poll.Status.PUBLISHED or now < poll.opens_at:
        raise ParticipationRuleError(_("This poll is not open yet."))
    if now >= poll.closes_at:
        raise ParticipationRuleError(_("This poll has closed."))
    if (
        member is None
        or not poll_eligible_members(poll, timezone.localdate(now)).filter(pk=member.pk).exists()
    ):
        raise ParticipationRuleError(_("This poll is not open to you."))
    rows = _clean_answers(poll, answers)
    try:
        with transaction.atomic():
            PollVoter.objects.create(poll=poll, member=member, voted_on=timezone.localdate(now))
            ballot = Ballot.objects.create(poll=poll, member=None if poll.secret else member)
            for row in rows:
                row.ballot = ballot
            BallotAnswer.objects.bulk_create(rows)
            if not poll.secret:  # live results: recounted after each ballot
                cache_versions.bump(results_version(poll))
    except IntegrityError:
        raise ParticipationRuleError(_("You have already answered this poll.")) from None
    return ballot


# --- polls: drafting, publishing, telling members (问卷 / 投票) ----------------------

POLL_MAX_QUESTIONS = 30
POLL_MAX_OPTIONS = 30
POLL_TITLE_LIMIT = 150
POLL_QUESTION_LIMIT = 300
POLL_OPTION_LIMIT = 200


def _check_poll_manager(actor, branch_id):
    if not can(actor, "polls.manage", branch_id):
        raise ParticipationRuleError(_("Only officers of the branch can do this."))


def _clean_question(number, raw):
    """One question of the form as a (question, [option texts]) pair, or a refusal
    naming the question by its number on the form."""
    kind = raw.get("kind") or ""
    text = (raw.get("text") or "").strip()
    options = [line.strip() for line in raw.get("options") or [] if line and line.strip()]
    where = {"n": number}
    if kind not in QKind.values:
        raise ParticipationRuleError(_("Question %(n)s: choose its kind.") % where)
    if not text:
        raise ParticipationRuleError(_("Question %(n)s: write the question.") % where)
    if len(text) > POLL_QUESTION_LIMIT:
        raise ParticipationRuleError(
            _("Question %(n)s: keep it within %(limit)s characters.")
            % {**where, "limit": POLL_QUESTION_LIMIT}
        )
    max_choices = raw.get("max_choices")
    if kind in (QKind.SINGLE, QKind.MULTIPLE):
        if len(options) < 2:
            raise ParticipationRuleError(
                _("Question %(n)s: give at least two options, one per line.") % where
            )
        if len(options) > POLL_MAX_OPTIONS:
            raise ParticipationRuleError(
                _("Question %(n)s: at most %(limit)s options.")
                % {**where, "limit": POLL_MAX_OPTIONS}
            )
        if len(set(options)) != len(options):
            raise ParticipationRuleError(_("Question %(n)s: an option is given twice.") % where)
        if any(len(option) > POLL_OPTION_LIMIT for option in options):
            raise ParticipationRuleError(
                _("Question %(n)s: keep each option within %(limit)s characters.")
                % {**where, "limit": POLL_OPTION_LIMIT}
            )
    elif options:
        raise ParticipationRuleError(
            _("Question %(n)s: only single and multiple choice questions have options.") % where
        )
    if kind == QKind.MULTIPLE:
        if max_choices is not None and not 1 <= max_choices <= len(options):
            raise ParticipationRuleError(
                _("Question %(n)s: “at most” lies between 1 and the %(count)s options.")
                % {**where, "count": len(options)}
            )
    else:
        max_choices = None
    question = PollQuestion(
        position=number, kind=kind, text=text, required=bool(raw.get("required", True)),
        max_choices=max_choices,
    )  # fmt: skip
    return question, options


@transaction.atomic
def poll_save(*, actor, branch_id, title, description="", secret=False,
              audience=Poll.Audience.MEMBERS, campus=None, results=Poll.Results.AFTER_CLOSE,
              opens_at, closes_at, questions, poll=None, now=None):  # fmt: skip
    """Creates or edits a draft poll with its questions and options.

    Only officers of the branch; only a draft (a published poll's questions are
    frozen). A secret poll shows its results after it closes: live counts read
    beside the list of who has answered would tell how each newcomer voted.
    The poll opens before it closes, and closes in the future. Choice questions
    need two options or more; a multiple choice's maximum lies between 1 and the
    number of options. `questions` is a list of dicts: kind, text, options (a
    list of texts), max_choices, required. Edits replace the questions."""
    now = now or timezone.now()
    _check_poll_manager(actor, branch_id)
    if poll is not None:
        poll = Poll.objects.select_for_update().get(pk=poll.pk)
        if poll.branch_id != branch_id:
            raise ParticipationRuleError(_("Only officers of the branch can do this."))
        if poll.status != Poll.Status.DRAFT:
            raise ParticipationRuleError(
                _("This poll is published: its questions can no longer change.")
            )
    title = _text(title, _("Give the poll a title."))
    if len(title) > POLL_TITLE_LIMIT:
        raise ParticipationRuleError(
            _("Keep the title within %(n)s characters.") % {"n": POLL_TITLE_LIMIT}
        )
    if audience not in Poll.Audience.values:
        raise ParticipationRuleError(_("Choose who may answer."))
    if results not in Poll.Results.values:
        raise ParticipationRuleError(_("Choose when members see the results."))
    if audience == Poll.Audience.CAMPUS:
        branch_campuses = Member.objects.filter(branch_id=branch_id).values("home_campus_id")
        if campus is None or not branch_campuses.filter(home_campus_id=campus.pk).exists():
            raise ParticipationRuleError(_("Choose a campus where the branch has members."))
    else:
        campus = None
    if secret and results == Poll.Results.LIVE:
        raise ParticipationRuleError(
            _("A secret poll shows its results only after it closes: live counts beside the "
              "list of who has answered would tell how each of them voted. Choose “After the "
              "poll closes”.")
        )  # fmt: skip
    if opens_at is None or closes_at is None or closes_at <= opens_at:
        raise ParticipationRuleError(_("The poll must close after it opens."))
    if closes_at <= now:
        raise ParticipationRuleError(_("The poll must close in the future."))
    if not questions:
        raise ParticipationRuleError(_("Ask at least one question."))
    if len(questions) > POLL_MAX_QUESTIONS:
        raise ParticipationRuleError(
            _("At most %(n)s questions in a poll.") % {"n": POLL_MAX_QUESTIONS}
        )
    cleaned = [_clean_question(number, raw) for number, raw in enumerate(questions, start=1)]
    poll = poll or Poll(branch_id=branch_id, created_by=actor)
    poll.title, poll.description = title, (description or "").strip()
    poll.secret, poll.audience, poll.campus, poll.results = secret, audience, campus, results
    poll.opens_at, poll.closes_at = opens_at, closes_at
    poll.save()
    poll.questions.all().delete()
    for question, options in cleaned:
        question.poll = poll
        question.save()
        PollOption.objects.bulk_create(
            [PollOption(question=question, position=i, text=t) for i, t in enumerate(options, 1)]
        )
    return poll


@transaction.atomic
def poll_publish(*, actor, poll, now=None):
    """An officer of the branch publishes a draft: from then on its questions are
    frozen. Members are told when it opens (poll_announce_openings)."""
    now = now or timezone.now()
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    _check_poll_manager(actor, poll.branch_id)
    if poll.status != Poll.Status.DRAFT:
        raise ParticipationRuleError(_("This poll is already published."))
    if poll.closes_at <= now:
        raise ParticipationRuleError(
            _("This poll's closing time has passed: change it before publishing.")
        )
    if not poll.questions.exists():
        raise ParticipationRuleError(_("Ask at least one question."))
    poll.status, poll.published_at = Poll.Status.PUBLISHED, now
    poll.save(update_fields=["status", "published_at"])
    return poll


def _poll_url(poll):
    return reverse("participation:poll_detail", args=[poll.pk])


def _accounts_of(members):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(member__in=members.values("pk"))


def poll_waiting_members(poll, today=None):
    """The eligible members who have not answered yet."""
    return poll_eligible_members(poll, today).exclude(poll_votes__poll=poll)


def poll_remind(*, actor, poll, now=None) -> int:
    """An officer of the branch reminds the eligible members who have not answered
    an open poll, once per poll and day. Returns how many were told now. The
    reminder says nothing about anyone's answers."""
    now = now or timezone.now()
    _check_poll_manager(actor, poll.branch_id)
    if poll.status != Poll.Status.PUBLISHED or now < poll.opens_at:
        raise ParticipationRuleError(_("This poll is not open yet."))
    if now >= poll.closes_at:
        raise ParticipationRuleError(_("This poll has closed."))
    today = _today(now)
    closes = timezone.localtime(poll.closes_at).strftime("%Y-%m-%d %H:%M")
    return notify_many(
        users=_accounts_of(poll_waiting_members(poll, today)),
        key=f"poll-{poll.pk}-remind-{today.isoformat()}",
        subject=format_lazy(gettext_lazy("Reminder: please answer the poll {title}"),
                            title=poll.title),
        body=format_lazy(gettext_lazy("The poll closes at {time}."), time=closes),
        url=_poll_url(poll),
    )  # fmt: skip


def poll_announce_openings(*, now=None) -> int:
    """Celery beat, every few minutes: the eligible members of each published poll
    whose opening time has passed are told once (key poll-<id>-open), in bulk.
    Members who answered already are not told."""
    now = now or timezone.now()
    told = 0
    polls = Poll.objects.filter(status=Poll.Status.PUBLISHED, opens_at__lte=now, closes_at__gt=now)
    for poll in polls:
        closes = timezone.localtime(poll.closes_at).strftime("%Y-%m-%d %H:%M")
        told += notify_many(
            users=_accounts_of(poll_waiting_members(poll, _today(now))),
            key=f"poll-{poll.pk}-open",
            subject=format_lazy(gettext_lazy("A poll is open for you: {title}"), title=poll.title),
            body=format_lazy(gettext_lazy("Answer it by {time}."), time=closes),
            url=_poll_url(poll),
        )
    return told
