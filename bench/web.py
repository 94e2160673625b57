"""A small HTTP client on http.client (no new dependency), the gunicorn server the
benchmark talks to, signing in, and page weight."""

import gzip
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes  # as transferred (compressed if the server compressed it)
    wire_bytes: int  # status line + headers + body
    seconds: float

    def text(self) -> str:
        encoding = self.headers.get("Content-Encoding", "")
        body = self.body
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        return body.decode("utf-8", "replace")


class Client:
    """One visitor: its cookies and a connection that is reused when the server
    keeps it open (gunicorn's sync workers close it after every response)."""

    def __init__(self, port: int, *, headers=None, keep_cookies=True, cookies=None):
        self.port = port
        self.headers = headers or {}
        self.keep_cookies = keep_cookies
        self.cookies = dict(cookies or {})
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method, path, *, form=None, headers=None) -> Response:
        hdrs = {"Host": f"127.0.0.1:{self.port}", **self.headers, **(headers or {})}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=hdrs)
        resp = self.conn.getresponse()
        data = resp.read()
        seconds = time.perf_counter() - started
        if self.keep_cookies:
            for raw in resp.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(raw).items():
                    self.cookies[name] = morsel.value
        head = len(f"HTTP/1.1 {resp.status} {resp.reason}\r\n") + 2
        head += sum(len(k) + len(v) + 4 for k, v in resp.getheaders())
        return Response(resp.status, resp.headers, data, head + len(data), seconds)

    def get(self, path, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def close(self):
        self.conn.close()


def sign_in(port: int, email: str, password: str) -> Client:
    """Signs in through allauth's form, as a browser would; returns the signed-in client."""
    client = Client(port)
    page = client.get("/accounts/login/")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text())
    if page.status != 200 or not match:
        raise RuntimeError(f"sign-in page: HTTP {page.status}")
    response = client.request(
        "POST",
        "/accounts/login/",
        form={"login": email, "password": password, "csrfmiddlewaretoken": match.group(1)},
        headers={"Referer": f"http://127.0.0.1:{port}/accounts/login/"},
    )
    if response.status != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"signing in as {email}: HTTP {response.status}")
    return client


# --- gunicorn -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """The portal under gunicorn on loopback, as in production: sync workers, DEBUG off."""

    def __init__(self, env: dict, workers: int, log_path: Path):
        self.env, self.workers, self.log_path = env, workers, log_path
        self.port = free_port()
        self.proc = None

    def start(self):
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(gunicorn), "union_portal.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--worker-class", "sync",
             "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                if Client(self.port, keep_cookies=False).get("/floor/").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log_path}")

    def worker_rss(self) -> dict[int, int]:
        """Resident memory (VmRSS, bytes) of each worker: the master's children."""
        rss = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                # The command may hold spaces and brackets: the fields after its ")".
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if ppid != self.proc.pid:
                    continue
                status = (entry / "status").read_text()
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    rss[int(entry.name)] = int(line.split()[1]) * 1024  # kB
        return rss

    def cpu_seconds(self) -> float:
        """CPU time (user + system) spent so far by the master and its workers."""
        return process_cpu_seconds(lambda pid, ppid, comm: self.proc.pid in (pid, ppid))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc:
            self.log.close()


def process_cpu_seconds(which) -> float:
    """CPU time (user + system) of the live processes for which which(pid, ppid, comm)
    is true, from /proc/<pid>/stat."""
    total, hertz = 0, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        if which(int(entry.name), int(fields[1]), comm):
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / hertz


def postgres_cpu_seconds() -> float:
    """The PostgreSQL server's processes on this machine (the benchmark's is the only one
    in CI; a developer's other work is counted too)."""
    return process_cpu_seconds(lambda pid, ppid, comm: comm.startswith("postgres"))


# --- page weight ------------------------------------------------------------------


class _Assets(HTMLParser):
    """What a browser fetches for a page: stylesheets, icons, scripts and images."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("href"):
            rel = (attrs.get("rel") or "").lower()
            if any(r in rel for r in ("stylesheet", "icon", "preload", "modulepreload")):
                self.urls.append(attrs["href"])
        elif tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])


CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def page_weight(port: int, path: str, cookies=None) -> tuple[int, list[tuple[str, int, str]]]:
    """Bytes transferred for a first visit with an empty cache from a phone: the page,
    then each asset it references (and what its CSS references), compressed as served."""
    client = Client(
        port,
        headers={"User-Agent": PHONE, "Accept-Encoding": "gzip, deflate, br"},
        cookies=cookies,
    )
    page = client.get(path)
    if page.status != 200:
        raise RuntimeError(f"page weight of {path}: HTTP {page.status}")
    items = [(path, page.wire_bytes, page.headers.get("Content-Encoding", "-"))]
    parser = _Assets()
    parser.feed(page.text())
    queue, seen = [urljoin(path, u) for u in parser.urls], set()
    while queue:
        url = queue.pop(0)
        if (
            url in seen
            or url.startswith("data:")
            or urlsplit(url).netloc not in ("", f"127.0.0.1:{port}")
        ):
            continue
        seen.add(url)
        asset = client.get(urlsplit(url).path)
        if asset.status != 200:
            raise RuntimeError(f"{url}: HTTP {asset.status}")
        items.append((url, asset.wire_bytes, asset.headers.get("Content-Encoding", "-")))
        if "css" in asset.headers.get("Content-Type", ""):
            queue += [urljoin(url, u) for u in CSS_URL.findall(asset.text())]
    return sum(size for _, size, _ in items), items
