"""A secret ballot cannot be tied to its voter by the shape of the data: what was
voted names nobody and keeps no time, its ids do not follow the order of the
votes, who-voted keeps only the day, and nothing the vote leaves behind (the
worker's log, Redis) carries a ballot's id. Read from the database itself, so a
column added later without thought fails here."""

import logging
import subprocess
import time
import uuid

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

from participation import services
from participation.models import Ballot, BallotAnswer, PollVoter
from tests.hardening.test_backup import ROOT, _url
from tests.waiting import wait_for

from .test_poll_ballots import answers_for, make_poll, voters

TIME_TYPES = ("date", "time", "timestamp", "interval")


def _columns(table):
    """(name, data type, default) of each column, as PostgreSQL describes them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, column_default FROM information_schema.columns "
            "WHERE table_name = %s ORDER BY ordinal_position",
            [table],
        )
        return cursor.fetchall()


def _references(table):
    """column -> the table its foreign key points at."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT kcu.column_name, ccu.table_name
            FROM information_schema.table_constraints tc
            JOIN information_schema.key_column_usage kcu
              ON kcu.constraint_name = tc.constraint_name
            JOIN information_schema.constraint_column_usage ccu
              ON ccu.constraint_name = tc.constraint_name
            WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_name = %s
            """,
            [table],
        )
        return dict(cursor.fetchall())


PEOPLE_TABLES = {"members_member", settings.AUTH_USER_MODEL.replace(".", "_").lower()}


def test_what_was_voted_names_nobody_and_keeps_no_time(db):
    answer = BallotAnswer._meta.db_table
    ballot = Ballot._meta.db_table
    for table in (ballot, answer):
        kinds = {name: kind for name, kind, _ in _columns(table)}
        assert not [n for n, k in kinds.items() if k.startswith(TIME_TYPES)], table
        assert kinds["id"] == "uuid", table
        # Nothing that counts: no serial, no sequence, no default the database fills in.
        assert all("nextval" not in (default or "") for _, _, default in _columns(table))
    assert not set(_references(answer).values()) & PEOPLE_TABLES
    # A ballot's member is there for polls that are not secret only; the database
    # refuses it on a secret poll (test_poll_ballots), and nothing else names a person.
    people = {col for col, target in _references(ballot).items() if target in PEOPLE_TABLES}
    assert people == {"member_id"}
    assert set(_references(answer).values()) == {
        ballot,
        "participation_pollquestion",
        "participation_polloption",
    }


def test_who_voted_keeps_only_the_day(db):
    columns = {name: kind for name, kind, _ in _columns(PollVoter._meta.db_table)}
    assert columns == {"id": "bigint", "voted_on": "date", "poll_id": "bigint",
                       "member_id": "bigint"}  # fmt: skip


def test_ballot_ids_are_random_not_in_the_order_of_the_votes(branch):
    poll = make_poll(branch, voters(branch, 1)[0])
    crowd = voters(branch, 12)
    cast = [
        services.poll_vote(actor=user, poll=poll, answers=answers_for(poll, k % 2, text=f"意见{k}"))
        for k, user in enumerate(crowd)
    ]
    ids = [ballot.id for ballot in cast]
    assert all(isinstance(i, uuid.UUID) and i.version == 4 for i in ids)
    # In the order the database lists them (by id), the ballots are shuffled: 12
    # votes in the order cast (or its reverse) by chance is 2 in 479 001 600.
    listed = list(Ballot.objects.filter(poll=poll).values_list("id", flat=True))
    assert listed == sorted(ids) and listed not in (ids, ids[::-1])
    texts = list(BallotAnswer.objects.filter(ballot__poll=poll, question__kind="text"))
    order = [int(a.text.removeprefix("意见")) for a in texts]
    assert order not in (list(range(12)), list(range(11, -1, -1)))


@pytest.mark.django_db(transaction=True)
def test_a_vote_leaves_no_ballot_id_in_the_log_or_redis(branch, celery_worker, caplog):
    poll = make_poll(branch, voters(branch, 1)[0])
    crowd = voters(branch, 5)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    with caplog.at_level(logging.DEBUG):
        cast = [
            services.poll_vote(actor=user, poll=poll, answers=answers_for(poll, text="无"))
            for user in crowd
        ]
        # Whatever the votes queued (thanks, reminders…) is done by the worker.
        assert wait_for(lambda: broker.llen("celery") == 0, 30)
        time.sleep(1)
    ids = {str(b.id) for b in cast} | {str(b.id.hex) for b in cast}
    ids |= {str(a) for a in BallotAnswer.objects.filter(ballot__in=cast).values_list("id", flat=1)}
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not [i for i in ids if i in logged]
    urls = {settings.CACHES["default"]["LOCATION"], settings.CELERY_BROKER_URL}
    for url in urls:
        store = redis.Redis.from_url(url)
        for key in store.scan_iter(count=500):
            text = key.decode(errors="replace")
            if store.type(key) == b"string":
                text += (store.get(key) or b"").decode(errors="replace")
            elif store.type(key) == b"list":
                text += b"".join(store.lrange(key, 0, -1)).decode(errors="replace")
            assert not [i for i in ids if i in text], key


@pytest.mark.django_db(transaction=True)
def test_a_backup_lists_ballots_in_no_order_that_follows_the_votes(branch, tmp_path):
    """PostgreSQL keeps rows in the order they were written and pg_dump copies a
    table in that order: the n-th ballot in a dump would be the n-th voter row. The
    backup writes what was voted ordered by its random ids instead, and a restore
    brings every ballot back."""
    poll = make_poll(branch, voters(branch, 1)[0])
    crowd = voters(branch, 12)
    cast = [
        services.poll_vote(actor=user, poll=poll, answers=answers_for(poll, text=f"意见{k}")).id
        for k, user in enumerate(crowd)
    ]
    with connection.cursor() as cursor:
        # What pg_dump alone would write: the table in storage order, i.e. as cast.
        with cursor.copy("COPY participation_ballot (id, poll_id) TO STDOUT") as copy:
            stored = [uuid.UUID(row[0]) for row in copy.rows() if int(row[1]) == poll.pk]
    assert stored == cast

    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "DATABASE_URL": _url(connection.settings_dict["NAME"]),
        "PORTAL_PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "PORTAL_MEDIA_ROOT": str(tmp_path / "media"),
    }
    backup = tmp_path / "backup"
    subprocess.run(["bash", "scripts/backup.sh", str(backup)], cwd=ROOT, env=env,
                   check=True, capture_output=True)  # fmt: skip
    dumped = subprocess.run(
        ["pg_restore", "--data-only", "--table=participation_ballot", "--file=-",
         str(backup / "database.dump")],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert not [str(i) for i in cast if str(i) in dumped]
    written = [
        uuid.UUID(line.split("\t")[0])
        for line in (backup / "participation_ballot.copy").read_text().splitlines()
    ]
    assert written == sorted(cast) != cast

    fresh = f"{connection.settings_dict['NAME']}_ballots"
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        env.update(DATABASE_URL=_url(fresh))
        subprocess.run(["bash", "scripts/restore.sh", str(backup)], cwd=ROOT, env=env,
                       check=True, capture_output=True)  # fmt: skip
        with psycopg.connect(_url(fresh)) as db:
            ballots = db.execute("select count(*) from participation_ballot").fetchone()[0]
            texts = db.execute(
                "select count(*) from participation_ballotanswer where text like '意见%%'"
            ).fetchone()[0]
        assert (ballots, texts) == (12, 12)
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
