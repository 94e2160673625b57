"""Forms of care's pages."""

# --- welfare handouts (福利发放) ----------------------------------------------

from decimal import Decimal  # noqa: E402

from django import forms  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402

from events.forms import CheckInForm  # noqa: E402
from members.models import Branch, Campus  # noqa: E402
from union_portal.core.roles import branches_where  # noqa: E402

from .models import Handout, HandoutOption, PickupPoint  # noqa: E402

DATETIME = {"type": "datetime-local"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class HandoutForm(forms.ModelForm):
    class Meta:
        model = Handout
        fields = [
            "branch", "title", "description", "include_retired", "campus", "deadline",
            "default_option",
        ]  # fmt: skip
        widgets = {
            "deadline": forms.DateTimeInput(attrs=DATETIME, format=DATETIME_FORMAT),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]
        self.fields["campus"].queryset = Campus.objects.all()
        self.fields["campus"].empty_label = _("All campuses")
        if self.instance.pk:
            del self.fields["branch"]
            self.fields["default_option"].queryset = HandoutOption.objects.filter(
                handout=self.instance, stock__isnull=True
            )
        else:
            branches = Branch.objects.filter(pk__in=branches_where(user, "welfare.manage"))
            self.fields["branch"].queryset = branches
            self.fields["branch"].empty_label = None
            del self.fields["default_option"]


class OptionForm(forms.ModelForm):
    unit_price = forms.DecimalField(
        label=_("unit price (CNY)"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2
    )
    stock = forms.IntegerField(
        label=_("stock"), required=False, min_value=1, max_value=1_000_000,
        help_text=_("Empty: no limit."),
    )  # fmt: skip

    class Meta:
        model = HandoutOption
        fields = ["name", "unit_price", "stock"]


class PointForm(forms.ModelForm):
    class Meta:
        model = PickupPoint
        fields = ["campus", "place", "hours"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campus"].queryset = Campus.objects.all()


class ChoiceForm(forms.Form):
    option = forms.TypedChoiceField(label=_("Your choice"), coerce=int, widget=forms.RadioSelect)
    point = forms.TypedChoiceField(label=_("Pickup point"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, options, points, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [
            (o.pk, f"{o.name} (¥{o.unit_price})") for o in options if o.left != 0
        ]
        self.fields["point"].choices = [(p.pk, f"{p} · {p.hours}") for p in points]


class PickupForm(CheckInForm):
    """The event check-in form (the member's code, typed or scanned), plus the
    colleague who collects for them, if any."""

    collector = forms.CharField(
        label=_("Collected by a colleague (their staff number)"), required=False, max_length=20,
        help_text=_("Leave empty when the member collects in person."),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Member's code")
