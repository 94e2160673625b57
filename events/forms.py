from django import forms
from django.db.models import Count, Q
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Branch, Campus
from union_portal.core.forms import FilterForm, PeriodFilterForm

from .models import Event, Registration, Venue

DATETIME = {"type": "datetime-local"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class EventForm(forms.ModelForm):
    online_url = Event._meta.get_field("online_url").formfield(assume_scheme="https")

    class Meta:
        model = Event
        fields = [
            "title",
            "category",
            "description",
            "starts_at",
            "ends_at",
            "signup_opens_at",
            "signup_closes_at",
            "cancel_deadline",
            "open_to_all_branches",
            "online_url",
            "shuttle_seats",
            "shuttle_departs_at",
            "shuttle_departure_place",
        ]
        widgets = {
            name: forms.DateTimeInput(attrs=DATETIME, format=DATETIME_FORMAT)
            for name in (
                "starts_at",
                "ends_at",
                "signup_opens_at",
                "signup_closes_at",
                "cancel_deadline",
                "shuttle_departs_at",
            )
        } | {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateTimeField):
                field.input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def clean(self):
        cleaned = super().clean()
        get = cleaned.get
        starts, ends = get("starts_at"), get("ends_at")
        opens, closes = get("signup_opens_at"), get("signup_closes_at")
        deadline = get("cancel_deadline")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The event must end after it starts."))
        if opens and closes and closes <= opens:
            self.add_error("signup_closes_at", _("Sign-up must close after it opens."))
        if starts and closes and closes > starts:
            self.add_error("signup_closes_at", _("Sign-up must close before the event starts."))
        if starts and deadline and deadline > starts:
            self.add_error(
                "cancel_deadline", _("The cancellation deadline must be before the start.")
            )
        if not self.instance.pk and starts and starts < timezone.now():
            self.add_error("starts_at", _("A new event cannot start in the past."))
        if get("shuttle_seats"):
            if not get("shuttle_departs_at"):
                self.add_error("shuttle_departs_at", _("Say when the shuttle leaves."))
            if not get("shuttle_departure_place"):
                self.add_error("shuttle_departure_place", _("Say where the shuttle leaves from."))
        return cleaned


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = ["campus", "place", "capacity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campus"].queryset = Campus.objects.all()

    def clean(self):
        cleaned = super().clean()
        capacity = cleaned.get("capacity")
        if self.instance.pk:
            counts = Venue.objects.filter(pk=self.instance.pk).aggregate(
                confirmed=Count(
                    "registrations",
                    filter=Q(registrations__status__in=["confirmed", "attended"]),
                ),
                active=Count(
                    "registrations",
                    filter=Q(registrations__status__in=Registration.ACTIVE),
                ),
            )
            if capacity is not None and capacity < counts["confirmed"]:
                self.add_error(
                    "capacity",
                    _(
                        "%(count)d members already have a confirmed place here: the capacity "
                        "cannot be lower. Ask some of them to cancel first."
                    )
                    % {"count": counts["confirmed"]},
                )
            if cleaned.get("DELETE") and counts["active"]:
                self.add_error(
                    None,
                    _("%(venue)s has registrations and cannot be removed.")
                    % {"venue": self.instance},
                )
        return cleaned


VenueFormSet = inlineformset_factory(
    Event, Venue, form=VenueForm, extra=1, min_num=0, can_delete=True, max_num=10, absolute_max=20
)


class SignupForm(forms.Form):
    """The venue choice on an event page: a venue id, or "online"."""

    where = forms.ChoiceField(label=_("Where will you attend?"))
    wants_shuttle = forms.BooleanField(label=_("I need a shuttle seat"), required=False)

    def __init__(self, *args, event, venues, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(v.pk), str(v)) for v in venues]
        if event.has_online:
            choices.append(("online", _("Online")))
        self.fields["where"].choices = choices
        if not event.has_shuttle:
            del self.fields["wants_shuttle"]

    def venue_id(self):
        where = self.cleaned_data["where"]
        return None if where == "online" else int(where)


class CancelEventForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to everyone registered)"), max_length=300, required=True
    )


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "autofocus": True}),
    )  # fmt: skip


class EventFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Any"))] + Event.Category.choices, required=False
    )
    campus = forms.ModelChoiceField(
        label=_("Campus"), queryset=Campus.objects.all(), required=False
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.all(), required=False
    )
    when = forms.ChoiceField(
        label=_("When"),
        choices=[("", _("Upcoming")), ("past", _("Past"))],
        required=False,
    )


class ReportFilterForm(PeriodFilterForm):
    """The participation report's period."""


class FeedResetForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Calendars using the current link stop updating; I will add the new one."),
        required=True,
    )
