from decimal import Decimal
from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from events.forms import CheckInForm
from members.models import Branch, Campus
from notices.models import FundLine
from union_portal.core.forms import limit_length, long_text, readable_blank_choices
from union_portal.core.roles import branches_where

# --- hardship files (困难职工建档与帮扶) -----------------------------------------
from .models import Handout, HandoutOption, HardshipFile, PickupPoint, SupportRecord


class DateInput(forms.DateInput):
    """A phone's date picker: it takes and gives YYYY-MM-DD, whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format)


class QuickSelect(forms.Select):
    """A select whose options are written out here rather than through a template
    each: Django builds a dict and renders a template for every <option>, and the
    record form offers the couple of hundred fund notices a branch published in two
    years (two thirds of the hardship file's page time). The same options, values,
    labels and selection as Django's (only the first matching option is selected)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        parts = []
        has_selected = False

        def option(option_value, label):
            nonlocal has_selected
            option_value = "" if option_value is None else str(option_value)
            selected = option_value in chosen and (
                not has_selected or self.allow_multiple_selected
            )  # fmt: skip
            has_selected |= selected
            # html.escape is what django.utils.html.escape runs, without its wrapping.
            mark = " selected" if selected else ""
            return f'<option value="{escape(option_value)}"{mark}>{escape(str(label))}</option>'

        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):  # a group of options
                inner = "".join(option(v, text) for v, text in label)
                parts.append(f'<optgroup label="{escape(str(option_value))}">{inner}</optgroup>')
            else:
                parts.append(option(option_value, label))
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe("".join(parts)),  # every value and label above is escaped
        )  # fmt: skip


class OfficerChoices(forms.models.ModelChoiceIterator):
    """The accounts as (id, name) read with values_list: no model built per option,
    and no server-side cursor (Django's iterator() takes three round trips)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = self.queryset.values_list("pk", "first_name", "last_name", "email")
        for pk, first_name, last_name, email in rows:
            yield (pk, f"{first_name} {last_name}".strip() or email)  # as get_full_name()


class OfficerChoiceField(forms.ModelChoiceField):
    iterator = OfficerChoices
    widget = QuickSelect

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


def offer(field, choices):
    """Gives a menu its (id, label) options as they are, read once for several forms
    (selectors.officer_choices): what it accepts is still its queryset's."""
    field._choices = field.widget.choices = [("", field.empty_label), *choices]


class FundLineChoiceField(forms.ModelChoiceField):
    """The lines of the one notice picked above it: a branch publishes thousands of
    support lines over two years, far too many for one select."""

    widget = QuickSelect

    def label_from_instance(self, obj):
        return " · ".join(
            part for part in (f"{obj.date:%Y-%m-%d}", obj.payee, obj.note, f"¥{obj.amount}") if part
        )


def _one_year_on():
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


class HardshipFileForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=HardshipFile.Reason.choices,
                               widget=QuickSelect)  # fmt: skip
    level = forms.ChoiceField(label=_("level"), choices=HardshipFile.Level.choices,
                              widget=QuickSelect)  # fmt: skip
    officer = OfficerChoiceField(label=_("responsible officer"), queryset=None)
    review_on = forms.DateField(label=_("review date"), widget=DateInput, initial=_one_year_on)
    situation = long_text(label=_("situation"), required=False, max_length=4000)

    def __init__(self, *args, officers, officer_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers
        readable_blank_choices(self)
        if officer_choices is not None:
            offer(self.fields["officer"], officer_choices)


class HardshipOpenForm(HardshipFileForm):
    staff_number = forms.CharField(label=_("staff number"), max_length=20)
    field_order = ["staff_number", "reason", "level", "officer", "review_on", "situation"]


class SupportRecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=SupportRecord.Kind.choices,
                             widget=QuickSelect)  # fmt: skip
    date = forms.DateField(label=_("date"), widget=DateInput, initial=timezone.localdate)
    given_by = OfficerChoiceField(label=_("by"), queryset=None)
    amount = forms.DecimalField(
        label=_("amount (CNY)"), required=False, max_digits=10, decimal_places=2,
        min_value=0.01, help_text=_("For a subsidy or aid money only."),
    )  # fmt: skip
    # Offered and accepted: selectors.fund_notice_choices (the notice only picks
    # which lines are offered; the line is checked against the database).
    fund_notice = forms.TypedChoiceField(
        label=_("paid from the fund notice"), required=False, coerce=int, empty_value=None,
        widget=QuickSelect,
        help_text=_("Optional: a published fund notice of the branch with support lines of "
                    "this year or last; then pick its line below."),
    )  # fmt: skip
    fund_line = FundLineChoiceField(
        label=_("line of that notice"), queryset=None, required=False,
        help_text=_("Choose the notice first: its lines are offered here."),
    )  # fmt: skip
    note = long_text(label=_("note"), required=False, max_length=4000)

    def __init__(self, *args, officers, officer_choices, fund_notices, fund_lines_of, **kwargs):
        """`officer_choices`: the (id, name) of `officers`; `fund_notices`: the (id,
        label) of the notices offered; `fund_lines_of(id)`: the lines of that notice the
        branch may link; only those of the chosen notice are offered (and accepted)."""
        super().__init__(*args, **kwargs)
        self.fields["given_by"].queryset = officers
        # Given as they are, (id, label) pairs: the `choices` setter would normalise
        # each of a couple of hundred.
        notices = self.fields["fund_notice"]
        notices._choices = notices.widget.choices = [("", _("Not paid from a fund notice")),
                                                     *fund_notices]  # fmt: skip
        self.fields["fund_notice"].widget.attrs["data-submit-with"] = "show_lines"
        readable_blank_choices(self, fund_line=_("Not linked to a line"))
        offer(self.fields["given_by"], officer_choices)
        notice = self._chosen_notice_id()
        self.fields["fund_line"].queryset = (
            fund_lines_of(notice) if notice else FundLine.objects.none()
        )

    def _chosen_notice_id(self):
        raw = (self.data if self.is_bound else self.initial).get("fund_notice")
        raw = getattr(raw, "pk", raw)
        try:
            return int(raw) if raw not in (None, "") and 0 < int(raw) < 2**62 else None
        except (TypeError, ValueError):
            return None

    def clean(self):
        data = super().clean()
        data.pop("fund_notice", None)  # the line says which notice it belongs to
        return data


class HardshipCloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason for closing"),
                               choices=HardshipFile.CloseReason.choices)  # fmt: skip
    note = forms.CharField(label=_("note"), required=False, max_length=300)
    confirm = forms.BooleanField(
        label=_("I confirm: close this file and clear the member's hardship flag."), required=True
    )


class HardshipFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("open", _("Open files")), ("closed", _("Closed files")), ("all", _("All files"))],
    )
    officer = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    campus = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    overdue = forms.BooleanField(required=False)
    # Files open at any time of this year: what the yearly report counts.
    year = forms.IntegerField(required=False, min_value=1949, max_value=9999)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "status": data.get("status") or "open",
            "officer_id": data.get("officer"),
            "campus_id": data.get("campus"),
            "overdue": bool(data.get("overdue")),
            "year": data.get("year"),
        }


"""Forms of care's pages."""

# --- welfare handouts (福利发放) ----------------------------------------------


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
        limit_length(self.fields["description"], 2000)
        readable_blank_choices(self, default_option=_("No default"))


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
        readable_blank_choices(self)


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
