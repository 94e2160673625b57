from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices")

    def ready(self):
        from django.db.models.signals import post_migrate

        from .fund_rules import ensure_categories

        # flush sends post_migrate too: the fund rules' categories come back after it.
        post_migrate.connect(ensure_categories, sender=self, dispatch_uid="notices-categories")
