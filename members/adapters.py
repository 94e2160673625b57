"""Sign-up is open only to an email on the roster of an active member without an account."""

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

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
    def clean_email(self, email):
        email = super().clean_email(email)
        if claimable_member(email) is None:
            raise forms.ValidationError(
                _(
                    "This email is not on the roster of an active union member, or it already "
                    "has an account. Ask your branch's officer to check your roster entry."
                )
            )
        return email

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
