import copy
import re
from datetime import date

from django import forms
from django.core.validators import validate_email
from django.forms.models import construct_instance, model_to_dict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from union_portal.core.forms import FilterForm, SearchField, readable_blank_choices

from .models import Branch, Campus, Department, Member
from .validators import (
    normalise_email,
    validate_phone,
    validate_plain_email,
    validate_staff_number,
)


class MemberForm(forms.ModelForm):
    """A roster entry, limited to the branches the officer manages."""

    class Meta:
        model = Member
        fields = [
            "staff_number",
            "name",
            "branch",
            "department",
            "home_campus",
            "job_title",
            "sex",
            "date_of_birth",
            "email",
            "phone",
            "joined_on",
            "status",
            "is_representative",
            "has_hardship",
        ]
        widgets = {
            "joined_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, branch_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.filter(pk__in=branch_ids)
        self.fields["department"].queryset = Department.objects.filter(
            branch_id__in=branch_ids
        ).select_related("branch")
        self.fields["home_campus"].queryset = Campus.objects.all()
        if len(branch_ids) == 1:
            self.fields["branch"].initial = next(iter(branch_ids))
            self.fields["branch"].widget = forms.HiddenInput()
        self.fields["joined_on"].input_formats = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
        # The HR sheet writes 1975-03-08 or 1975/3/8 (strptime takes both widths).
        self.fields["date_of_birth"].input_formats = ["%Y-%m-%d", "%Y/%m/%d"]
        self.fields["date_of_birth"].error_messages["invalid"] = _(
            "Enter the date as YYYY-MM-DD or YYYY/M/D, e.g. 1975-03-08."
        )
        readable_blank_choices(self, sex=_("Not recorded"))
        if self.instance.pk and self.instance.user_id:
            # The 工号 signs in through the campus sign-on (members.cas): on an
            # entry linked to an account only the administrator changes it.
            self.fields["staff_number"].disabled = True
            self.fields["staff_number"].help_text = _(
                "This entry is linked to an account and its staff number signs in "
                "through the campus sign-on: only the portal's administrator can change it."
            )

    def clean_staff_number(self):
        return self.cleaned_data["staff_number"].strip().upper()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the member's name."))
        return name

    def clean_email(self):
        email = normalise_email(self.cleaned_data["email"])
        validate_plain_email(email)
        return email

    def clean_phone(self):
        return self.cleaned_data["phone"].replace(" ", "")

    def clean(self):
        cleaned = super().clean()
        branch, department = cleaned.get("branch"), cleaned.get("department")
        if branch and department and department.branch_id != branch.pk:
            self.add_error(
                "department",
                _("The department %(department)s is not part of %(branch)s.")
                % {"department": department, "branch": branch},
            )
        return cleaned


class _Loaded(forms.Field):
    """A choice among rows loaded once for a whole import (no query per row)."""

    def __init__(self, objects, *, model_field):
        super().__init__(label=model_field.label, required=model_field.required)
        self.objects = objects
        self.error_messages["invalid_choice"] = model_field.error_messages["invalid_choice"]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.objects[int(value)]
        except (KeyError, TypeError, ValueError):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None

    def has_changed(self, initial, data):
        return str("" if initial is None else initial) != str("" if data is None else data)


class _SharedFields(dict):
    """An import's fields, shared by the forms of all its rows: they only validate
    (never rendered, never changed), so each row's form skips the deep copy."""

    def __deepcopy__(self, memo):
        return dict(self)


class ImportMemberForm(MemberForm):
    """MemberForm for one row of an import, made by import_member_form(): the branch,
    departments and campuses come from dicts loaded once, and uniqueness (staff
    number, email) is checked for the whole file at once by the import, so a
    20 000-row file costs no query per row."""

    loaded = ()

    def __init__(self, *args, **kwargs):
        # Not MemberForm's: its querysets are replaced by the loaded dicts.
        forms.ModelForm.__init__(self, *args, **kwargs)

    def _get_validation_exclusions(self):
        # A foreign key's existence would cost a query per row: its rows were just loaded.
        return {*super()._get_validation_exclusions(), *self.loaded}

    def _post_clean(self):
        # As ModelForm's, without the model's constraints (the email's, checked for
        # the whole file by the import), each of which costs a query per row.
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields)
        except forms.ValidationError as error:
            self._update_errors(error)
        try:
            self.instance.full_clean(
                exclude=self._get_validation_exclusions(),
                validate_unique=False,
                validate_constraints=False,
            )
        except forms.ValidationError as error:
            self._update_errors(error)

    def validate_unique(self):
        pass

    @classmethod
    def take_as_is(cls, data: dict, instance: Member | None = None, *, today=None):
        """(entry, changed_data) for a row this form would take as it is, worked
        out without making the form (changed_data only for an existing entry);
        None for a row the form must judge.

        A form per row was most of a 20 000-row import's time (bound fields,
        widgets, error lists, the model's full_clean). This applies the same
        fields, clean_ methods and validators to the values an import row holds,
        and gives up (None) on anything else or at the first doubt, so that every
        message a row gets is still the form's own."""
        fields = cls.base_fields
        today = today or timezone.localdate()  # validate_not_future's, once per row
        try:
            cleaned = {
                "staff_number": _plain_text(data, "staff_number", 20).upper(),
                "name": _plain_text(data, "name", 50),
                "branch": _loaded(fields["branch"], data.get("branch")),
                "department": _loaded(fields["department"], data.get("department")),
                "home_campus": _loaded(fields["home_campus"], data.get("home_campus")),
                "job_title": _plain_text(data, "job_title", 50, required=False),
                "sex": _choice(data.get("sex"), _SEXES),
                "date_of_birth": _iso_date(data.get("date_of_birth"), today, required=False),
                "email": _plain_email(data.get("email")),
                "phone": _plain_text(data, "phone", 20, required=False).replace(" ", ""),
                "joined_on": _iso_date(data.get("joined_on"), today),
                "status": _choice(data.get("status"), _STATUSES, required=True),
                "is_representative": _checkbox(
                    fields["is_representative"], data, "is_representative"
                ),
                "has_hardship": _checkbox(fields["has_hardship"], data, "has_hardship"),
            }
            validate_staff_number(cleaned["staff_number"])
            validate_phone(cleaned["phone"])
            if cleaned["phone"] and len(cleaned["phone"]) > 20:
                raise _AskTheForm
        except (_AskTheForm, forms.ValidationError):
            return None
        if cleaned["department"].branch_id != cleaned["branch"].pk:
            return None  # the form's clean() says so
        changed = []
        if instance is None:
            instance = Member()
        else:
            # As the form's changed_data: the row's data against the entry as loaded.
            initial = model_to_dict(instance, cls._meta.fields)
            for name, field in fields.items():
                value = initial.get(name, field.initial)
                value = value() if callable(value) else value
                if name in _DATES:
                    # DateField.has_changed parses the text again (trying each input
                    # format): the date read above is what it would get.
                    if (value or "") != (cleaned[name] or ""):
                        changed.append(name)
                elif field.has_changed(value, _data(field, data, name)):
                    changed.append(name)
        for name, value in cleaned.items():
            field = fields[name]
            # As construct_instance: a default stays for a value the data lacks.
            if (
                name in _DEFAULTED
                and field.widget.value_omitted_from_data(data, None, name)
                and value in field.empty_values
            ):
                continue
            setattr(instance, name, value)
        return instance, changed


class _AskTheForm(Exception):
    """A value the quick check is not sure of: the form judges the row."""


_DEFAULTED = frozenset(f.name for f in Member._meta.fields if f.has_default())
_DATES = ("date_of_birth", "joined_on")
_SEXES = frozenset(Member.Sex.values)
_STATUSES = frozenset(Member.Status.values)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _data(field, data, name):
    return field.widget.value_from_datadict(data, None, name)


def _plain_text(data, name, max_length, required=True) -> str:
    """A CharField's value (stripped, as the form's CharField and clean_ methods do)."""
    value = data.get(name)
    value = "" if value is None else str(value).strip()
    if (required and not value) or len(value) > max_length or "\x00" in value:
        raise _AskTheForm
    return value


def _loaded(field, value):
    try:
        return field.objects[int(value)]
    except (KeyError, TypeError, ValueError):
        raise _AskTheForm from None


def _choice(value, choices, required=False) -> str:
    value = "" if value is None else value
    if value in choices or (value == "" and not required):
        return value
    raise _AskTheForm


def _iso_date(value, today, required=True):
    """The YYYY-MM-DD the import writes a date it read as; no other form."""
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise _AskTheForm
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise _AskTheForm from None
    if day > today:  # validate_not_future
        raise _AskTheForm
    return day


def _plain_email(value) -> str:
    email = normalise_email("" if value is None else value)
    if email:
        if len(email) > 254 or "\x00" in email or not email.isascii():
            raise _AskTheForm
        validate_email(email)
    return email


def _checkbox(field, data, name):
    return field.clean(_data(field, data, name))


def import_member_form(loaded: dict) -> type[ImportMemberForm]:
    """The form class for an import's rows, its choice fields backed by `loaded`
    ({field name: {pk: object}})."""
    fields = {name: copy.deepcopy(field) for name, field in MemberForm.base_fields.items()}
    for name, objects in loaded.items():
        fields[name] = _Loaded(objects, model_field=fields[name])
    form_class = type("LoadedImportMemberForm", (ImportMemberForm,), {"loaded": tuple(loaded)})
    form_class.base_fields = _SharedFields(fields)
    return form_class


YES_NO_ANY = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]


class RosterFilterForm(FilterForm):
    q = SearchField(widget=forms.SearchInput(attrs={"placeholder": _("Name or staff number")}))
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    campus = forms.ModelChoiceField(
        label=_("Campus"), queryset=Campus.objects.all(), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any"))] + Member.Status.choices, required=False
    )
    representative = forms.ChoiceField(
        label=_("Member representative"), choices=YES_NO_ANY, required=False
    )
    hardship = forms.ChoiceField(label=_("In hardship"), choices=YES_NO_ANY, required=False)
    sex = forms.ChoiceField(
        label=_("Sex"), choices=[("", _("Any"))] + Member.Sex.choices, required=False
    )

    def __init__(self, *args, branch_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.filter(pk__in=branch_ids)
        self.fields["department"].queryset = Department.objects.filter(branch_id__in=branch_ids)
        if len(branch_ids) < 2:
            del self.fields["branch"]
        readable_blank_choices(self, **dict.fromkeys(["branch", "department", "campus"], _("Any")))


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_(
            "XLSX, or CSV saved as “CSV UTF-8” (a GBK/GB18030 CSV is read too), with a "
            "header row; at most 5 MB."
        ),
    )
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none())

    def __init__(self, *args, branch_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.filter(pk__in=branch_ids)
        if len(branch_ids) == 1:
            self.fields["branch"].initial = next(iter(branch_ids))
            self.fields["branch"].widget = forms.HiddenInput()
        readable_blank_choices(self)


def month_name(number: int) -> str:
    return gettext("Month %(number)d") % {"number": number}


class BirthdayMonthForm(FilterForm):
    month = forms.TypedChoiceField(label=_("Month"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(n, month_name(n)) for n in range(1, 13)]
        self.fields["month"].initial = timezone.localdate().month
