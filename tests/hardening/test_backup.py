import subprocess
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from grievances import services as grievance_services
from grievances.models import Attachment, Grievance
from notices.models import Notice
from tests.factories import CategoryFactory, GrievanceFactory, fund_notice

ROOT = Path(settings.BASE_DIR)


def _url(name):
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_fresh_database_with_every_case_and_notice(people, branch, tmp_path):
    case = GrievanceFactory(category=CategoryFactory(branch=branch), subject="备份测试诉求")
    grievance_services.grievance_reply(actor=people["officer"], grievance=case, text="历史记录")
    upload = SimpleUploadedFile("证明.pdf", b"%PDF-1.4 backup", content_type="application/pdf")
    attachment = Attachment(grievance=case, token="b" * 32, number=1,
                            content_type="application/pdf", size=15)  # fmt: skip
    attachment.file.save(attachment.token, upload, save=True)
    fund_notice(branch, people["officer"], chair=people["chair"], status="published")
    cases, notices = Grievance.objects.count(), Notice.objects.count()

    restored_files = tmp_path / "restored-private"
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "DATABASE_URL": _url(connection.settings_dict["NAME"]),
        "PORTAL_PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "PORTAL_MEDIA_ROOT": str(tmp_path / "media"),
    }
    subprocess.run(["bash", "scripts/backup.sh", str(tmp_path / "backup")], cwd=ROOT, env=env,
                   check=True, capture_output=True)  # fmt: skip

    fresh = f"{connection.settings_dict['NAME']}_restored"
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        env.update(DATABASE_URL=_url(fresh), PORTAL_PRIVATE_MEDIA_ROOT=str(restored_files))
        subprocess.run(["bash", "scripts/restore.sh", str(tmp_path / "backup")], cwd=ROOT,
                       env=env, check=True, capture_output=True)  # fmt: skip
        with psycopg.connect(_url(fresh)) as db:
            assert db.execute("select count(*) from grievances_grievance").fetchone()[0] == cases
            assert db.execute("select count(*) from notices_notice").fetchone()[0] == notices
            subjects = db.execute("select subject from grievances_grievance").fetchall()
            assert ("备份测试诉求",) in subjects
            # The history is still append-only after a restore.
            with pytest.raises(psycopg.errors.RaiseException):
                db.execute("delete from grievances_grievanceevent")
        restored = restored_files / attachment.file.name
        assert restored.read_bytes() == b"%PDF-1.4 backup"
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_no_session_key_of_the_campus_sign_on(people, tmp_path):
    """django-cas-ng keeps each CAS session's key (the session cookie) beside its
    ticket for single sign-out: in a backup, whoever reads it could take over
    every member signed in through CAS, as django_session's rows would allow."""
    from django_cas_ng.models import ProxyGrantingTicket, SessionTicket

    session_key = "casSessionKey0123456789abcdefghij"
    SessionTicket.objects.create(session_key=session_key, ticket="ST-1-BackedUpTicket")
    ProxyGrantingTicket.objects.create(
        session_key=session_key, user=people["member"], pgtiou="PGTIOU-1", pgt="PGT-1-Secret"
    )
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "DATABASE_URL": _url(connection.settings_dict["NAME"]),
        "PORTAL_PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "PORTAL_MEDIA_ROOT": str(tmp_path / "media"),
    }
    subprocess.run(["bash", "scripts/backup.sh", str(tmp_path / "backup")], cwd=ROOT, env=env,
                   check=True, capture_output=True)  # fmt: skip
    dumped = subprocess.run(
        ["pg_restore", "--data-only", "-f", "-", str(tmp_path / "backup" / "database.dump")],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert "COPY public.members_member" in dumped  # the dump is read
    for secret in (session_key, "BackedUpTicket", "PGT-1-Secret"):
        assert secret not in dumped
