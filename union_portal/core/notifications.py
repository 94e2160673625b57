"""In-portal notifications with an email beside each.

notify() is idempotent on (user, key): the key names the event being told
(e.g. "event-reminder:42:7"), so a retried task or a second call adds nothing.
notify_each() and notify_many() do the same for thousands of rows at once
(reminder batches), a thousand inbox rows per INSERT.

The emails go out from Celery tasks queued on commit, in batches of
NOTIFICATION_EMAIL_BATCH through one open connection each
(notification_send_emails). Each batch is claimed first with a committed,
conditional update, so two workers never send the same email and a worker
that dies holding a claim leaves it to the retry after
NOTIFICATION_EMAIL_RETRY_AFTER. The "emailed" mark is written in the
transaction that is open while the batch is sent and committed the moment
send_messages() returns: a sent email is never sent again, except when the
worker dies between the two (the few microseconds between the send returning
and COMMIT leaving the process, or, on SMTP, while the batch is still being
handed to the server). Then the rows stay claimed but unmarked and go out again
after the retry window: delivery is at least once, never at most once (an
email is never given up because a worker died). Each message carries a
Message-ID made from its row, so such a second copy is the same message to
the mail system.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from itertools import islice
from typing import NamedTuple

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation

from .models import Notification

logger = logging.getLogger(__name__)


def _render(text, language):
    """Renders a (possibly lazy) string in the recipient's language."""
    with translation.override(language):
        return str(text() if callable(text) else text)


def notify(*, user, key: str, subject, body="", url: str = "") -> Notification:
    """Puts a message in the user's inbox and queues its email, once per key.

    `subject` and `body` may be lazy translations or callables; they are
    rendered in the recipient's language.
    """
    existing = Notification.objects.filter(user=user, key=key).first()
    if existing:
        return existing
    language = getattr(user, "language", None) or settings.LANGUAGE_CODE
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                key=key,
                subject=_render(subject, language)[:255],
                body=_render(body, language),
                url=url,
            )
    except IntegrityError:
        # Another process told the same thing first.
        return Notification.objects.get(user=user, key=key)
    if user.email:
        from .tasks import send_notification_email

        # robust: a Redis outage must not fail the request; the sweep sends it later.
        transaction.on_commit(lambda: send_notification_email.delay(notification.pk), robust=True)
    return notification


NOTIFY_CHUNK = 1000


def _language(language):
    return language or settings.LANGUAGE_CODE


def _queue_emails(ids):
    """Queues the emails of these rows on commit, NOTIFICATION_EMAIL_BATCH to a task."""
    from .tasks import send_notification_emails

    batch = settings.NOTIFICATION_EMAIL_BATCH
    batches = [ids[start : start + batch] for start in range(0, len(ids), batch)]
    # robust: a Redis outage must not fail the caller; the sweep sends them later.
    transaction.on_commit(
        lambda: [send_notification_emails.delay(ids) for ids in batches], robust=True
    )


def notify_many(*, users, key: str, subject, body="", url: str = "") -> int:
    """notify() for many accounts at once (20 000 members told a poll is open):
    one query for who has not been told this key, inbox rows a thousand at a
    time rendered once per language, the emails queued on commit. Returns how
    many were told now."""
    left = list(
        users.exclude(notifications__key=key).values_list("pk", "language", "email").order_by("pk")
    )
    told, rendered = 0, {}
    for start in range(0, len(left), NOTIFY_CHUNK):
        chunk = left[start : start + NOTIFY_CHUNK]
        rows = []
        for user_id, language, _email in chunk:
            language = _language(language)
            if language not in rendered:
                rendered[language] = (
                    _render(subject, language)[:255], _render(body, language)
                )  # fmt: skip
            title, text = rendered[language]
            rows.append(Notification(user_id=user_id, key=key, subject=title, body=text, url=url))
        with transaction.atomic():
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            emailed = {user_id for user_id, _language, email in chunk if email}
            ids = list(
                Notification.objects.filter(
                    key=key, user_id__in=emailed, emailed_at__isnull=True
                ).values_list("pk", flat=True)
            )
            _queue_emails(ids)
        told += len(rows)
    return told


class Reader(NamedTuple):
    """The account a Note is for, read as plain values (no User instance needed)."""

    pk: int
    language: str
    email: str


@dataclass(frozen=True)
class Note:
    """One message for notify_each(). `user` has pk, language and email (a User);
    `subject` and `body` may be lazy translations or callables, rendered in the
    user's language."""

    user: object
    key: str
    subject: object
    body: object = ""
    url: str = ""


def notify_each(notes) -> int:
    """notify() for many messages, each with its own text and key (10 000 event
    reminders, each with its member's venue and check-in code): per thousand,
    one query for which (user, key) were told already, the others rendered in
    their user's language (one translation switch per language), one INSERT,
    one query for the ids whose email is due and the emails queued on commit
    in batches. A (user, key) told before, or twice in `notes`, is told once.
    Returns how many were told now."""
    notes, told = iter(notes), 0
    while chunk := list(islice(notes, NOTIFY_CHUNK)):
        told += _notify_chunk(chunk)
    return told


def _told(pairs, *, unsent=False):
    """The rows of these (user id, key) pairs, one index lookup each:
    {(user id, key): id}."""
    if not pairs:
        return {}
    user_ids, keys = zip(*pairs, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT n.user_id, n.key, n.id FROM {Notification._meta.db_table} n "
            "JOIN unnest(%s::bigint[], %s::text[]) AS pair(user_id, key) "
            "ON n.user_id = pair.user_id AND n.key = pair.key"
            + (" WHERE n.emailed_at IS NULL" if unsent else ""),
            [list(user_ids), list(keys)],
        )
        return {(user_id, key): pk for user_id, key, pk in cursor.fetchall()}


def _notify_chunk(notes) -> int:
    before = _told({(note.user.pk, note.key) for note in notes})
    fresh = {}
    for note in notes:
        pair = (note.user.pk, note.key)
        if pair not in before:
            fresh.setdefault(pair, note)
    if not fresh:
        return 0
    by_language = defaultdict(list)
    for note in fresh.values():
        by_language[_language(getattr(note.user, "language", None))].append(note)
    rows = []
    for language, group in by_language.items():
        # A text shared by many notes (one event's subject) is rendered once.
        rendered = {}
        with translation.override(language):
            for note in group:
                texts = []
                for text in (note.subject, note.body):
                    if id(text) not in rendered:
                        rendered[id(text)] = str(text() if callable(text) else text)
                    texts.append(rendered[id(text)])
                rows.append((note.user.pk, note.key, texts[0][:255], texts[1], note.url))
    emailed = {pair for pair, note in fresh.items() if note.user.email}
    with transaction.atomic():
        inserted = _insert(rows)
        # A row another process wrote first in between is not ours to queue: it
        # queued it. Sending is claimed per row in any case.
        _queue_emails(sorted(pk for pk, user_id, key in inserted if (user_id, key) in emailed))
    return len(inserted)


def _insert(rows):
    """One INSERT of (user id, key, subject, body, url) rows, the ones told in
    between left out: [(id, user id, key)] of the rows written. (bulk_create
    with ignore_conflicts returns no ids, and its per-field preparation costs
    more than the rest of a 10 000-reminder batch.)"""
    columns = list(zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Notification._meta.db_table} "
            "(user_id, key, subject, body, url, created_at) "
            "SELECT *, %s FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], "
            "%s::text[]) ON CONFLICT (user_id, key) DO NOTHING RETURNING id, user_id, key",
            [timezone.now(), *(list(column) for column in columns)],
        )
        return cursor.fetchall()


def _email(notification, host) -> EmailMessage:
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{settings.PORTAL_BASE_URL}{notification.url}".strip()
    return EmailMessage(
        subject=notification.subject,
        body=body,
        to=[notification.user.email],
        # One row, one Message-ID: the copy a crash may cause (see above) is the
        # same message to mail servers and clients.
        headers={"Message-ID": f"<notification-{notification.pk}@{host}>"},
    )


def notification_send_emails(*, notification_ids) -> int:
    """Sends the emails of these notifications that are not sent yet, through one
    connection, and marks them sent. Returns how many were sent now.

    1. Claim: one committed conditional update takes the rows nobody has sent
       and nobody holds (or whose holder's claim is older than
       NOTIFICATION_EMAIL_RETRY_AFTER: that worker died).
    2. In one transaction: lock the rows still ours, mark them emailed, hand
       them to one send_messages() call on the open connection, commit.
    A failed send rolls the marks back and releases the claims, so the task's
    retry (or the sweep) sends them. Where the batch failed part-way (a refused
    address, a dropped connection), what went out is unknown: the batch is sent
    again one message at a time at once, so a bad address is retried alone and
    never holds back the others (the messages before it may arrive twice). See
    the module's docstring for a worker killed in between.
    """
    ids = sorted(set(notification_ids))
    if not ids:
        return 0
    now = timezone.now()
    stale = now - settings.NOTIFICATION_EMAIL_RETRY_AFTER
    claimed = (
        Notification.objects.filter(pk__in=ids, emailed_at__isnull=True)
        .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=stale))
        .update(email_claimed_at=now)
    )
    if not claimed:
        return 0
    host = settings.PORTAL_BASE_URL.split("://")[-1].split("/")[0].split(":")[0] or "localhost"
    ours = Notification.objects.filter(
        pk__in=ids, email_claimed_at=now, emailed_at__isnull=True, user__email__gt=""
    )
    connection = get_connection()
    try:
        connection.open()  # once for the batch; raises while the server is down
        try:
            return _send_locked(ours, connection, host)
        except Exception:
            if claimed == 1:
                raise
            logger.warning("An email batch failed part-way; sending it one by one.")
            connection.close()
            connection.open()
            return _send_one_by_one(ours, connection, host)
        finally:
            connection.close()
    except Exception:
        Notification.objects.filter(pk__in=ids, email_claimed_at=now, emailed_at__isnull=True)\
            .update(email_claimed_at=None)  # fmt: skip
        raise


def _send_locked(ours, connection, host) -> int:
    with transaction.atomic():
        rows = list(
            ours.select_for_update(of=("self",))
            .select_related("user")
            .only("pk", "subject", "body", "url", "user__email")
            .order_by("pk")
        )
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed_at=timezone.now())
        if rows:
            connection.send_messages([_email(n, host) for n in rows])
    # Committed: from here on nothing sends these again.
    return len(rows)


def _send_one_by_one(ours, connection, host) -> int:
    sent, failed = 0, None
    for pk in list(ours.order_by("pk").values_list("pk", flat=True)):
        try:
            sent += _send_locked(ours.filter(pk=pk), connection, host)
        except Exception as exc:  # noqa: BLE001 - the others still go; raised below
            failed = exc
    if failed:
        raise failed
    return sent


def notification_send_email(*, notification_id: int) -> bool:
    """Sends a notification's email unless it was sent already. True if sent now."""
    return notification_send_emails(notification_ids=[notification_id]) == 1


def notifications_unsent(*, older_than, limit=5000):
    """Ids of notifications whose email should have gone out by now."""
    return list(
        Notification.objects.filter(
            emailed_at__isnull=True, created_at__lt=older_than, user__email__gt=""
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def notification_mark_read(*, user, notification_id=None) -> int:
    """Marks one of the user's notifications read, or all of them without an id."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
