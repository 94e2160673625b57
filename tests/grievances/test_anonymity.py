"""Nothing ties an anonymous case to a person: not the session of the account that
was signed in when it was filed, not the cache, not a minute on a page, not a backup."""

import importlib
import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX, SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grievances import services
from grievances.models import Grievance, GrievanceEvent, receipt_key
from tests.factories import CategoryFactory, UserFactory
from union_portal.core.tasks import clear_expired_sessions

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
SUBJECT = "处长克扣加班费"


@pytest.fixture
def category(branch, people):
    return CategoryFactory(branch=branch, name="薪酬", default_assignee=people["officer"])


def file_anonymously(client, category):
    return client.post(
        reverse("grievances:file"),
        {"kind": "grievance", "category": category.pk, "subject": SUBJECT,
         "description": "三个月未发。", "confidentiality": "anonymous"},
    )  # fmt: skip


def session_row(client):
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return Session.objects.filter(session_key=key).values_list("expire_date", "session_data").get()


def redis_everything():
    """Every key and value of the cache's Redis database, as bytes."""
    redis = cache._cache.get_client(None)
    found = []
    for key in redis.scan_iter():
        found.append(key)
        if redis.type(key) == b"string":
            found.append(redis.get(key) or b"")
    return b"\n".join(found)


def test_filing_anonymously_while_signed_in_leaves_the_account_session_untouched(people, category):
    client = Client()
    client.login(username=people["member"].username, password="correct-horse-battery")
    client.get(reverse("grievances:file"))  # the session as the member browses
    before = session_row(client)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    cached_before = cache.get(KEY_PREFIX + session_key)

    response = file_anonymously(client, category)
    receipt = response.context["receipt"]
    grievance = Grievance.objects.get()
    detail = reverse("grievances:detail", args=[grievance.pk])
    # The filer follows the case from this browser, writes, and lists their cases.
    assert client.get(detail).status_code == 200
    client.post(reverse("grievances:action", args=[grievance.pk, "message"]), {"text": "补充"})
    assert grievance.pk in [c.pk for c in client.get(reverse("grievances:mine")).context["page"]]

    assert session_row(client) == before  # expire_date and session_data, to the microsecond
    assert cache.get(KEY_PREFIX + session_key) == cached_before
    stored = redis_everything()
    for secret in (SUBJECT, grievance.receipt_hash, receipt_key(receipt), "grievance_receipts"):
        assert secret.encode() not in stored
    assert not GrievanceEvent.objects.filter(grievance=grievance, actor__isnull=False).exists()

    cookie = response.cookies[settings.GRIEVANCE_FOLLOW_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/grievances/"
    assert not cookie["max-age"] and not cookie["expires"]  # gone when the browser closes
    # Neither the code nor what the database holds: a stolen backup opens nothing.
    assert receipt.replace("-", "") not in cookie.value.upper()
    assert grievance.receipt_hash not in cookie.value


def test_the_follow_cookie_is_secure_in_production_and_a_stored_hash_is_no_key(
    people, category, settings
):
    settings.SESSION_COOKIE_SECURE = True
    client = Client()
    client.force_login(people["member"])
    response = file_anonymously(client, category)
    assert response.cookies[settings.GRIEVANCE_FOLLOW_COOKIE]["secure"]
    grievance = Grievance.objects.get()
    stranger = Client()
    stranger.cookies[settings.GRIEVANCE_FOLLOW_COOKIE] = grievance.receipt_hash
    assert stranger.get(reverse("grievances:detail", args=[grievance.pk])).status_code == 302
    stranger.cookies[settings.GRIEVANCE_FOLLOW_COOKIE] = receipt_key(response.context["receipt"])
    assert stranger.get(reverse("grievances:detail", args=[grievance.pk])).status_code == 200


def test_officers_see_the_day_not_the_minute_of_an_anonymous_filers_steps(client, people, category):
    client.force_login(people["member"])
    receipt = file_anonymously(client, category).context["receipt"]
    grievance = Grievance.objects.get()
    filed = datetime(2026, 3, 4, 14, 37, tzinfo=SHANGHAI)
    Grievance.objects.filter(pk=grievance.pk).update(filed_at=filed)
    with connection.cursor() as cursor:  # history is append-only: place it in time in SQL
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE grievances_grievanceevent DISABLE TRIGGER USER")
        GrievanceEvent.objects.filter(grievance=grievance).update(created_at=filed)
        cursor.execute("ALTER TABLE grievances_grievanceevent ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    services.grievance_reply(actor=people["officer"], grievance=grievance, text="已收到")
    reply_time = timezone.localtime(grievance.events.get(kind="reply").created_at)

    for role in ("officer", "chair"):
        client.force_login(people[role])
        page = client.get(reverse("grievances:detail", args=[grievance.pk])).content.decode()
        assert "2026-03-04" in page and "14:37" not in page
        assert reply_time.strftime("%H:%M") in page  # a handler's own step keeps its minute
        queue = client.get(reverse("grievances:queue")).content.decode()
        assert "2026-03-04" in queue and "14:37" not in queue
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    for url in (
        reverse("admin:grievances_grievance_changelist"),
        reverse("admin:grievances_grievance_change", args=[grievance.pk]),
    ):
        page = client.get(url).content.decode()
        assert "14:37" not in page and "2026-03-04" in page, url
    assert receipt  # the filer keeps the only link


def test_a_beat_task_clears_expired_sessions(people):
    from union_portal.celery import app

    expired, live = SessionStore(), SessionStore()
    expired["_auth_user_id"] = str(people["member"].pk)
    expired.set_expiry(-60)
    expired.create()
    live.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    jobs = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "core.clear_expired_sessions" in jobs and "core.clear_expired_sessions" in app.tasks
    clear_expired_sessions.apply().get()
    keys = set(Session.objects.values_list("session_key", flat=True))
    assert expired.session_key not in keys and live.session_key in keys


def test_sessions_that_remembered_anonymous_cases_are_deleted_by_the_migration(people):
    linked, other = SessionStore(), SessionStore()
    linked.update({"_auth_user_id": str(people["member"].pk), "grievance_receipts": [68]})
    linked.create()
    other["_auth_user_id"] = str(people["officer"].pk)
    other.create()
    assert cache.get(KEY_PREFIX + linked.session_key) is not None
    migration = importlib.import_module("grievances.migrations.0003_receipt_follow_key")
    migration.forget_receipts_in_sessions(apps, connection.schema_editor())
    keys = set(Session.objects.values_list("session_key", flat=True))
    assert linked.session_key not in keys and other.session_key in keys
    assert cache.get(KEY_PREFIX + linked.session_key) is None


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_no_session(people, tmp_path):
    store = SessionStore()
    store["_auth_user_id"] = str(people["member"].pk)
    store.create()
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "DATABASE_URL": url,
           "PORTAL_PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
           "PORTAL_MEDIA_ROOT": str(tmp_path / "media")}  # fmt: skip
    subprocess.run(["bash", "scripts/backup.sh", str(tmp_path / "backup")], cwd=settings.BASE_DIR,
                   env=env, check=True, capture_output=True)  # fmt: skip
    sessions = subprocess.run(
        ["pg_restore", "--data-only", "--table=django_session", "--file=-",
         str(tmp_path / "backup" / "database.dump")],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert store.session_key not in sessions
    listing = subprocess.run(["pg_restore", "--list", str(tmp_path / "backup" / "database.dump")],
                             check=True, capture_output=True, text=True).stdout  # fmt: skip
    assert "TABLE public django_session" in listing  # the table itself is kept, empty


@pytest.mark.parametrize("confidentiality", ["confidential", "anonymous"])
def test_the_subject_of_a_non_named_case_stays_out_of_the_page_title(
    client, people, category, confidentiality
):
    """Browser history and tab lists keep titles, on shared computers too."""
    client.force_login(people["member"])
    client.post(
        reverse("grievances:file"),
        {"kind": "grievance", "category": category.pk, "subject": SUBJECT,
         "description": "三个月未发。", "confidentiality": confidentiality},
    )  # fmt: skip
    grievance = Grievance.objects.get()
    client.force_login(people["chair"])
    page = client.get(reverse("grievances:detail", args=[grievance.pk])).content.decode()
    title = page[page.index("<title>") : page.index("</title>")]
    assert SUBJECT not in title and f"#{grievance.pk}" in title
    assert SUBJECT in page  # the handler reads it on the page
