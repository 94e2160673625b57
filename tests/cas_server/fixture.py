"""The `cas_server` fixture: django-cas-server started as its own Django process
(tests/cas_server/settings.py, an SQLite file in a temporary folder) on a free
loopback port, with a service pattern for the portal's live server."""

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.request import urlopen

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The portal's live server, on any port: the service the CAS server answers,
# releasing `name` and `email` and sending single sign-out requests.
SERVICE_PATTERN = r"^http://(localhost|127\.0\.0\.1):[0-9]+/accounts/cas/login/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class CasServer:
    url: str
    env: dict

    def manage(self, *args):
        subprocess.run(
            [sys.executable, "-m", "tests.cas_server.seed", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=60,
        )

    def add_user(self, staff_number, password, *, name, email):
        """Makes (or updates) the CAS server's user `staff_number` (a 工号)."""
        self.manage("user", staff_number, password, name, email)

    @property
    def login_url(self):
        return f"{self.url}login"


@pytest.fixture(scope="session")
def cas_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cas-server")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "tests.cas_server.settings",
        "CAS_TEST_DB": str(folder / "cas.sqlite3"),
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    server = CasServer(url="", env=env)
    server.manage("service", SERVICE_PATTERN)
    port = _free_port()
    log = open(folder / "server.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server.url = f"http://127.0.0.1:{port}/cas/"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urlopen(server.login_url, timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    "the test CAS server did not start: " + (folder / "server.log").read_text()
                ) from None
            time.sleep(0.2)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
