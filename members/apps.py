from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        from allauth.account.signals import email_confirmed

        from . import office_holders, university
        from .adapters import link_verified_address

        email_confirmed.connect(link_verified_address, dispatch_uid="members.link_verified_address")
        university.connect()
        office_holders.connect()
