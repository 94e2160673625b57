"""Who reads a branch's yearly report, and who chooses that.

A branch's report is public or members-only (the default), as its officers and
chair choose. Members-only: the branch's members, officers and chair, and the
university liaison. Public: anyone, signed out included, but a reader outside
the branch sees the figures of public data only (public notices' money).
The university report (every branch side by side) is the liaison's.
"""

from django.contrib.auth.views import redirect_to_login
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from members.models import Branch
from union_portal.core.roles import branches_where, roles_of

from .models import ReportSettings

# What a reader may see; the cache key carries it, so no reader gets another's figures.
PUBLIC = "public"  # public data only (public notices)
INSIDE = "inside"  # members-only data of the branch too
UNIVERSITY = "university"  # the liaison: every branch


class SignInFirst(Exception):
    """A members-only report: the visitor may read it after signing in."""


def public_branch_ids() -> set:
    return set(ReportSettings.objects.filter(public=True).values_list("branch_id", flat=True))


def inside_branch_ids(user) -> set | None:
    """Branches whose members-only report the user reads (None: every branch)."""
    roles = roles_of(user)
    if roles.liaison:
        return None
    own = {roles.member.branch_id} if roles.member is not None else set()
    return own | roles.managed_branch_ids


def readable_branches(user) -> list[tuple[Branch, str]]:
    """(branch, audience) for every report the user may read, their own first; each
    branch's `public` says whether its reports are public (one query)."""
    inside = inside_branch_ids(user)
    branches = Branch.objects.annotate(
        public=Exists(ReportSettings.objects.filter(branch=OuterRef("pk"), public=True))
    ).order_by("name")
    if inside is not None:
        branches = branches.filter(Q(pk__in=inside) | Q(public=True))
    result = [
        (branch, INSIDE if inside is None or branch.pk in inside else PUBLIC) for branch in branches
    ]
    return sorted(result, key=lambda pair: pair[1] != INSIDE)


def get_branch_for_reader(user, branch_id) -> tuple[Branch, str]:
    """The branch and the reader's audience; 404 for a report the user may not read
    (sign in first for a signed-out visitor of a members-only report)."""
    branch = Branch.objects.filter(pk=branch_id).first()
    if branch is None:
        raise Http404
    inside = inside_branch_ids(user)
    if inside is None or branch.pk in inside:
        return branch, INSIDE
    if ReportSettings.objects.filter(branch=branch, public=True).exists():
        return branch, PUBLIC
    if not user.is_authenticated:
        raise SignInFirst
    raise Http404


def may_read_university(user) -> bool:
    return roles_of(user).liaison


def settings_branch_ids(user) -> set:
    return branches_where(user, "report.settings")


def sign_in_first(view):
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SignInFirst:
            return redirect_to_login(request.get_full_path())

    return wrapper
