from django import forms
from django.forms import modelformset_factory
from django.utils.translation import gettext_lazy as _

from members.models import Branch
from union_portal.core.forms import AttachmentsField, FilterForm

from .models import AwardResult, FundLine, Notice, NoticeVersion, Objection


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

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        if kind != Notice.Kind.AWARD:
            del self.fields["criteria"]


class CorrectionForm(NoticeForm):
    reason = forms.CharField(label=_("Reason for the correction"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["visibility"]


class FundLineForm(forms.ModelForm):
    class Meta:
        model = FundLine
        fields = ["date", "purpose", "payee", "amount", "budget_line"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].widget.attrs.update({"step": "0.01", "min": "0.01"})


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
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ObjectionForm(forms.ModelForm):
    class Meta:
        model = Objection
        fields = ["text", "confidential"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))


class NoticeFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any"))] + Notice.Kind.choices, required=False
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.all(), required=False
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)


class SummaryFilterForm(FilterForm):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
