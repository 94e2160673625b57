from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from members.models import Campus, Member
from union_portal.core.forms import (
    CountedTextarea,
    SearchField,
    readable_blank_choices,
    shortened_search_message,
)

from .models import HandlingOffice, Proposal, Term


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=150)
    body = forms.CharField(
        label=_("proposal (案由、理由与建议)"), widget=CountedTextarea(attrs={"rows": 8}),
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
        label=_("reason"), required=False, widget=CountedTextarea(attrs={"rows": 3}),
        max_length=5000,
    )  # fmt: skip


class AssignForm(forms.Form):
    office = forms.ModelChoiceField(
        label=_("handling office"), queryset=HandlingOffice.objects, empty_label=_("Choose…")
    )


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("answer"), widget=CountedTextarea(attrs={"rows": 6}), max_length=20000
    )


class RateForm(forms.Form):
    rating = forms.ChoiceField(label=_("rating"), choices=Proposal.Rating.choices)
    reason = forms.CharField(
        label=_("what the answer lacks (for 不满意)"), required=False,
        widget=CountedTextarea(attrs={"rows": 3}), max_length=5000,
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

    q = SearchField()
    status = forms.ChoiceField(required=False, choices=[("", "")] + Proposal.Status.choices)
    office = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": (data.get("q") or "").strip(),
            "query_note": self.fields["q"].shortened and shortened_search_message(),
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

    q = SearchField()
    branch = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": (data.get("q") or "").strip(),
            "query_note": self.fields["q"].shortened and shortened_search_message(),
            "branch_id": data.get("branch"),
        }


# --- polls ---------------------------------------------------------------------

POLL_DATETIME = {"type": "datetime-local"}
POLL_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
POLL_FORM_ROWS = 4  # blank question rows on a new poll; an edit shows two more than it has
POLL_FORM_MAX_ROWS = 30


class PollForm(forms.Form):
    """A draft poll and its questions, without JavaScript: a fixed number of
    question rows, options one per line. Blank rows are left out."""

    title = forms.CharField(label=_("title"), max_length=150)
    description = forms.CharField(
        label=_("description"), required=False, max_length=5000,
        widget=CountedTextarea(attrs={"rows": 3}),
    )  # fmt: skip
    secret = forms.BooleanField(
        label=_("secret ballot"), required=False,
        help_text=_("Nobody, not even the officers, can see who answered what. Results are "
                    "shown after the poll closes."),
    )  # fmt: skip
    audience = forms.ChoiceField(label=_("who may answer"), choices=())
    campus = forms.ModelChoiceField(
        label=_("campus (for “members of one campus”)"), queryset=Campus.objects.none(),
        required=False,
    )  # fmt: skip
    results = forms.ChoiceField(label=_("results visible to members"), choices=())
    opens_at = forms.DateTimeField(
        label=_("opens at"), input_formats=[POLL_DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs=POLL_DATETIME, format=POLL_DATETIME_FORMAT),
    )  # fmt: skip
    closes_at = forms.DateTimeField(
        label=_("closes at"), input_formats=[POLL_DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs=POLL_DATETIME, format=POLL_DATETIME_FORMAT),
    )  # fmt: skip

    def __init__(self, *args, branch_id, rows=POLL_FORM_ROWS, **kwargs):
        from .models import Poll, PollQuestion

        super().__init__(*args, **kwargs)
        self.fields["results"].choices = Poll.Results.choices
        self.fields["audience"].choices = Poll.Audience.choices
        self.fields["campus"].queryset = Campus.objects.filter(
            pk__in=Member.objects.filter(branch_id=branch_id).values("home_campus_id")
        )
        readable_blank_choices(self, campus=_("Any campus"))
        if self.is_bound:
            present = [
                i for i in range(1, POLL_FORM_MAX_ROWS + 1)
                if f"question_{i}_kind" in self.data or f"question_{i}_text" in self.data
            ]  # fmt: skip
            rows = max([rows, *present])
        self.rows = min(rows, POLL_FORM_MAX_ROWS)
        for i in range(1, self.rows + 1):
            self.fields[f"question_{i}_kind"] = forms.ChoiceField(
                label=_("kind"), choices=PollQuestion.Kind.choices, initial="single"
            )
            self.fields[f"question_{i}_text"] = forms.CharField(
                label=_("question"), required=False, max_length=300
            )
            self.fields[f"question_{i}_options"] = forms.CharField(
                label=_("options, one per line"), required=False, max_length=10000,
                widget=CountedTextarea(attrs={"rows": 3}),
            )  # fmt: skip
            self.fields[f"question_{i}_max"] = forms.IntegerField(
                label=_("at most (multiple choice)"), required=False, min_value=1, max_value=30
            )
            self.fields[f"question_{i}_required"] = forms.BooleanField(
                label=_("an answer is required"), required=False, initial=True
            )

    def question_rows(self):
        return [
            {part: self[f"question_{i}_{part}"]
             for part in ("kind", "text", "options", "max", "required")} | {"number": i}
            for i in range(1, self.rows + 1)
        ]  # fmt: skip

    def poll_fields(self) -> dict:
        """The cleaned values as poll_save's arguments; blank question rows left out."""
        data = self.cleaned_data
        questions = []
        for i in range(1, self.rows + 1):
            text, options = data[f"question_{i}_text"], data[f"question_{i}_options"]
            if not text.strip() and not options.strip():
                continue
            questions.append({
                "kind": data[f"question_{i}_kind"], "text": text,
                "options": options.splitlines(), "max_choices": data[f"question_{i}_max"],
                "required": data[f"question_{i}_required"],
            })  # fmt: skip
        fields = {k: data[k] for k in ("title", "description", "secret", "audience", "campus",
                                       "results", "opens_at", "closes_at")}  # fmt: skip
        return {**fields, "questions": questions}

    @staticmethod
    def initial_for(poll) -> dict:
        initial = {
            "title": poll.title, "description": poll.description, "secret": poll.secret,
            "audience": poll.audience, "campus": poll.campus_id, "results": poll.results,
            "opens_at": poll.opens_at, "closes_at": poll.closes_at,
        }  # fmt: skip
        for i, question in enumerate(poll.questions.all(), start=1):
            initial |= {
                f"question_{i}_kind": question.kind,
                f"question_{i}_text": question.text,
                f"question_{i}_options": "\n".join(o.text for o in question.options.all()),
                f"question_{i}_max": question.max_choices,
                f"question_{i}_required": question.required,
            }
        return initial


class VoteForm(forms.Form):
    """The ballot: one field `q<question id>` per question (single: an option id;
    multiple: several; rating: 1–5; text)."""

    def __init__(self, *args, poll, **kwargs):
        from .models import PollQuestion
        from .services import POLL_TEXT_LIMIT

        super().__init__(*args, **kwargs)
        Kind = PollQuestion.Kind
        self.questions = list(poll.questions.all())
        for question in self.questions:
            name, required = f"q{question.pk}", question.required
            choices = [(str(o.pk), o.text) for o in question.options.all()]
            if question.kind == Kind.SINGLE:
                field = forms.TypedChoiceField(
                    choices=choices, coerce=int, required=required, widget=forms.RadioSelect,
                    empty_value=None,
                )  # fmt: skip
            elif question.kind == Kind.MULTIPLE:
                field = forms.TypedMultipleChoiceField(
                    choices=choices, coerce=int, required=required,
                    widget=forms.CheckboxSelectMultiple,
                )  # fmt: skip
            elif question.kind == Kind.RATING:
                field = forms.TypedChoiceField(
                    choices=[(str(n), str(n)) for n in range(1, 6)], coerce=int,
                    required=required, widget=forms.RadioSelect, empty_value=None,
                )  # fmt: skip
            else:
                field = forms.CharField(
                    required=required, max_length=POLL_TEXT_LIMIT,
                    widget=CountedTextarea(attrs={"rows": 3}),
                )  # fmt: skip
            field.label = question.text
            self.fields[name] = field

    def clean(self):
        data = super().clean()
        for question in self.questions:
            chosen = data.get(f"q{question.pk}") or []
            if question.kind == "multiple" and question.max_choices:
                if len(chosen) > question.max_choices:
                    self.add_error(
                        f"q{question.pk}",
                        _("Choose at most %(n)s options.") % {"n": question.max_choices},
                    )
        return data

    def fields_of_questions(self):
        return [(question, self[f"q{question.pk}"]) for question in self.questions]

    def answers(self) -> dict:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}
