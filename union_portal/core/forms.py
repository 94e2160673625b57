from django import forms
from django.utils.translation import gettext_lazy as _


class FilterForm(forms.Form):
    """A list page's filters, read from the query string."""

    def filters(self) -> dict:
        """The valid filters; an invalid one is reported and ignored, never fatal."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in ("", None)}


class PeriodFilterForm(FilterForm):
    """A report's period; an end before the start drops the whole period."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to"):
            if cleaned["date_to"] < cleaned["date_from"]:
                self.add_error("date_to", _("The end of the period is before its start."))
                del cleaned["date_from"]
        return cleaned
