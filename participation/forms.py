from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from members.models import Member

from .models import HandlingOffice, Proposal, Term


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=150)
    body = forms.CharField(
        label=_("proposal (案由、理由与建议)"), widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
    )  # fmt: skip


class StaffNumberField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(label=_("staff number"), max_length=20, **kwargs)


def member_by_staff_number(branch_id, staff_number):
    return Member.objects.filter(
        branch_id=branch_id, staff_number=(staff_number or "").strip(), status="active"
    ).first()


class InviteForm(forms.Form):
    staff_number = StaffNumberField()


class NoForm(forms.Form):
    pass


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[
            (Proposal.Status.ACCEPTED, Proposal.Status.ACCEPTED.label),
            (Proposal.Status.SUGGESTION, Proposal.Status.SUGGESTION.label),
            (Proposal.Status.NOT_ACCEPTED, Proposal.Status.NOT_ACCEPTED.label),
        ],
    )
    reason = forms.CharField(
        label=_("reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )  # fmt: skip


class AssignForm(forms.Form):
    office = forms.ModelChoiceField(label=_("handling office"), queryset=HandlingOffice.objects)


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("answer"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000
    )


class RateForm(forms.Form):
    rating = forms.ChoiceField(label=_("rating"), choices=Proposal.Rating.choices)
    reason = forms.CharField(
        label=_("what the answer lacks (for 不满意)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
    )  # fmt: skip


class TermForm(forms.ModelForm):
    class Meta:
        model = Term
        fields = ["name", "start", "end"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }

    def validate_unique(self):
        pass  # the service says it, in one place


class RepresentativeForm(forms.Form):
    staff_number = StaffNumberField()
    delegation = forms.CharField(label=_("delegation or group (代表团/小组)"), max_length=100,
                                 required=False)  # fmt: skip


class OfficeForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    contacts = forms.ModelMultipleChoiceField(
        label=_("contact accounts"), queryset=get_user_model().objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args, branch_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = (
            get_user_model()
            .objects.filter(member__branch_id=branch_id, member__status="active")
            .order_by("member__name")
        )
        self.fields["contacts"].label_from_instance = lambda user: user.member.name


class SettingForm(forms.Form):
    representatives_only = forms.BooleanField(
        label=_("only representatives submit proposals"), required=False
    )
    cosigners_needed = forms.IntegerField(label=_("co-signers needed"), min_value=0, max_value=50)
    public_proposals = forms.BooleanField(
        label=_("accepted proposals and their answers are public"), required=False,
        help_text=_("Anyone, signed out included, reads the proposals accepted (立案) and "
                    "their answers, with the names of the proposer and co-signers."),
    )  # fmt: skip


class ProposalFilterForm(forms.Form):
    """The list's filters; anything unreadable is ignored rather than refused."""

    q = forms.CharField(required=False, max_length=100)
    status = forms.ChoiceField(required=False, choices=[("", "")] + Proposal.Status.choices)
    office = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "office_id": data.get("office"),
            "year": data.get("year"),
        }


class RepresentativeImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file (columns 工号, 届次, 代表团/小组)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


class PublicProposalFilterForm(forms.Form):
    """The public list's filters; anything unreadable is ignored rather than refused."""

    q = forms.CharField(required=False, max_length=100)
    branch = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"query": (data.get("q") or "").strip(), "branch_id": data.get("branch")}
