from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnualReportConfig(AppConfig):
    name = "annual_report"
    verbose_name = _("Yearly report")

    def ready(self):
        from . import signals

        signals.connect()
