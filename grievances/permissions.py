"""Who may see and act on a case. Built on core.roles; the only place it is said.

- the filer: their own named or confidential case; an anonymous case to the
  browser that holds its follow key (given for the receipt code, in a cookie of
  its own: never in the session of an account, never stored on the server);
- at branch level: the assignee and the branch's chair;
- after escalation to the chair: the chair, who owns it (督办);
- at university level: the liaisons (one owns it and may hand it to another);
- whoever owned the case before (the officer who missed a deadline, the chair
  after a forward) keeps reading it and may add internal notes, nothing else;
  the branch's chair always reads it.
"""

import re

from django.conf import settings
from django.http import Http404

from union_portal.core.roles import require_action, roles_of

from .models import Grievance, GrievanceEvent, hash_receipt_key

Level = Grievance.Level
routing_required = require_action("grievances.routing")
FOLLOW_KEY = re.compile(r"[0-9a-f]{64}")


def followed_keys(request) -> list[str]:
    """The follow keys this browser holds (well-formed ones, oldest first)."""
    raw = request.COOKIES.get(settings.GRIEVANCE_FOLLOW_COOKIE, "")
    keys = [key for key in raw.split(".") if FOLLOW_KEY.fullmatch(key)]
    return keys[-settings.GRIEVANCE_FOLLOW_MAX_CASES :]


def followed_receipt_hashes(request) -> set[str]:
    """The receipt hashes of the anonymous cases this browser follows, computed
    per request and kept nowhere."""
    hashes = getattr(request, "_followed_receipt_hashes", None)
    if hashes is None:
        hashes = {hash_receipt_key(key) for key in followed_keys(request)}
        request._followed_receipt_hashes = hashes
    return hashes


def is_chair(user, grievance) -> bool:
    return grievance.branch_id in roles_of(user).chair_of


def is_liaison(user) -> bool:
    return roles_of(user).liaison


def is_filer(request, grievance) -> bool:
    if grievance.is_anonymous:
        return grievance.receipt_hash in followed_receipt_hashes(request)
    return request.user.is_authenticated and grievance.filer_id == request.user.pk


def owner_ids(grievance) -> set:
    """Everyone who owned the case when it went up a level (escalated, forwarded or
    appealed): each such step keeps the assignee it was taken from. An officer the
    chair moved off the case at the same level, say because the complaint is about
    them, keeps nothing. One query per case object, whoever asks."""
    ids = getattr(grievance, "_owner_ids", None)
    if ids is None:
        ids = set(
            grievance.events.filter(
                assignee__isnull=False,
                kind__in=[GrievanceEvent.Kind.ESCALATED, GrievanceEvent.Kind.APPEALED],
            )
            .order_by()
            .values_list("assignee_id", flat=True)
            .distinct()
        )
        grievance._owner_ids = ids
    return ids


def holds_office_for(user, grievance) -> bool:
    """Still an officer or chair of the case's branch, or a liaison: an officer
    removed from office (or moved to another branch) keeps no case of the branch,
    whether they own it now or owned it before."""
    roles = roles_of(user)
    return grievance.branch_id in roles.managed_branch_ids or roles.liaison


def was_owner(user, grievance) -> bool:
    """An earlier owner (not the current one), e.g. the officer after an escalation."""
    return (
        grievance.assignee_id != user.pk
        and user.pk in owner_ids(grievance)
        and holds_office_for(user, grievance)
    )


def may_read_as_handler(user, grievance) -> bool:
    if not user.is_authenticated:
        return False
    if is_chair(user, grievance):
        return True
    if grievance.assignee_id == user.pk and holds_office_for(user, grievance):
        return True
    if grievance.level == Level.UNIVERSITY and is_liaison(user):
        return True
    return was_owner(user, grievance)


def may_add_note(user, grievance) -> bool:
    """Every handler who reads the case may leave an internal note, earlier owners too."""
    return may_read_as_handler(user, grievance)


def may_assign(user, grievance) -> bool:
    """The chair gives a branch's case to an officer (or, after an escalation, to a
    fellow chair); at university level a liaison hands it to a colleague."""
    if grievance.level == Level.UNIVERSITY:
        return is_liaison(user)
    return is_chair(user, grievance)


def may_forward(user, grievance) -> bool:
    return is_chair(user, grievance) and grievance.level != Level.UNIVERSITY


def may_act_as_handler(user, grievance) -> bool:
    """Acknowledge, ask, reply, resolve: whoever holds the case at its level (not an
    earlier owner: they may add notes only, `may_add_note`)."""
    if grievance.level == Level.BRANCH:
        return (grievance.assignee_id == user.pk and holds_office_for(user, grievance)) or is_chair(
            user, grievance
        )
    if grievance.level == Level.CHAIR:
        return is_chair(user, grievance)
    return is_liaison(user)


def may_see_filer_name(user, grievance) -> bool:
    """A confidential filer's name is for the branch chair only."""
    if grievance.is_anonymous:
        return False
    if grievance.confidentiality == Grievance.Confidentiality.CONFIDENTIAL:
        return is_chair(user, grievance)
    return may_read_as_handler(user, grievance)


def get_grievance_for_viewer(request, pk, *, related=("branch", "category", "assignee")):
    """The case if this visitor may see it, else 404. `related`: the relations read in
    the same query (the case page: its category, assignee and the filer's roster
    entry, which it shows to whom may see it)."""
    grievance = Grievance.objects.select_related(*related).filter(pk=pk).first()
    if grievance is None:
        raise Http404
    if is_filer(request, grievance) or may_read_as_handler(request.user, grievance):
        return grievance
    raise Http404


def handles_any_cases(user) -> bool:
    roles = roles_of(user)
    return bool(roles.managed_branch_ids) or roles.liaison


def dashboard_branch_ids(user):
    """The chair sees their branches; the liaison sees every branch (None)."""
    roles = roles_of(user)
    if roles.liaison:
        return None
    return set(roles.chair_of) or set()
