"""Who may read and run notices; object checks built on core.roles.

Anyone reads public notices once published; members-only notices are for the
members of the branch (and its officers); drafts are for the branch's officers.
"""

from django.db.models import Q
from django.http import Http404

from union_portal.core.roles import branches_where, can, require_action, roles_of

from .models import Notice

notices_manager_required = require_action("notices.manage")


def notices_readable_by(user):
    readable = Q(status__in=Notice.READABLE)
    visible = readable & Q(visibility=Notice.Visibility.PUBLIC)
    roles = roles_of(user)
    if roles.member is not None:
        visible |= readable & Q(branch_id=roles.member.branch_id)
    managed = branches_where(user, "notices.manage")
    if managed:
        visible |= Q(branch_id__in=managed)
    return Notice.objects.filter(visible)


def get_notice_for_viewer(user, pk) -> Notice:
    notice = notices_readable_by(user).select_related("branch", "current").filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def get_notice_for_editor(user, pk) -> Notice:
    notice = Notice.objects.select_related("branch", "current").filter(pk=pk).first()
    if notice is None or not can(user, "notices.manage", notice.branch_id):
        raise Http404
    return notice


def may_manage(user, notice) -> bool:
    return can(user, "notices.manage", notice.branch_id)


def may_approve(user, notice) -> bool:
    return can(user, "notices.approve", notice.branch_id)
