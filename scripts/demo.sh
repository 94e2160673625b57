#!/usr/bin/env bash
# Sets everything up and runs the portal with demo data on 0.0.0.0:$PORTAL_HTTP_PORT,
# with a Celery worker and beat beside it. Ctrl-C stops the web server; `make stop`
# stops the rest.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/services.sh start

export DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS:-$(demo_allowed_hosts)}"
export EMAIL_FILE_PATH="${EMAIL_FILE_PATH:-$PORTAL_SERVICES_DIR/mail}"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py collectstatic --noinput -v 0
bash scripts/celery.sh start
"$PY" manage.py demo_data
host_ip="$(hostname -I 2>/dev/null | awk '{print $1}')"
echo
echo "==> Union Portal: http://127.0.0.1:$PORTAL_HTTP_PORT/ ${host_ip:+(on your network: http://$host_ip:$PORTAL_HTTP_PORT/)}"
echo "    Emails (sign-up verification, password reset, notifications) are written as files"
echo "    to $EMAIL_FILE_PATH/ (set EMAIL_HOST to send them by SMTP)."
exec "$PY" manage.py runserver "0.0.0.0:$PORTAL_HTTP_PORT" --noreload
