"""The topology a university grows into, on this machine, as real processes:
nginx (TLS, configured from deploy/nginx/union-portal.conf) in front of two
gunicorn instances, one PostgreSQL database of its own (committed data, not
the test's transactional one), one Redis (two databases of its own), two Celery
workers and one beat (the test starts a second one by mistake).

Needs nginx and openssl (scripts/setup.sh installs them for `make test`)."""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_PORT = os.environ.get("PORTAL_PG_PORT", "55432")
REDIS_PORT = os.environ.get("PORTAL_REDIS_PORT", "56379")
# Redis databases of its own (the demo has 0/1, bench 3/4, the tests 14/15).
BROKER_URL = os.environ.get("TOPOLOGY_REDIS_URL", f"redis://127.0.0.1:{REDIS_PORT}/10")
CACHE_URL = os.environ.get("TOPOLOGY_CACHE_URL", f"redis://127.0.0.1:{REDIS_PORT}/11")
MEMBERS = 2_000  # 2 000 reminders; the first 500 race, the next 400 sign up in the failover
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = pytest.mark.topology


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, what, every=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout} s")


class Process:
    """One server process in its own process group (SIGKILL takes a gunicorn
    master and its workers down at once, as a crashed machine would)."""

    def __init__(self, name, argv, env, log: Path):
        self.name, self.log = name, log
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
            )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self):
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


class Topology:
    def __init__(self, tmp: Path, dbname: str):
        self.tmp, self.dbname = tmp, dbname
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self.outbox = tmp / "outbox.jsonl"
        self.probes = tmp / "probes.log"
        self.static = tmp / "static"
        self.http_port, self.https_port = free_port(), free_port()
        self.app_ports = {"app-a": free_port(), "app-b": free_port()}
        self.processes: dict[str, Process] = {}
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TEST_")},
            "DJANGO_SETTINGS_MODULE": "tests.topology.app_settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"postgres://union_portal@127.0.0.1:{PG_PORT}/{dbname}",
            "REDIS_URL": BROKER_URL,
            "CACHE_URL": CACHE_URL,
            # One key for every app server: a session signed by one is read by the other.
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_DEBUG": "0",
            "PORTAL_PRODUCTION": "1",
            "PORTAL_TRUSTED_PROXY_COUNT": "1",
            "PORTAL_MANIFEST_STATIC": "1",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # nginx passes Host without the port; the test's HTTPS port is not 443.
            "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{self.https_port}",
            "BENCH_STATIC_ROOT": str(self.static),
            "BENCH_OUTBOX": str(self.outbox),
            "TOPOLOGY_PROBES": str(self.probes),
            "LOG_LEVEL": "WARNING",
        }

    # --- set-up ---------------------------------------------------------------------

    def manage(self, *args, **kwargs):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, **kwargs
        )

    def start(self, name, argv, extra_env=None):
        env = {**self.env, "TOPOLOGY_PROCESS": name, **(extra_env or {})}
        self.processes[name] = Process(name, argv, env, self.logs / f"{name}.log")
        return self.processes[name]

    def start_gunicorn(self, name):
        self.start(
            name,
            [str(BIN / "gunicorn"), "union_portal.wsgi",
             "--bind", f"127.0.0.1:{self.app_ports[name]}",
             "--workers", "2", "--worker-class", "sync", "--log-level", "warning"],
            {"PORTAL_INSTANCE": name},
        )  # fmt: skip

    def start_worker(self, name):
        self.start(
            name,
            [str(BIN / "celery"), "-A", "union_portal", "worker", "--pool", "prefork",
             "--concurrency", "2", "--loglevel", "INFO", "--hostname", f"topology-{name}@%h",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
        )  # fmt: skip

    def start_beat(self, name):
        self.start(
            name,
            [str(BIN / "celery"), "-A", "union_portal", "beat", "--loglevel", "INFO",
             "--schedule", str(self.tmp / f"{name}-schedule")],
        )  # fmt: skip

    def probe_lines(self) -> list[str]:
        return self.probes.read_text().splitlines() if self.probes.exists() else []

    def wait_ready(self, *names, timeout=90):
        def ready():
            for name in names:
                if not self.processes[name].alive():
                    raise AssertionError(f"{name} exited; see {self.logs / (name + '.log')}")
            return all(f"{name} ready" in self.probe_lines() for name in names)

        wait_for(ready, timeout, f"{', '.join(names)} ready")

    def app_answers(self, name) -> bool:
        if not self.processes[name].alive():
            raise AssertionError(f"{name} exited; see {self.logs / (name + '.log')}")
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.app_ports[name]}/floor/",
            headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    def certificate(self):
        self.cert, self.key = self.tmp / "cert.pem", self.tmp / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(self.key), "-out", str(self.cert)],
            check=True, capture_output=True,
        )  # fmt: skip

    def nginx_config(self) -> Path:
        """deploy/nginx/union-portal.conf with this machine's ports and paths, inside
        a main configuration like Debian's /etc/nginx/nginx.conf."""
        site = (ROOT / "deploy" / "nginx" / "union-portal.conf").read_text()
        prefix = self.tmp / "nginx"
        for sub in ("logs", "temp", "acme"):
            (prefix / sub).mkdir(parents=True)
        a, b = self.app_ports["app-a"], self.app_ports["app-b"]
        for old, new in {
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "listen [::]:80;": "",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.https_port} ssl http2;",
            "listen [::]:443 ssl http2;": "",
            "server 127.0.0.1:8001 ": f"server 127.0.0.1:{a} ",
            "server 127.0.0.1:8002 ": f"server 127.0.0.1:{b} ",
            "/etc/ssl/union-portal/fullchain.pem": str(self.cert),
            "/etc/ssl/union-portal/privkey.pem": str(self.key),
            "/srv/union-portal/.services/staticfiles/": f"{self.static}/",
            "/var/log/nginx/": f"{prefix}/logs/",
            "/var/www/letsencrypt": f"{prefix}/acme",
        }.items():
            assert old in site, f"deploy/nginx/union-portal.conf no longer has {old!r}"
            site = site.replace(old, new)
        (prefix / "union-portal.conf").write_text(site)
        temp = prefix / "temp"
        main = f"""
# As root, nginx's workers would switch to `nobody`, who cannot read the test's
# private temporary folder; Debian's nginx.conf says `user www-data;`.
{"user root root;" if os.geteuid() == 0 else ""}
worker_processes 2;
worker_rlimit_nofile 8192;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    access_log {prefix}/logs/access.log;
    include {prefix}/union-portal.conf;
}}
"""
        (prefix / "nginx.conf").write_text(main)
        return prefix

    def start_nginx(self):
        prefix = self.nginx_config()
        argv = [NGINX, "-p", f"{prefix}/", "-c", f"{prefix}/nginx.conf",
                "-e", f"{prefix}/logs/error.log"]  # fmt: skip
        check = subprocess.run([*argv, "-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.start("nginx", [*argv, "-g", "daemon off;"])

        def answers():
            if not self.processes["nginx"].alive():
                raise AssertionError(f"nginx exited: {(prefix / 'logs/error.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.https_port), timeout=1):
                    return True
            except OSError:
                return False

        wait_for(answers, 30, "nginx listening")
        self.nginx_logs = prefix / "logs"

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def stop(self):
        for process in reversed(list(self.processes.values())):
            process.stop()


def _redis_flush():
    import redis

    for url in (BROKER_URL, CACHE_URL):
        redis.Redis.from_url(url).flushdb()


def _create_database(dbname, source, topology):
    """A copy of the migrated test database (seconds), or else a migrated one."""
    from bench import db

    try:
        db.create(dbname, template=source)
    except Exception:  # another session still connected to the template
        db.create(dbname)
        topology.manage("migrate", "--noinput", "-v", "0")


@pytest.fixture(scope="module")
def topology(django_db_setup, django_db_blocker, tmp_path_factory):
    if not shutil.which("nginx") and not os.path.exists(NGINX):
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: scripts/setup.sh --with-topology installs it")
        pytest.skip("nginx is not installed (scripts/setup.sh --with-topology)")
    from django.db import connection, connections

    with django_db_blocker.unblock():
        source = connection.settings_dict["NAME"]
    connections.close_all()
    dbname = f"{source}_topology"
    tmp = tmp_path_factory.mktemp("topology")
    topology = Topology(tmp, dbname)
    figures = topology.figures = {}
    started = time.monotonic()
    _redis_flush()
    try:
        _create_database(dbname, source, topology)
        figures["database (a copy of the test database)"] = time.monotonic() - started
        t0 = time.monotonic()
        topology.manage("collectstatic", "--noinput", "-v", "0")
        figures["collectstatic"] = time.monotonic() - t0
        t0 = time.monotonic()
        seeded = subprocess.run(
            [sys.executable, "-m", "tests.topology.seed", str(MEMBERS)],
            cwd=ROOT, env=topology.env, capture_output=True, text=True,
        )  # fmt: skip
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        topology.data = json.loads(seeded.stdout.strip().splitlines()[-1])
        figures["members, accounts, sessions, events"] = time.monotonic() - t0
        t0 = time.monotonic()
        topology.certificate()
        for name in ("app-a", "app-b"):
            topology.start_gunicorn(name)
        for name in ("worker-a", "worker-b"):
            topology.start_worker(name)
        topology.start_beat("beat-a")
        wait_for(lambda: all(map(topology.app_answers, ("app-a", "app-b"))), 90, "gunicorn")
        topology.start_nginx()
        topology.wait_ready("worker-a", "worker-b", "beat-a")
        figures["processes started"] = time.monotonic() - t0
        yield topology
    finally:
        topology.stop()
        from bench import db

        db.drop(dbname)
        _redis_flush()


def log_tail(path: Path, lines=20) -> str:
    try:
        return "\n".join(path.read_text().splitlines()[-lines:])
    except FileNotFoundError:
        return ""


# The access log's "up=<addresses> ups=<statuses> rt=" (union-portal.conf's log_format).
UPSTREAMS = re.compile(r" up=(.*?) ups=(.*?) rt=")
