import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Branch, Campus, Member


class Event(models.Model):
    """A union activity of one branch, possibly open to members of every branch."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    class Category(models.TextChoices):
        SPORTS = "sports", _("Sports")
        CULTURE = "culture", _("Culture and arts")
        OUTING = "outing", _("Outing")
        LECTURE = "lecture", _("Lecture or training")
        CARE = "care", _("Care and wellbeing")
        OTHER = "other", _("Other")

    # status -> the statuses it may move to
    TRANSITIONS = {
        Status.DRAFT: {Status.PUBLISHED, Status.CANCELLED},
        Status.PUBLISHED: {Status.CANCELLED},
        Status.CANCELLED: set(),
    }

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="events", verbose_name=_("branch")
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    category = models.CharField(
        _("category"), max_length=12, choices=Category.choices, default=Category.OTHER
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    signup_opens_at = models.DateTimeField(_("sign-up opens"))
    signup_closes_at = models.DateTimeField(_("sign-up closes"))
    cancel_deadline = models.DateTimeField(_("cancellation deadline"))
    open_to_all_branches = models.BooleanField(_("open to members of every branch"), default=False)
    online_url = models.URLField(
        _("online attendance link"),
        blank=True,
        help_text=_(
            "Leave empty if the event cannot be followed online. Shown to registered members only."
        ),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="event_status_start_idx"),
            models.Index(fields=["branch", "starts_at"], name="event_branch_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="event_ends_after_start"),
        ]  # fmt: skip

    def __str__(self):
        return self.title

    @property
    def has_online(self):
        return bool(self.online_url)

    def signup_is_open(self, now=None):
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.signup_opens_at <= now <= self.signup_closes_at
            and now < self.starts_at
        )


class Venue(models.Model):
    """Where an event takes place on one campus, with its own capacity."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="venues")
    campus = models.ForeignKey(
        Campus, on_delete=models.PROTECT, related_name="+", verbose_name=_("campus")
    )
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveIntegerField(_("capacity"))

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["id"]

    def __str__(self):
        return f"{self.campus} · {self.place}"


def new_checkin_code():
    # 10 characters from an alphabet without look-alikes: typed on a phone.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")

    ACTIVE = (Status.CONFIRMED, Status.WAITLISTED, Status.ATTENDED)
    HOLDS_PLACE = (Status.CONFIRMED, Status.ATTENDED)
    TRANSITIONS = {
        Status.WAITLISTED: {Status.CONFIRMED, Status.CANCELLED},
        Status.CONFIRMED: {Status.CANCELLED, Status.ATTENDED},
        Status.ATTENDED: set(),
        Status.CANCELLED: set(),
    }

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="registrations")
    venue = models.ForeignKey(
        Venue,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="registrations",
        help_text=_("Empty for online attendance."),
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    checkin_code = models.CharField(max_length=12, unique=True, default=new_checkin_code)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "member"],
                condition=Q(status__in=["confirmed", "waitlisted", "attended"]),
                name="one_active_registration_per_member",
                violation_error_message=_("You are already registered for this event."),
            ),
        ]
        indexes = [
            models.Index(fields=["venue", "status", "id"], name="registration_queue_idx"),
            models.Index(fields=["member", "status"], name="registration_member_idx"),
        ]

    def __str__(self):
        return f"{self.member_id} @ {self.event_id}: {self.status}"

    @property
    def is_online(self):
        return self.venue_id is None


class ShuttleTrip(models.Model):
    """One shuttle run of an event: out to the event or back from it, leaving
    one campus at one time from one place, with its own seats."""

    class Direction(models.TextChoices):
        OUT = "out", _("Out")
        BACK = "back", _("Back")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="trips")
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    departure_campus = models.ForeignKey(
        Campus, on_delete=models.PROTECT, related_name="+", verbose_name=_("departure campus")
    )
    departure_place = models.CharField(_("departure place"), max_length=200)
    departs_at = models.DateTimeField(_("departs"))
    seats = models.PositiveIntegerField(_("seats"))

    class Meta:
        verbose_name = _("shuttle trip")
        verbose_name_plural = _("shuttle trips")
        ordering = ["event_id", "-direction", "departs_at", "id"]  # out before back

    def __str__(self):
        return f"{self.get_direction_display()} · {self.departure_campus} · {self.departure_place}"

    def opens_to_everyone_at(self):
        """Until then only members coming from another campus than their venue's may
        take a seat (PORTAL_SHUTTLE_PRIORITY_HOURS before departure)."""
        return self.departs_at - timedelta(hours=settings.PORTAL_SHUTTLE_PRIORITY_HOURS)


class ShuttleSeat(models.Model):
    """A registration's seat on a trip, or its place in the trip's waiting list
    (arrival order is the id). One seat per registration and direction."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Seat confirmed")
        WAITLISTED = "waitlisted", _("On the seat waiting list")

    trip = models.ForeignKey(ShuttleTrip, on_delete=models.CASCADE, related_name="passengers")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="seats")
    direction = models.CharField(max_length=4, choices=ShuttleTrip.Direction.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("shuttle seat")
        verbose_name_plural = _("shuttle seats")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "direction"], name="one_seat_per_registration_direction"
            ),
        ]
        indexes = [models.Index(fields=["trip", "status", "id"], name="shuttle_seat_queue_idx")]

    def __str__(self):
        return f"{self.registration_id} @ trip {self.trip_id}: {self.status}"
