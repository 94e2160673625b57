"""gunicorn's settings for the portal (deploy/systemd/union-portal-web@.service).

Every value can be changed in /etc/union-portal/union-portal.env. No access log:
Django writes one JSON line per request itself (method, path without query
string, status, duration, user id, request id), see union_portal.core.observability.
"""

import multiprocessing
import os

# Where nginx's upstream reaches this instance; the systemd unit passes --bind
# 127.0.0.1:<port> from its instance name, which overrides this default.
bind = [item.strip() for item in os.environ.get("GUNICORN_BIND", "127.0.0.1:8001").split(",")]
# Sync workers: the portal's views are short database work. 2 x cores + 1 by default.
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
worker_class = "sync"
# nginx buffers uploads and slow clients; a request taking longer than this is
# stuck and its worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (systemctl stop/restart) or SIGHUP (reload), workers finish the
# requests they are serving for up to this long before being killed.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 2
# A worker is replaced after this many requests (a slow leak never grows for ever);
# the jitter keeps them from all restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10
# Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Only nginx on this machine may set X-Forwarded-* for gunicorn.
forwarded_allow_ips = "127.0.0.1"
proc_name = "union-portal-web"
# No runtime control socket (gunicorn 23+ puts one in $HOME, which is the
# read-only checkout here): systemd's signals (reload: HUP, stop: TERM) suffice.
control_socket_disable = True

accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# gunicorn's own lines (start, worker timeouts) as JSON too, like Django's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        }
    },
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    # Replaced by the settings' LOGGING (JSON too) once Django is set up in a worker.
    "root": {"handlers": ["error_console"], "level": "WARNING"},
    "loggers": {
        "gunicorn.error": {"handlers": ["error_console"], "level": loglevel.upper(),
                           "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
}  # fmt: skip
