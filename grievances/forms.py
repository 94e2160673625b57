from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from members.models import Branch, BranchRole, Campus
from members.office_holders import OFFICE_HOLDERS_VERSION
from union_portal.core.cache_versions import cached
from union_portal.core.forms import (
    AttachmentsField,
    FilterForm,
    PeriodFilterForm,
    SearchField,
    limit_length,
    long_text,
    readable_blank_choices,
)

from .models import Category, Grievance
from .selectors import ALL_STATUSES

DESCRIPTION_MAX_LENGTH = 10_000
REPLY_MAX_LENGTH = 5_000
COMMENT_MAX_LENGTH = 2_000


class GrievanceForm(forms.ModelForm):
    # Radio buttons without a blank: a case is a grievance unless the member says
    # otherwise, and named unless they choose to be protected. Named is the least
    # surprising default for a signed-in member (their case shows their name, as
    # any other form they send does); confidential and anonymous change who may
    # follow up, so they are a choice the member makes, right there on the form.
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=Grievance.Kind.choices,
        initial=Grievance.Kind.GRIEVANCE,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether this is a grievance or a suggestion."),
            "invalid_choice": _("Choose whether this is a grievance or a suggestion."),
        },
    )
    confidentiality = forms.ChoiceField(
        label=_("who may know it is you"),
        choices=Grievance.Confidentiality.choices,
        initial=Grievance.Confidentiality.NAMED,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose who may know it is you: named, confidential or anonymous."),
            "invalid_choice": _("Choose who may know it is you: named, confidential or anonymous."),
        },
    )
    attachments = AttachmentsField(limits="GRIEVANCE_ATTACHMENT")

    class Meta:
        model = Grievance
        fields = [
            "kind",
            "category",
            "subject",
            "description",
            "confidentiality",
            "publish_answer",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "publish_answer": _(
                "For a suggestion: the answer may be shown to other members (without your name)."
            ),
        }

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(branch=branch)
        limit_length(self.fields["description"], DESCRIPTION_MAX_LENGTH)
        readable_blank_choices(self, category=_("Choose a category…"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") != Grievance.Kind.SUGGESTION:
            cleaned["publish_answer"] = False
        return cleaned


class TextForm(forms.Form):
    text = long_text(label=_("Message"), max_length=REPLY_MAX_LENGTH)
    attachments = AttachmentsField(limits="GRIEVANCE_ATTACHMENT")


def _internal_flag():
    return forms.BooleanField(label=_("Internal note (never shown to the filer)"), required=False)


class HandlerForm(TextForm):
    """Reply, ask, resolve: a text, its files, and whether it was meant as an
    internal note. The flag is read on every handler step, so that a step which
    tells the filer refuses it instead of sending the note (services decide)."""

    internal = _internal_flag()


class NoteForm(forms.Form):
    """An internal note, in its own form: it has no button that reaches the filer."""

    text = long_text(
        label=_("Internal note (never shown to the filer)"), max_length=REPLY_MAX_LENGTH, rows=2
    )
    attachments = AttachmentsField(limits="GRIEVANCE_ATTACHMENT")


class OptionalTextForm(forms.Form):
    text = long_text(label=_("Comment"), required=False, max_length=COMMENT_MAX_LENGTH, rows=2)


class HandlerCommentForm(OptionalTextForm):
    """Acknowledge, forward: an optional comment, and the internal flag (refused)."""

    internal = _internal_flag()


def _name(user):
    return user.get_full_name() or user.email


def branch_officers(branch_id):
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            branch_roles__branch_id=branch_id,
            branch_roles__role__in=[BranchRole.Role.OFFICER, BranchRole.Role.CHAIR],
        )
        .distinct()
        .order_by("first_name", "id")
    )


def assignees(grievance):
    """Whom the case may go to at its level: the branch's officers and chairs, its
    chairs after an escalation, the liaisons at university level; and what the
    choice is called."""
    Level = Grievance.Level
    users = get_user_model().objects.filter(is_active=True)
    if grievance.level == Level.UNIVERSITY:
        users = users.filter(branch_roles__role=BranchRole.Role.LIAISON)
        label = _("Hand over to a colleague")
    else:
        roles = [BranchRole.Role.CHAIR]
        if grievance.level == Level.BRANCH:
            roles.append(BranchRole.Role.OFFICER)
        users = users.filter(
            branch_roles__branch_id=grievance.branch_id, branch_roles__role__in=roles
        )
        label = _("Assign to")
    return users.distinct().order_by("first_name", "id"), label


class AssignForm(forms.Form):
    """Whom the case may go to at its level (`assignees`)."""

    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args, grievance, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.queryset, field.label = assignees(grievance)
        field.label_from_instance = _name
        # Read in one query (Django's menu opens a server-side cursor: three round trips).
        field.iterator = _LoadedChoices
        readable_blank_choices(self)


def assign_menu(grievance) -> dict:
    """The blank AssignForm's menu, drawn by hand on the case page (crispy took longer
    to draw it than the rest of the page), without building the form: its `label`
    and the (value, label) `choices`, the blank one first, read in one query of just
    what the labels show. The people are the same for every reader of a branch's
    cases at a level: cached per level and branch until a role or an account's name
    changes (office holders' names only: members/office_holders.py)."""
    label = (
        _("Hand over to a colleague")
        if grievance.level == Grievance.Level.UNIVERSITY
        else _("Assign to")
    )  # as assignees() calls the choice

    def read():
        users, _label = assignees(grievance)
        people = users.values_list("pk", "first_name", "last_name", "email")
        return [(pk, f"{first} {last}".strip() or email) for pk, first, last, email in people]

    branch = "" if grievance.level == Grievance.Level.UNIVERSITY else grievance.branch_id
    people = cached(OFFICE_HOLDERS_VERSION, f"case-assignees:{grievance.level}:{branch}", read)
    # The blank choice first, as readable_blank_choices words it.
    return {"label": label, "choices": [("", _("Choose…")), *people]}


class RouteForm(forms.Form):
    """One line of the routing table: a category's cases from a campus's staff (or,
    without a campus, by default) go to an officer; no officer removes the line."""

    category = forms.ModelChoiceField(label=_("Category"), queryset=None)
    campus = forms.ModelChoiceField(
        label=_("Filer's campus"),
        queryset=Campus.objects.order_by("name"),
        required=False,
        empty_label=_("Any campus (the category's default)"),
    )
    officer = forms.ModelChoiceField(
        label=_("Officer"),
        queryset=None,
        required=False,
        empty_label=_("Nobody: the branch chair takes them"),
    )

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(branch=branch).order_by("name")
        self.fields["officer"].queryset = branch_officers(branch.pk)
        self.fields["officer"].label_from_instance = _name
        readable_blank_choices(self)


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class QueueFilterForm(FilterForm):
    q = SearchField()
    # A work list opens on what needs doing: closed cases only when asked for.
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Not closed")), (ALL_STATUSES, _("Any, closed included"))]
        + Grievance.Status.choices,
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any"))] + Grievance.Kind.choices, required=False
    )
    level = forms.ChoiceField(
        label=_("Level"), choices=[("", _("Any"))] + Grievance.Level.choices, required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    # The yearly report's figures open the queue with these.
    year = forms.IntegerField(label=_("Year filed"), required=False, min_value=2000, max_value=2100)
    met = forms.ChoiceField(
        label=_("Deadline met"),
        choices=[
            ("", _("Any")),
            ("ack", _("Acknowledged in time")),
            ("resolve", _("Resolved in time")),
        ],
        required=False,
    )
    escalated = forms.BooleanField(label=_("Escalated"), required=False)
    appealed = forms.BooleanField(label=_("Appealed"), required=False)


class _LoadedChoices(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from (self.choice(obj) for obj in self.queryset)  # the queryset's cache


class BranchField(forms.ModelChoiceField):
    """The branches read once per form: the same rows check the choice and draw the
    menu (one query where ModelChoiceField makes two)."""

    iterator = _LoadedChoices

    def to_python(self, value):
        if value in self.empty_values:
            return None
        for branch in self.queryset:
            if str(branch.pk) == str(value):
                return branch
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")


class DashboardFilterForm(PeriodFilterForm):
    """Cases filed in the period; the liaison may narrow to one branch."""

    branch = BranchField(
        label=_("Branch"),
        queryset=Branch.objects.order_by("name"),
        required=False,
        empty_label=_("All branches"),
    )

    def __init__(self, *args, all_branches=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not all_branches:  # a chair sees their own branches only
            del self.fields["branch"]

    def blank_key(self) -> str:
        """Names the blank form's HTML, drawn once (templatetags.case_pages): the
        branches of its menu are part of it (read in the query that draws it)."""
        if "branch" not in self.fields:
            return "dashboard-filter"
        branches = self.fields["branch"].queryset
        return "dashboard-filter:" + "|".join(f"{b.pk}={b.name}" for b in branches)
