from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReportSettings


class ReportSettingsForm(forms.ModelForm):
    class Meta:
        model = ReportSettings
        fields = ["public"]
        labels = {
            "public": _("Public: anyone may read the branch's yearly reports, signed out included")
        }
        help_texts = {
            "public": _(
                "Otherwise the branch's members, officers and chair and the university liaison "
                "read them."
            )
        }
