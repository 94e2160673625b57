"""iCalendar (RFC 5545) for events: small enough to write by hand."""

from datetime import UTC, timedelta

from django.utils import timezone


def _escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > 75:
            out.append(current.decode())
            current = b" "
        current += encoded
    out.append(current.decode())
    return "\r\n".join(out)


def _utc(dt) -> str:
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def vevent(event, *, url: str, location: str, host: str, extra_lines=()) -> list[str]:
    description = "\n".join([*extra_lines, event.description]) if extra_lines else event.description
    lines = [
        "BEGIN:VEVENT",
        f"UID:event-{event.pk}@{host}",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{_escape(event.title)}",
        f"LOCATION:{_escape(location)}",
        f"DESCRIPTION:{_escape(description)}",
        f"URL:{url}",
    ]
    if event.status == event.Status.CANCELLED:
        lines.append("STATUS:CANCELLED")
    lines.append("END:VEVENT")
    return lines


def trip_vevent(seat, *, event, url: str, host: str, summary: str) -> list[str]:
    """A member's shuttle trip as its own calendar entry, at its departure time
    and place (an hour long: the campuses are about that far apart)."""
    trip = seat.trip
    lines = [
        "BEGIN:VEVENT",
        f"UID:shuttle-{trip.pk}-{seat.registration_id}@{host}",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"DTSTART:{_utc(trip.departs_at)}",
        f"DTEND:{_utc(trip.departs_at + timedelta(hours=1))}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(f'{trip.departure_campus} · {trip.departure_place}')}",
        f"URL:{url}",
    ]
    if event.status == event.Status.CANCELLED:
        lines.append("STATUS:CANCELLED")
    lines.append("END:VEVENT")
    return lines


def calendar(vevents: list[list[str]], name: str) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Union Portal//Events//ZH",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for event_lines in vevents:
        lines.extend(event_lines)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()
