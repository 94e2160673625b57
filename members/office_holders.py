"""The version of menus of office holders (a branch's officers and chair, the
liaisons) cached by name: the hardship pages' officer menus, a case's assignee
menu. Bumped when a role is given or taken (BranchRole saved or deleted, the
admin's bulk delete included) and when an account's name, email or active flag
changes (an account's save() that may touch them; last_login alone does not).
Names of office holders are no secret (every member sees who holds office)."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from union_portal.core import cache_versions

OFFICE_HOLDERS_VERSION = "office-holders"

# What the menus show or filter on: a save that names none of these leaves them.
SHOWN = frozenset({"first_name", "last_name", "email", "is_active"})


def _bump(sender, **kwargs):
    cache_versions.bump(OFFICE_HOLDERS_VERSION, at_once=True)


def _user_saved(sender, update_fields=None, **kwargs):
    if update_fields is None or SHOWN & set(update_fields):
        _bump(sender)


def connect():
    from .models import BranchRole

    post_save.connect(_bump, sender=BranchRole, dispatch_uid="office_holders:role:save")
    post_delete.connect(_bump, sender=BranchRole, dispatch_uid="office_holders:role:delete")
    post_save.connect(_user_saved, sender=settings.AUTH_USER_MODEL,
                      dispatch_uid="office_holders:user:save")  # fmt: skip
    post_delete.connect(_bump, sender=settings.AUTH_USER_MODEL,
                        dispatch_uid="office_holders:user:delete")  # fmt: skip
