from django import forms
from django.db.models import Count, Q
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Branch, Campus
from union_portal.core.forms import (
    FilterForm,
    PeriodFilterForm,
    SearchField,
    limit_length,
    readable_blank_choices,
)

from .models import Event, Registration, ShuttleSeat, ShuttleTrip, Venue

DATETIME = {"type": "datetime-local"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
DESCRIPTION_MAX_LENGTH = 10_000


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
        ]
        widgets = {
            name: forms.DateTimeInput(attrs=DATETIME, format=DATETIME_FORMAT)
            for name in (
                "starts_at",
                "ends_at",
                "signup_opens_at",
                "signup_closes_at",
                "cancel_deadline",
            )
        } | {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateTimeField):
                field.input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        limit_length(self.fields["description"], DESCRIPTION_MAX_LENGTH)

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
        return cleaned


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = ["campus", "place", "capacity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campus"].queryset = Campus.objects.all()
        readable_blank_choices(self)

    def clean(self):
        cleaned = super().clean()
        capacity = cleaned.get("capacity")
        if self.instance.pk:
            counts = Venue.objects.filter(pk=self.instance.pk).aggregate(
                confirmed=Count(
                    "registrations",
                    filter=Q(registrations__status__in=["confirmed", "attended"]),
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
        return cleaned


class BaseVenueFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        # A form marked for deletion is not validated by the formset: checked here,
        # or the venue's registrations would go with it.
        for form in self.deleted_forms:
            venue = form.instance
            if venue.pk and venue.registrations.filter(status__in=Registration.ACTIVE).exists():
                raise forms.ValidationError(
                    _("%(venue)s has registrations and cannot be removed.") % {"venue": venue}
                )


VenueFormSet = inlineformset_factory(
    Event, Venue, form=VenueForm, formset=BaseVenueFormSet, extra=1, min_num=0,
    can_delete=True, max_num=10, absolute_max=20,
)  # fmt: skip


class TripForm(forms.ModelForm):
    class Meta:
        model = ShuttleTrip
        fields = ["direction", "departure_campus", "departure_place", "departs_at", "seats"]
        widgets = {"departs_at": forms.DateTimeInput(attrs=DATETIME, format=DATETIME_FORMAT)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departure_campus"].queryset = Campus.objects.all()
        self.fields["departs_at"].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]
        readable_blank_choices(self)

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        counts = ShuttleSeat.objects.filter(
            trip=self.instance, registration__status__in=Registration.ACTIVE
        ).aggregate(
            confirmed=Count("id", filter=Q(status=ShuttleSeat.Status.CONFIRMED)),
            active=Count("id"),
        )
        seats = cleaned.get("seats")
        if seats is not None and seats < counts["confirmed"]:
            self.add_error(
                "seats",
                _(
                    "%(count)d members already have a confirmed seat on this trip: the seats "
                    "cannot be fewer. Ask some of them to drop their seat first."
                )
                % {"count": counts["confirmed"]},
            )
        if counts["active"] and cleaned.get("direction") != self.instance.direction:
            self.add_error("direction", _("A trip with passengers cannot change its direction."))
        return cleaned


class BaseTripFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        # A form marked for deletion is not validated by the formset: checked here.
        for form in self.deleted_forms:
            trip = form.instance
            if (
                trip.pk
                and ShuttleSeat.objects.filter(
                    trip=trip, registration__status__in=Registration.ACTIVE
                ).exists()
            ):
                raise forms.ValidationError(
                    _("The trip %(trip)s has passengers and cannot be removed.") % {"trip": trip}
                )
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.is_valid()
            and form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("departs_at")
        ]
        out = [t["departs_at"] for t in kept if t["direction"] == ShuttleTrip.Direction.OUT]
        back = [t["departs_at"] for t in kept if t["direction"] == ShuttleTrip.Direction.BACK]
        if out and back and min(back) <= max(out):
            raise forms.ValidationError(_("Every trip back must leave after every trip out."))


TripFormSet = inlineformset_factory(
    Event, ShuttleTrip, form=TripForm, formset=BaseTripFormSet, extra=1, min_num=0,
    can_delete=True, max_num=10, absolute_max=20,
)  # fmt: skip


def trip_choices(trips, empty_label):
    return [("", empty_label)] + [
        (str(t.pk), f"{t.departure_campus} · {t.departure_place} · "
                    f"{timezone.localtime(t.departs_at):%Y-%m-%d %H:%M}")
        for t in trips
    ]  # fmt: skip


class SignupForm(forms.Form):
    """The venue choice on an event page (a venue id, or "online"), and a trip out
    and a trip back if the event has a shuttle."""

    where = forms.ChoiceField(label=_("Where will you attend?"))
    out_trip = forms.ChoiceField(label=_("Shuttle out"), required=False)
    back_trip = forms.ChoiceField(label=_("Shuttle back"), required=False)

    def __init__(self, *args, event, venues, trips=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(v.pk), str(v)) for v in venues]
        if event.has_online:
            choices.append(("online", _("Online")))
        self.fields["where"].choices = choices
        for name, direction in (("out_trip", "out"), ("back_trip", "back")):
            mine = [t for t in trips if t.direction == direction]
            if mine:
                self.fields[name].choices = trip_choices(mine, _("No seat"))
            else:
                del self.fields[name]

    def venue_id(self):
        where = self.cleaned_data["where"]
        return None if where == "online" else int(where)

    def trip_id(self, name):
        value = self.cleaned_data.get(name)
        return int(value) if value else None


def _as_id(value):
    """A row id as posted: ASCII digits that fit a bigint, else None."""
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


class SignupChoiceForm(forms.Form):
    """A sign-up as posted from SignupForm: "online" or a venue id, and a trip out
    and back (ids, optional). Only their shape is checked here: whether the venue
    and the trips are this event's is registration_create's rule, so a sign-up
    does not load the event's venues and trips once for the form and again for
    the service."""

    where = forms.CharField(max_length=20)
    out_trip = forms.CharField(required=False, max_length=20)
    back_trip = forms.CharField(required=False, max_length=20)

    def clean_where(self):
        value = self.cleaned_data["where"]
        if value != "online" and _as_id(value) is None:
            raise forms.ValidationError(_("Choose one of this event's venues."))
        return value

    def _clean_trip(self, name):
        value = self.cleaned_data[name]
        if value in ("", None):
            return None
        trip_id = _as_id(value)
        if trip_id is None:
            raise forms.ValidationError(_("Choose one of this event's shuttle trips."))
        return trip_id

    def clean_out_trip(self):
        return self._clean_trip("out_trip")

    def clean_back_trip(self):
        return self._clean_trip("back_trip")

    def venue_id(self):
        where = self.cleaned_data["where"]
        return None if where == "online" else int(where)

    def trip_id(self, name):
        return self.cleaned_data.get(name)


class TripChoiceForm(forms.Form):
    """Adds, changes or drops the member's seat in one direction."""

    direction = forms.ChoiceField(choices=ShuttleTrip.Direction.choices)
    trip = forms.CharField(required=False, max_length=12)

    def clean_trip(self):
        value = self.cleaned_data["trip"]
        if value in ("", None):
            return None
        if not value.isascii() or not value.isdigit():
            raise forms.ValidationError(_("Choose one of this event's shuttle trips."))
        return int(value)


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
    q = SearchField()
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
        choices=[
            ("", _("Upcoming")),
            ("past", _("Past")),
            ("held", _("Held (ended, not cancelled)")),
        ],
        required=False,
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        readable_blank_choices(self, campus=_("Any"), branch=_("Any"))


class ReportFilterForm(PeriodFilterForm):
    """The participation report's period."""


class FeedResetForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Calendars using the current link stop updating; I will add the new one."),
        required=True,
    )
