#!/usr/bin/env bash
# Starts or stops the Celery worker and beat that `make demo` runs in the background.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
RUN="$PORTAL_SERVICES_DIR/run"
mkdir -p "$RUN"

is_running() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

case "${1:-start}" in
  start)
    if ! is_running "$RUN/celery-worker.pid"; then
      echo "==> starting Celery worker"
      "$VENV/bin/celery" -A union_portal worker --loglevel=INFO --concurrency=2 \
        --pidfile="$RUN/celery-worker.pid" --logfile="$PORTAL_SERVICES_DIR/celery-worker.log" --detach
    fi
    if ! is_running "$RUN/celery-beat.pid"; then
      echo "==> starting Celery beat"
      "$VENV/bin/celery" -A union_portal beat --loglevel=INFO \
        --schedule="$PORTAL_SERVICES_DIR/celerybeat-schedule" \
        --pidfile="$RUN/celery-beat.pid" --logfile="$PORTAL_SERVICES_DIR/celery-beat.log" --detach
    fi
    ;;
  stop)
    for name in celery-beat celery-worker; do
      if is_running "$RUN/$name.pid"; then
        echo "==> stopping $name"
        pid="$(cat "$RUN/$name.pid")"
        kill -TERM "$pid"
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      fi
    done
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
