"""gunicorn with deploy/gunicorn.conf.py, as union-portal-web@.service starts it:
it serves, writes no access log of its own, and each request is one JSON line."""

import json
import signal
import subprocess
import sys
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from tests.deploy.workers import ROOT, free_port, production_env
from tests.waiting import wait_for


def _get(url, **headers):
    try:
        with urlopen(Request(url, headers=headers), timeout=10) as response:
            return response.status, response.read()
    except HTTPError as error:
        return error.code, error.read()
    except OSError:
        return None, b""


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_with_one_json_line_per_request_and_stops_gracefully(tmp_path):
    port = free_port()
    log = (tmp_path / "web.log").open("w")
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "union_portal.wsgi:application"],
        cwd=ROOT, env=production_env(GUNICORN_WORKERS="2", PYTHONWARNINGS="ignore::UserWarning"),
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_for(lambda: _get(f"{url}/notices/")[0] == 200, 30), (
            tmp_path / "web.log"
        ).read_text()
        status, body = _get(f"{url}/healthz?token=abc", **{"X-Request-ID": "gunicorn-test-1"})
        assert status in (200, 503) and set(json.loads(body)["checks"]) >= {"database", "broker"}
    finally:
        web.send_signal(signal.SIGTERM)
        assert web.wait(timeout=40) == 0
        log.close()
    lines = (tmp_path / "web.log").read_text().splitlines()
    # (Python's warning that this checkout has no collected static files is silenced.)
    assert all(line.startswith("{") for line in lines if line.strip()), lines
    records = [json.loads(line) for line in lines if line.strip()]
    requests = [r for r in records if r["logger"] == "union_portal.requests"]
    [health] = [r for r in requests if r["request_id"] == "gunicorn-test-1"]
    assert health["path"] == "/healthz" and health["status"] == status
    assert not [r for r in records if r["logger"] == "gunicorn.access"]
    # Not even a 503 of /healthz adds a second line; gunicorn itself has nothing to complain of.
    assert [r for r in records if r.get("request_id") == "gunicorn-test-1"] == [health]
    assert [r for r in records if r["level"] in ("ERROR", "CRITICAL")] == []
