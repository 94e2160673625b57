"""Who may read and run notices; object checks built on core.roles.

Anyone reads public notices once published; members-only notices are for the
members of the branch (and its officers); drafts and corrections awaiting
approval are for the branch's officers. A notice, and each correction, is
approved by a chair of the branch who did not write it.

Conflicts of interest: when an award notice names an officer or chair of its
branch among its (proposed) winners, objections to it go to the university
liaison, who reads the notice to answer them; the branch's officers neither
see nor answer them, and a chair so named does not approve the notice.
"""

import copy
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils.translation import gettext as _

from union_portal.core.cache_versions import local_cached
from union_portal.core.roles import CHAIR, branches_where, can, require_action, roles_of

from .models import AwardResult, Notice, Objection

notices_manager_required = require_action("notices.manage")


def notices_readable_by(user):
    readable = Notice.readable_q()
    visible = readable & Q(visibility=Notice.Visibility.PUBLIC)
    roles = roles_of(user)
    if roles.member is not None:
        visible |= readable & Q(branch_id=roles.member.branch_id)
    managed = branches_where(user, "notices.manage")
    if managed:
        visible |= Q(branch_id__in=managed)
    if roles.liaison:
        # The liaison answers the objections routed to them, so reads those notices.
        routed = Objection.objects.filter(notice=OuterRef("pk"), to_liaison=True)
        visible |= readable & Exists(routed)
    return Notice.objects.filter(visible)


class SignInFirst(Exception):
    """The visitor may be able to read this after signing in."""


def may_read(user, notice) -> bool:
    """Whether `user` may read `notice`: the check of notices_readable_by() made
    on one notice already read (a query only for the liaison's routed objections)."""
    readable = notice.is_readable
    if readable and notice.visibility == Notice.Visibility.PUBLIC:
        return True
    roles = roles_of(user)
    if readable and roles.member is not None and notice.branch_id == roles.member.branch_id:
        return True
    if notice.branch_id in branches_where(user, "notices.manage"):
        return True
    if readable and roles.liaison:
        return Objection.objects.filter(notice_id=notice.pk, to_liaison=True).exists()
    return False


def get_notice_for_viewer(user, pk, *, versions=None) -> Notice:
    """The notice, read by its id with its branch and current version (building
    notices_readable_by()'s query cost more than running it), if `user` may read it.
    `versions`: the current numbers of the notices' and the roster's cache versions
    (cache_versions.current_many): the notice is then kept in this process (never
    in Redis) until a notice changes or a branch is renamed, and each caller gets
    its own copy."""

    def read():
        return Notice.objects.select_related("branch", "current").filter(pk=pk).first()

    if versions is None:
        notice = read()
    else:
        from members.selectors import ROSTER_VERSION

        from .selectors import CACHE_VERSION

        key = f"notice:{pk}:{ROSTER_VERSION}{versions[ROSTER_VERSION]}"
        notice = copy.deepcopy(
            local_cached(CACHE_VERSION, key, read, version=versions[CACHE_VERSION])
        )
    if notice is None or not may_read(user, notice):
        if (
            notice is not None
            and not user.is_authenticated
            and notice.is_readable
            and notice.visibility == Notice.Visibility.MEMBERS
        ):
            raise SignInFirst
        raise Http404
    return notice


def viewer_view(view):
    """A signed-out visitor of a notice they may not read is sent to sign in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SignInFirst:
            return redirect_to_login(request.get_full_path())

    return wrapper


def get_notice_for_editor(user, pk) -> Notice:
    notice = Notice.objects.select_related("branch", "current").filter(pk=pk).first()
    if notice is None or not can(user, "notices.manage", notice.branch_id):
        raise Http404
    return notice


def may_manage(user, notice) -> bool:
    return can(user, "notices.manage", notice.branch_id)


def may_chair(user, notice) -> bool:
    """Holds the chair's office in the notice's branch (approving needs more:
    see approval_refusal)."""
    return can(user, "notices.approve", notice.branch_id)


def nominated_user_ids(notice) -> set:
    """The accounts named among the (proposed) winners of an award notice, in
    any of its versions: none of them handles what is said about the award."""
    if notice.kind != Notice.Kind.AWARD:
        return set()
    return set(
        AwardResult.objects.filter(version__notice=notice, member__user__isnull=False)
        .values_list("member__user_id", flat=True)
        .distinct()
    )


def nominated_officer_ids(notice) -> set:
    """The branch's officers and chairs named in the award notice: objections to
    it go to the university liaison."""
    from members.models import BranchRole

    named = nominated_user_ids(notice)
    if not named:
        return set()
    return set(
        BranchRole.objects.filter(
            branch_id=notice.branch_id, user_id__in=named, role__in=("officer", CHAIR)
        ).values_list("user_id", flat=True)
    )


def objections_for_handler(user, notice):
    """The objections to `notice` that `user` handles: the branch's officers
    those sent to the branch (none at all when they are named in the award),
    the liaison those routed to the university union; nothing for anyone else."""
    handled = Objection.objects.none()
    named = user.pk in nominated_user_ids(notice)
    if may_manage(user, notice) and not named:
        handled = notice.objections.filter(to_liaison=False)
    elif roles_of(user).liaison and not named:
        # A liaison named in the award (an officer of its branch, say) is no handler.
        handled = notice.objections.filter(to_liaison=True)
    return handled.select_related("member", "answered_by", "version")


def may_answer_objection(user, objection) -> bool:
    """A handler of the objection who did not write it (an officer is a member too):
    nobody answers their own objection."""
    if objection.user_id is not None and objection.user_id == user.pk:
        return False
    return objections_for_handler(user, objection.notice).filter(pk=objection.pk).exists()


def approval_refusal(user, notice, version):
    """Why `user` may not approve `version` of `notice` (a draft's content or a
    correction), or None if they may: a chair of the branch who did not write
    it, and is not among an award's proposed winners. Nobody approves their own
    notice."""
    if not may_chair(user, notice):
        return _("Only a chair of the branch can approve a notice or a correction.")
    if user.pk in nominated_user_ids(notice) or (
        notice.kind == Notice.Kind.AWARD and version.awards.filter(member__user_id=user.pk).exists()
    ):
        return _("You are among the proposed winners: another chair of the branch must approve it.")
    authors = version.author_ids
    if user.pk not in authors:
        return None
    from members.models import BranchRole

    other_chairs = (
        BranchRole.objects.filter(branch_id=notice.branch_id, role=CHAIR, user__is_active=True)
        .exclude(user_id__in=authors)
        .exists()
    )
    if other_chairs:
        return _(
            "You wrote this, and nobody approves their own notice: another chair of the "
            "branch must approve it."
        )
    return _(
        "You wrote this, and nobody approves their own notice: another chair of the "
        "branch must approve it, and the branch has no other chair. Ask the university "
        "union to appoint one."
    )


def may_drop_correction(user, notice, correction) -> bool:
    """Its author, or a chair of the branch, may drop a correction that waits."""
    return may_manage(user, notice) and (
        user.pk in correction.author_ids or may_chair(user, notice)
    )


def can_chair_branch(user, branch_id) -> bool:
    return can(user, "notices.approve", branch_id)
