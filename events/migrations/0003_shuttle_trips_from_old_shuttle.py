from datetime import timedelta

from django.db import migrations


def forwards(apps, schema_editor):
    """Each event's old shuttle becomes one trip out (its departure place and time,
    its seats) and one trip back (from the venue, when the event ends, the same
    seats). A confirmed seat is confirmed on both trips; a waiting one waits on
    both, in the old order (confirmation time, then arrival); a wish that waited
    for a place waits too, and moves up when the place comes."""
    Campus = apps.get_model("members", "Campus")
    Event = apps.get_model("events", "Event")
    Registration = apps.get_model("events", "Registration")
    ShuttleTrip = apps.get_model("events", "ShuttleTrip")
    ShuttleSeat = apps.get_model("events", "ShuttleSeat")
    campuses = list(Campus.objects.order_by("id"))
    if not campuses:
        return
    for event in Event.objects.filter(shuttle_seats__gt=0).order_by("id"):
        venues = list(event.venues.select_related("campus").order_by("id"))
        place = event.shuttle_departure_place or ""
        # The campus the bus leaves from: the one named in its departure place.
        out_campus = next((c for c in campuses if c.name and c.name in place), None)
        if out_campus is None:
            out_campus = venues[0].campus if venues else campuses[0]
        away = [v for v in venues if v.campus_id != out_campus.pk]
        back_venue = away[0] if away else (venues[0] if venues else None)
        departs = event.shuttle_departs_at or event.starts_at - timedelta(hours=1)
        out = ShuttleTrip.objects.create(
            event=event, direction="out", departure_campus=out_campus,
            departure_place=place or "-", departs_at=departs, seats=event.shuttle_seats,
        )  # fmt: skip
        back = ShuttleTrip.objects.create(
            event=event, direction="back",
            departure_campus=back_venue.campus if back_venue else out_campus,
            departure_place=back_venue.place if back_venue else (place or "-"),
            departs_at=max(event.ends_at, departs + timedelta(minutes=1)),
            seats=event.shuttle_seats,
        )  # fmt: skip
        active = ("confirmed", "waitlisted", "attended")
        riders = Registration.objects.filter(event=event, status__in=active).exclude(
            shuttle="none", wants_shuttle=False
        )
        riders = riders.filter(venue__isnull=False).order_by("confirmed_at", "id")
        for registration in riders:
            if registration.shuttle == "none" and not registration.wants_shuttle:
                continue
            status = "confirmed" if registration.shuttle == "confirmed" else "waitlisted"
            for trip in (out, back):
                ShuttleSeat.objects.create(
                    trip=trip, registration=registration, direction=trip.direction,
                    status=status,
                    confirmed_at=registration.confirmed_at if status == "confirmed" else None,
                )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_shuttle_trips"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
