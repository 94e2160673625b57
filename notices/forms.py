from django import forms
from django.forms import modelformset_factory
from django.utils.translation import gettext_lazy as _

from members.models import Branch
from union_portal.core.forms import (
    DASHES,
    AttachmentsField,
    FilterForm,
    SearchField,
    limit_length,
    long_text,
    readable_blank_choices,
)

from .models import (
    MAX_AMOUNT,
    AwardResult,
    BranchNoticeSettings,
    FundLine,
    Income,
    Notice,
    NoticeVersion,
    Objection,
    SpendingCategory,
)
from .selectors import OBJECTIONS_TO_ANSWER


def categories_for(branch_id):
    """The categories a branch's lines may use: the global ones and its own."""
    from django.db.models import Q

    return (
        SpendingCategory.objects.filter(Q(branch__isnull=True) | Q(branch_id=branch_id))
        .select_related("parent")
        .order_by("sort", "id")
    )


def sorted_categories(branch_id):
    """Top-level categories each followed by its sub-items (one query)."""
    rows = list(categories_for(branch_id))
    tops = [c for c in rows if not c.parent_id]
    ordered = []
    for top in tops:
        ordered.append(top)
        ordered += [c for c in rows if c.parent_id == top.pk]
    return ordered


BODY_MAX_LENGTH = 20_000
CRITERIA_MAX_LENGTH = 5_000
OBJECTION_MAX_LENGTH = 2_000
ANSWER_MAX_LENGTH = 5_000


class NoticeForm(forms.ModelForm):
    """The notice's text; its kind is chosen when it is created."""

    visibility = forms.ChoiceField(
        label=_("Who may read it"),
        choices=Notice.Visibility.choices,
        initial=Notice.Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    attachments = AttachmentsField(limits="NOTICE_ATTACHMENT")

    class Meta:
        model = NoticeVersion
        fields = ["title", "body", "criteria"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 6}),
            "criteria": forms.Textarea(attrs={"rows": 3}),
        }

    budget_year = forms.IntegerField(
        label=_("Budget year"), min_value=2000, max_value=2100, required=False
    )

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["body"], BODY_MAX_LENGTH)
        limit_length(self.fields["criteria"], CRITERIA_MAX_LENGTH)
        if kind != Notice.Kind.AWARD:
            del self.fields["criteria"]
        if kind == Notice.Kind.BUDGET:
            self.fields["budget_year"].required = True
            self.fields["budget_year"].help_text = _(
                "The notice carries the branch's budget of this year as it is when saved."
            )
        else:
            del self.fields["budget_year"]


class CorrectionForm(NoticeForm):
    reason = forms.CharField(label=_("Reason for the correction"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["visibility"]
        self.fields.pop("budget_year", None)


class CategoryField(forms.ChoiceField):
    """A spending category from a list loaded once for all the rows of a formset
    (a ModelChoiceField would query once per row)."""

    def __init__(self, *, categories=(), **kwargs):
        super().__init__(**kwargs)
        self.set_categories(categories)

    def set_categories(self, categories):
        self.by_pk = {str(c.pk): c for c in categories}
        blank = ("", _("Choose…") if self.required else DASHES)
        self.choices = [blank] + [(str(c.pk), category_label(c)) for c in categories]

    def prepare_value(self, value):
        return str(getattr(value, "pk", value) or "")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        category = self.by_pk.get(str(value))
        if category is None:
            raise forms.ValidationError(
                _("Choose a spending category from the list."), code="invalid_choice"
            )
        return category

    def validate(self, value):
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial, data):
        return self.prepare_value(initial) != (data or "")


def category_label(category):
    return f"{category.parent.name} · {category.name}" if category.parent_id else category.name


class FundLineForm(forms.ModelForm):
    category = CategoryField(label=_("Spending category"))

    class Meta:
        model = FundLine
        fields = ["date", "category", "note", "payee", "amount", "budget_line"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].widget.attrs.update({"step": "0.01", "min": "0.01"})
        self.fields["category"].set_categories(categories)
        readable_blank_choices(self)


class AwardForm(forms.ModelForm):
    class Meta:
        model = AwardResult
        fields = ["winner", "department", "award"]


# absolute_max bounds the forms Django builds for a forged TOTAL_FORMS count.
FundLineFormSet = modelformset_factory(
    FundLine, form=FundLineForm, extra=3, can_delete=True, max_num=600, absolute_max=610
)
AwardFormSet = modelformset_factory(
    AwardResult, form=AwardForm, extra=3, can_delete=True, max_num=200, absolute_max=210
)


def unsaved_rows(formset):
    """The formset's filled, not deleted rows as unsaved model instances: rows
    typed in, and rows filled in from the version being edited (empty_permitted
    is off for those, see views._content_forms), changed or not."""
    return [
        form.save(commit=False)
        for form in formset.forms
        if (form.has_changed() or not form.empty_permitted)
        and not formset._should_delete_form(form)
    ]


class ReasonForm(forms.Form):
    reason = long_text(label=_("Reason"), max_length=1000)


class ObjectionForm(forms.ModelForm):
    class Meta:
        model = Objection
        fields = ["text", "confidential"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["text"], OBJECTION_MAX_LENGTH)


class AnswerForm(forms.Form):
    text = long_text(label=_("Answer"), max_length=ANSWER_MAX_LENGTH, rows=2)


class NoticeFilterForm(FilterForm):
    q = SearchField()
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any"))] + Notice.Kind.choices, required=False
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.all(), required=False
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    # Readers see published ones only, whatever they choose; officers find their
    # drafts, and the chair what awaits approval.
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any"))] + Notice.Status.choices, required=False
    )
    objections = forms.ChoiceField(
        label=_("Objections"),
        choices=[("", _("Any")), (OBJECTIONS_TO_ANSWER, _("Objections for me to answer"))],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        readable_blank_choices(self, branch=_("Any"))


class SummaryFilterForm(FilterForm):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.order_by("name"), required=False,
        empty_label=_("All"),
    )  # fmt: skip


class BudgetYearForm(FilterForm):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)


class BudgetForm(forms.Form):
    """One amount per top-level category of the branch, for one year."""

    def __init__(self, *args, categories, initial_amounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories
        for category in categories:
            self.fields[f"c{category.pk}"] = forms.DecimalField(
                label=category.name, required=False, min_value=0, max_value=MAX_AMOUNT,
                max_digits=12, decimal_places=2, initial=initial_amounts.get(category.pk),
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
            )  # fmt: skip

    def amounts(self):
        """{category id: amount or None (no budget)}."""
        return {c.pk: self.cleaned_data.get(f"c{c.pk}") for c in self.categories}


class IncomeForm(forms.ModelForm):
    class Meta:
        model = Income
        fields = ["date", "source", "amount", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].widget.attrs.update({"step": "0.01", "min": "0.01"})
        readable_blank_choices(self)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    parent = forms.ModelChoiceField(
        label=_("Under"), queryset=SpendingCategory.objects.none(), required=False,
        empty_label=_("(a top-level category)"),
    )  # fmt: skip

    def __init__(self, *args, branch_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = categories_for(branch_id).filter(parent__isnull=True)


class NoticeSettingsForm(forms.ModelForm):
    class Meta:
        model = BranchNoticeSettings
        fields = ["publish_on_approval"]
