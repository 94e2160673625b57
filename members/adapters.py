"""Links a new account to its roster entry (the sign-up form checks the entry exists)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.utils import translation

from union_portal.core.ratelimit import client_ip

from .models import Member


def claimable_member(email: str):
    return (
        Member.objects.filter(
            email__iexact=email.strip(), status=Member.Status.ACTIVE, user__isnull=True
        )
        .select_related("branch")
        .first()
    )


class RosterAccountAdapter(DefaultAccountAdapter):
    @transaction.atomic
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        member = claimable_member(user.email)
        if member is not None:
            user.first_name = member.name[:150]
        user.language = translation.get_language() or user.language
        if commit:
            user.save()
            if member is not None:
                Member.objects.filter(pk=member.pk, user__isnull=True).update(user=user)
        return user

    def get_client_ip(self, request):
        # One notion of "the visitor's address" for allauth's limits and ours.
        return client_ip(request)

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth counts failed sign-ins per account; counted per account *and*
        # address, a stranger's wrong passwords cannot lock the member out.
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{client_ip(request)}"
