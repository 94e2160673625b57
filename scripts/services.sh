#!/usr/bin/env bash
# Starts or stops the project's own PostgreSQL cluster and Redis server on
# 127.0.0.1, kept in an ignored folder of the checkout. Starting twice is
# harmless. Usage: services.sh start|stop|status
set -euo pipefail
source "$(dirname "$0")/env.sh"

PG_HOME="$PORTAL_SERVICES_DIR/pg"
REDIS_DIR="$PORTAL_SERVICES_DIR/redis"
REDIS_PID="$PORTAL_SERVICES_DIR/redis/redis.pid"
PG_BIN="$(dirname "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")"

# initdb and postgres refuse to run as root: run them as the postgres user.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The cluster lives in the checkout when the postgres user can reach it there
# (a checkout under a private folder can't be), otherwise under its home.
pick_pg_home() {
  mkdir -p "$PG_HOME"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$PG_HOME"
    if ! runuser -u postgres -- test -w "$PG_HOME"; then
      PG_HOME="$(getent passwd postgres | cut -d: -f6)/union-portal-$(echo "$ROOT" | sha1sum | cut -c1-10)"
      mkdir -p "$PG_HOME" && chown postgres "$PG_HOME"
    fi
  fi
  PGDATA="$PG_HOME/data"
  PGRUN="$PG_HOME"
}

pg_start() {
  pick_pg_home
  if [[ ! -f "$PGDATA/PG_VERSION" ]]; then
    echo "==> creating PostgreSQL cluster in $PGDATA"
    as_pg mkdir -p "$PGDATA"
    as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 \
      --locale=C.UTF-8 >/dev/null
  fi
  if as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    echo "==> PostgreSQL already running on 127.0.0.1:$PORTAL_PG_PORT"
  else
    echo "==> starting PostgreSQL on 127.0.0.1:$PORTAL_PG_PORT"
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PG_HOME/postgres.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $PORTAL_PG_PORT -k $PGRUN -c fsync=off -c max_connections=300" start >/dev/null
  fi
  # The role and database the portal uses; CREATEDB lets the tests make theirs.
  local psql=(psql -h 127.0.0.1 -p "$PORTAL_PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [[ "$("${psql[@]}" -c "select 1 from pg_roles where rolname='union_portal'")" != 1 ]]; then
    "${psql[@]}" -c "create role union_portal login createdb"
  fi
  if [[ "$("${psql[@]}" -c "select 1 from pg_database where datname='union_portal'")" != 1 ]]; then
    "${psql[@]}" -c "create database union_portal owner union_portal"
  fi
}

redis_start() {
  mkdir -p "$REDIS_DIR"
  if redis-cli -h 127.0.0.1 -p "$PORTAL_REDIS_PORT" ping >/dev/null 2>&1; then
    echo "==> Redis already running on 127.0.0.1:$PORTAL_REDIS_PORT"
    return
  fi
  echo "==> starting Redis on 127.0.0.1:$PORTAL_REDIS_PORT"
  redis-server --bind 127.0.0.1 --port "$PORTAL_REDIS_PORT" --daemonize yes \
    --pidfile "$REDIS_PID" --dir "$REDIS_DIR" --logfile "$PORTAL_SERVICES_DIR/redis.log" \
    --save "" --appendonly no --databases 64
  for _ in $(seq 50); do
    redis-cli -h 127.0.0.1 -p "$PORTAL_REDIS_PORT" ping >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "Redis did not start; see $PORTAL_SERVICES_DIR/redis.log" >&2
  exit 1
}

stop_all() {
  pick_pg_home
  if [[ -f "$PGDATA/PG_VERSION" ]] && as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    echo "==> stopping PostgreSQL"
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  if redis-cli -h 127.0.0.1 -p "$PORTAL_REDIS_PORT" ping >/dev/null 2>&1; then
    echo "==> stopping Redis"
    redis-cli -h 127.0.0.1 -p "$PORTAL_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  fi
}

case "${1:-start}" in
  start) pg_start; redis_start ;;
  stop) stop_all ;;
  status)
    pick_pg_home
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" status || true
    redis-cli -h 127.0.0.1 -p "$PORTAL_REDIS_PORT" ping || true ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
