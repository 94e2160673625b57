from django import forms


class FilterForm(forms.Form):
    """A list page's filters, read from the query string."""

    def filters(self) -> dict:
        """The valid filters; an invalid one is reported and ignored, never fatal."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in ("", None)}
