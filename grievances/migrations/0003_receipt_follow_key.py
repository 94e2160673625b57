"""Anonymous cases lose every link to a browser session of an account.

1. The stored receipt hash becomes the hash of what a follow cookie holds
   (sha256 of the old value), so a database dump cannot be turned into a cookie.
2. Sessions that remembered anonymous cases ("grievance_receipts", next to an
   account's _auth_user_id) are deleted, with their cached copies: their owners
   sign in again, and follow the case with its receipt code.
"""

from importlib import import_module

from django.conf import settings
from django.db import migrations

OLD_SESSION_KEY = "grievance_receipts"


def forget_receipts_in_sessions(apps, schema_editor):
    store = import_module(settings.SESSION_ENGINE).SessionStore
    Session = apps.get_model("sessions", "Session")
    rows = Session.objects.values_list("session_key", "session_data")
    for session_key, data in rows.iterator():
        if OLD_SESSION_KEY in store().decode(data):
            store(session_key=session_key).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0002_history_append_only"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "UPDATE grievances_grievance "
            "SET receipt_hash = encode(sha256(convert_to(receipt_hash, 'UTF8')), 'hex') "
            "WHERE receipt_hash IS NOT NULL",
        ),  # irreversible: the old value cannot be computed back
        migrations.RunPython(forget_receipts_in_sessions, migrations.RunPython.noop),
    ]
