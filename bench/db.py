"""The benchmark's own databases on the project's PostgreSQL (scripts/services.sh),
created and dropped here so the demo and test databases are never touched."""

import os

import psycopg

PG_PORT = os.environ.get("PORTAL_PG_PORT", "55432")
USER = "union_portal"


def url(name: str) -> str:
    return f"postgres://{USER}@127.0.0.1:{PG_PORT}/{name}"


def conninfo(name: str) -> str:
    return f"host=127.0.0.1 port={PG_PORT} user={USER} dbname={name}"


def connect(name: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(conninfo(name), **kwargs)


def _admin(sql: str) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction.
    with connect("postgres", autocommit=True) as conn:
        conn.execute(sql)


def drop(name: str) -> None:
    # FORCE: a gunicorn or worker killed by a failed run may still hold a connection.
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create(name: str, template: str | None = None) -> None:
    drop(name)
    suffix = f' TEMPLATE "{template}"' if template else ""
    _admin(f'CREATE DATABASE "{name}"{suffix}')
