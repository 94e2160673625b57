"""Who may read and run notices; object checks built on core.roles.

Anyone reads public notices once published; members-only notices are for the
members of the branch (and its officers); drafts are for the branch's officers.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404

from union_portal.core.roles import branches_where, can, require_action, roles_of

from .models import Notice

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
    return Notice.objects.filter(visible)


class SignInFirst(Exception):
    """The visitor may be able to read this after signing in."""


def get_notice_for_viewer(user, pk) -> Notice:
    notice = notices_readable_by(user).select_related("branch", "current").filter(pk=pk).first()
    if notice is None:
        members_only = Notice.objects.filter(
            Notice.readable_q(), pk=pk, visibility=Notice.Visibility.MEMBERS
        )
        if not user.is_authenticated and members_only.exists():
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


def may_approve(user, notice) -> bool:
    return can(user, "notices.approve", notice.branch_id)
