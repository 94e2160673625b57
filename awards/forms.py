from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Branch, Department, Member
from union_portal.core.calendar import add_working_days
from union_portal.core.forms import limit_length, long_text, readable_blank_choices

from .models import AwardRound

# Nominations stay open two working weeks unless the officers say otherwise.
DEFAULT_NOMINATION_WORKING_DAYS = 10


class RoundForm(forms.ModelForm):
    class Meta:
        model = AwardRound
        fields = [
            "branch", "title", "award", "places", "criteria",
            "nominations_open_on", "nominations_close_on",
        ]  # fmt: skip
        widgets = {
            "criteria": forms.Textarea(attrs={"rows": 4}),
            "nominations_open_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "nominations_close_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, branch_ids, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["branch"].queryset = Branch.objects.filter(pk__in=branch_ids)
        if len(branch_ids) == 1:
            self.fields["branch"].initial = next(iter(branch_ids))
            self.fields["branch"].widget = forms.HiddenInput()
        elif branch_ids:
            # An officer of several branches: the lowest-numbered until they choose.
            self.fields["branch"].initial = min(branch_ids)
        self.fields["nominations_open_on"].initial = today
        self.fields["nominations_close_on"].initial = add_working_days(
            today, DEFAULT_NOMINATION_WORKING_DAYS
        )
        self.fields["nominations_close_on"].help_text = _(
            "Two weeks of working days by default (on the official calendar)."
        )
        self.fields["places"].widget.attrs["min"] = 1
        self.fields["places"].min_value = 1
        self.fields["title"].widget.attrs["placeholder"] = _("For example 2026 年度优秀会员评选")
        limit_length(self.fields["criteria"], 5000)
        readable_blank_choices(self)

    def clean(self):
        data = super().clean()
        opens, closes = data.get("nominations_open_on"), data.get("nominations_close_on")
        if opens and closes and closes < opens:
            self.add_error("nominations_close_on", _("Nominations cannot close before they open."))
        if data.get("places") is not None and data["places"] < 1:
            self.add_error("places", _("At least one place."))
        return data


class NominationForm(forms.Form):
    nominee = forms.ModelChoiceField(
        label=_("Nominee"),
        queryset=Member.objects.none(),
        error_messages={
            "invalid_choice": _("Choose an active member of the branch other than yourself.")
        },
    )
    reason = long_text(label=_("Reasons"), max_length=2000, rows=4)
    department = forms.ModelChoiceField(
        label=_("On behalf of a department (工会小组)"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("Leave empty to nominate in your own name."),
    )

    def __init__(self, *args, award_round, nominator, officer, **kwargs):
        super().__init__(*args, **kwargs)
        members = Member.objects.filter(
            branch_id=award_round.branch_id, status=Member.Status.ACTIVE
        ).select_related("department")
        if nominator is not None:
            members = members.exclude(pk=nominator.pk)
        self.fields["nominee"].queryset = members.order_by("department__name", "name")
        self.fields["nominee"].label_from_instance = lambda m: f"{m.name}（{m.department}）"
        if officer:
            self.fields["department"].queryset = Department.objects.filter(
                branch_id=award_round.branch_id
            )
        else:
            del self.fields["department"]
        readable_blank_choices(
            self, nominee=_("Choose a colleague…"), department=_("In my own name")
        )


class PickForm(forms.Form):
    nominees = forms.ModelMultipleChoiceField(
        label=_("Proposed winners"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Pick at least one nominee."),
            "invalid_choice": _("Pick among the nominees of this round."),
        },
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, award_round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominees"].queryset = Member.objects.filter(
            nominations__round=award_round
        ).distinct()
        self.fields["nominees"].label_from_instance = lambda m: m.name
