"""nginx's access log (deploy/nginx/union-portal.conf's log_format) keeps what
Django's request line keeps out: no query string (receipt codes, CAS tickets) and
no secret path segment (a calendar feed's key, a file's token, a password-reset
or confirmation key). Runs the site's log_format and maps in a bare nginx."""

import http.client
import re
import shutil
import socket
import subprocess
import time

import pytest

from tests.deploy.workers import ROOT

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx" / "union-portal.conf"

SECRETS = {
    "/events/feed/Kf93xTq0Kf93xTq0Kf93xTq0Kf93xTq0.ics": "Kf93xTq0",
    "/grievances/files/AbCdEfGhIjKlMnOpQrStUvWxYz012345/": "AbCdEfGhIj",
    "/accounts/password/reset/key/3-c8v3x4-0a1b2c3d4e5f60718293a4b5c6d7e8f9/": "0a1b2c3d4e",
    "/accounts/confirm-email/MQ:1tXyZa:Qw3rTy9uIoPaSdFgHjKl-ZxCvBnM/": "Qw3rTy9uIo",
    "/accounts/cas/login/?ticket=ST-42-SecretTicketValue": "SecretTicket",
    "/grievances/follow/?code=RCPT-7731-XQ": "RCPT-7731",
}


def _top_level_blocks(site: str) -> str:
    """The site's log_format and map statements (http-level)."""
    log_format = re.search(r"^log_format .*?;\s*$", site, re.M | re.S).group(0)
    maps = re.findall(r"^map .*?^\}", site, re.M | re.S)
    return "\n".join([log_format, *maps])


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(not shutil.which("nginx") and not (ROOT / NGINX).exists(), reason="no nginx")
def test_the_access_log_has_no_query_string_and_no_secret_path_segment(tmp_path):
    port = _free_port()
    for sub in ("logs", "temp"):
        (tmp_path / sub).mkdir()
    (tmp_path / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {tmp_path}/temp/body;
    proxy_temp_path {tmp_path}/temp/proxy;
    fastcgi_temp_path {tmp_path}/temp/fastcgi;
    uwsgi_temp_path {tmp_path}/temp/uwsgi;
    scgi_temp_path {tmp_path}/temp/scgi;
    {_top_level_blocks(SITE.read_text())}
    server {{
        listen 127.0.0.1:{port};
        access_log {tmp_path}/logs/access.log union_portal;
        location / {{ return 204; }}
    }}
}}
""")
    argv = [NGINX, "-p", f"{tmp_path}/", "-c", f"{tmp_path}/nginx.conf",
            "-e", f"{tmp_path}/logs/error.log"]  # fmt: skip
    check = subprocess.run([*argv, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    nginx = subprocess.Popen([*argv, "-g", "daemon off;"])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        for path in SECRETS:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            assert connection.getresponse().status == 204
            connection.close()
    finally:
        nginx.terminate()
        nginx.wait(10)
    log = (tmp_path / "logs" / "access.log").read_text()
    lines = log.splitlines()
    assert len(lines) == len(SECRETS)
    for line, (path, secret) in zip(lines, SECRETS.items(), strict=True):
        assert secret not in line, line
        assert "?" not in line, line
        assert path.split("?")[0].rsplit("/", 2)[0] in line, line  # the page is still named
