"""The nightly backup (deploy/systemd/union-portal-backup.service) keeps
BACKUP_KEEP_DAYS days of backups: older <timestamp> folders go, nothing else does."""

import subprocess
from datetime import datetime, timedelta

import pytest
from django.db import connection

from tests.deploy.workers import ROOT

STAMP = "%Y%m%d-%H%M%S"


def _backup(backup_dir, tmp_path, keep_days):
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        "PORTAL_PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "PORTAL_MEDIA_ROOT": str(tmp_path / "media"),
        "PORTAL_BACKUP_DIR": str(backup_dir),
        "BACKUP_KEEP_DAYS": keep_days,
    }
    return subprocess.run(["bash", "scripts/backup.sh"], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)  # fmt: skip


@pytest.mark.django_db
def test_backups_older_than_the_kept_days_are_deleted_after_a_new_one(tmp_path):
    backups = tmp_path / "backups"
    now = datetime.now()
    old = backups / (now - timedelta(days=15)).strftime(STAMP)
    recent = backups / (now - timedelta(days=13)).strftime(STAMP)
    other = backups / "before-upgrade"
    for folder in (old, recent, other):
        folder.mkdir(parents=True)
        (folder / "database.dump").write_text("x")

    result = _backup(backups, tmp_path, "14")
    assert result.returncode == 0, result.stderr

    left = sorted(p.name for p in backups.iterdir())
    new = [name for name in left if name not in (recent.name, other.name)]
    assert not old.exists()
    assert recent.exists() and other.exists()
    assert len(new) == 1 and (backups / new[0] / "database.dump").stat().st_size > 1000


@pytest.mark.django_db
def test_a_bad_retention_deletes_nothing(tmp_path):
    backups = tmp_path / "backups"
    old = backups / (datetime.now() - timedelta(days=400)).strftime(STAMP)
    old.mkdir(parents=True)
    result = _backup(backups, tmp_path, "0")
    assert result.returncode == 2 and "BACKUP_KEEP_DAYS" in result.stderr
    assert [p.name for p in backups.iterdir()] == [old.name]
