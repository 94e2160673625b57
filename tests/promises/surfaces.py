"""Everything a person can read, gathered as text: pages found by following links,
every export they link to, emails, inbox rows, the admin, sessions, Redis, logs.

Nothing here lists pages: the crawler follows links from the home page (and from
the admin's index for a superuser), and every URL any role found is then asked
for as every other role, so a page that only a chair links to is still tried by
a member who guesses its address."""

import html
import io
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

from django.urls import Resolver404, resolve

HREF = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"'#]+)""", re.I)
# Per-request noise that would only make two readings differ.
CSRF = re.compile(r"""(csrfmiddlewaretoken"\s+value=|csrf-token"\s+content=)"[^"]*""")

# Links that change state on GET elsewhere, or that only repeat a page.
SKIP_PREFIXES = ("/static/", "/accounts/logout/", "/admin/logout/")
SKIP_ADMIN = re.compile(r"/admin/.*(/delete/|/password/|/add/|/jsi18n/|/r/)")
MAX_VARIANTS_PER_PATH = 3  # query strings (filters, pages) tried per path
MAX_PAGES = 600


@dataclass
class Surface:
    kind: str  # page, email, inbox, admin, session, redis, log
    where: str  # a URL, an address, a key
    text: str


@dataclass
class Reading:
    """What one role could read, and the URLs (by view name) it reached."""

    role: str
    surfaces: list = field(default_factory=list)
    view_names: set = field(default_factory=set)
    urls: set = field(default_factory=set)


def as_text(content: bytes, content_type: str) -> str:
    """The words a person would see, whatever the format: HTML with its entities
    decoded, CSV and ICS as they are, XLSX cell by cell, JSON without escapes."""
    content_type = (content_type or "").split(";")[0].strip()
    if content_type.endswith("spreadsheetml.sheet") or content[:2] == b"PK":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        cells = []
        for sheet in book.worksheets:
            cells.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                cells.extend(str(value) for value in row if value is not None)
        return "\n".join(cells)
    text = content.decode("utf-8-sig", errors="replace")
    if content_type == "application/json":
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    if content_type in ("text/html", "application/atom+xml", "application/xml", "text/xml"):
        text = html.unescape(html.unescape(text))  # the feed escapes its HTML twice
    return CSRF.sub(r"\1", text)


ABSOLUTE = re.compile(r"""(?:https?|webcal)://[^\s"'<>]+""")


def _our_hosts():
    from django.conf import settings

    return {"testserver", urlsplit(settings.PORTAL_BASE_URL).netloc}


def links(text: str):
    """Links in attributes, and our own absolute URLs written out as text (a
    calendar feed to copy, a link in an email)."""
    ours = _our_hosts()
    for raw in HREF.findall(text) + ABSOLUTE.findall(text):
        url, _ = urldefrag(html.unescape(raw).strip())
        parts = urlsplit(url)
        if (parts.scheme or parts.netloc) and parts.netloc not in ours:
            continue  # another site, mailto:, data:
        if not parts.path.startswith("/"):
            continue
        yield parts.path + (f"?{parts.query}" if parts.query else "")


def view_name(url: str):
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


def _wanted(url: str, *, admin: bool) -> bool:
    path = urlsplit(url).path
    if path.startswith(SKIP_PREFIXES):
        return False
    if path.startswith("/admin/"):
        # Anyone may knock on the admin's door; only the superuser walks in.
        return path in ("/admin/", "/admin/login/") or admin and not SKIP_ADMIN.search(path)
    return True


def crawl(client, role, *, start=("/",), also=(), admin=False) -> Reading:
    """Follows every same-site link from `start`, then asks for every URL in `also`
    (found by other roles). Keeps the readable answers (200) as surfaces."""
    reading = Reading(role)
    queue = list(start) + [url for url in also if url not in start]
    seen, variants = set(), {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen or not _wanted(url, admin=admin):
            continue
        path = urlsplit(url).path
        if "?" in url:
            variants[path] = variants.get(path, 0) + 1
            if variants[path] > MAX_VARIANTS_PER_PATH:
                continue
        seen.add(url)
        response = client.get(url)
        if name := view_name(url):
            reading.view_names.add(name)  # asked for: whatever it answered was read
        if response.status_code in (301, 302) and response["Location"].startswith("/"):
            queue.append(response["Location"])  # where the portal sends them is a page too
        if response.status_code != 200:
            continue
        content = b"".join(response.streaming_content) if response.streaming else response.content
        text = as_text(content, response.get("Content-Type", ""))
        kind = "admin" if path.startswith("/admin/") else "page"
        reading.surfaces.append(Surface(kind, url, text))
        reading.urls.add(url)
        if response.get("Content-Type", "").startswith("text/html"):
            queue.extend(link for link in links(text) if link not in seen)
    return reading


def admin_searches(client, reading, terms):
    """Each admin changelist searched for each term, as a curious superuser would."""
    changelists = {
        url.split("?")[0] for url in reading.urls if re.fullmatch(r"/admin/\w+/\w+/(\?.*)?", url)
    }
    for url in sorted(changelists):
        for term in terms:
            response = client.get(url, {"q": term})
            if response.status_code == 200:
                text = as_text(response.content, "text/html")
                # The search box and its links say the term back; only results count.
                for echo in (f'value="{term}"', f"q={term}", f"q%3D{term}"):
                    text = text.replace(echo, "")
                reading.surfaces.append(Surface("admin", f"{url}?q={term}", text))


def email_surfaces(outbox, address):
    for message in outbox:
        if address.lower() in [to.lower() for to in message.to + message.cc + message.bcc]:
            parts = [message.subject, message.body]
            parts += [content for content, _ in getattr(message, "alternatives", [])]
            yield Surface(
                "email", f"to {address}: {message.subject}", html.unescape("\n".join(parts))
            )


def inbox_surfaces(user):
    from union_portal.core.models import Notification

    for row in Notification.objects.filter(user=user):
        yield Surface("inbox", f"notification {row.pk}", f"{row.subject}\n{row.body}\n{row.url}")


def session_surfaces():
    """Every session row, decoded: what sits next to `_auth_user_id`."""
    from django.contrib.sessions.models import Session

    for row in Session.objects.all():
        data = row.get_decoded()
        yield (
            Surface("session", row.session_key, json.dumps(data, ensure_ascii=False, default=str)),
            data,
            row,
        )


def _unwrapped(value: bytes) -> str:
    """A queued Celery message carries its arguments base64-encoded: decode them."""
    import base64

    text = value.decode(errors="replace")
    for line in text.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict) and isinstance(message.get("body"), str):
            try:
                text += "\n" + base64.b64decode(message["body"]).decode(errors="replace")
            except ValueError:
                pass
    return text


def redis_surfaces(urls):
    """Every key and value in the Redis databases the portal uses (cache, broker)."""
    import redis

    for url in urls:
        connection = redis.Redis.from_url(url)
        for key in connection.scan_iter(count=500):
            kind = connection.type(key).decode()
            if kind == "string":
                value = connection.get(key) or b""
            elif kind == "list":
                value = b"\n".join(connection.lrange(key, 0, -1))
            elif kind == "hash":
                value = b"\n".join(k + b"=" + v for k, v in connection.hgetall(key).items())
            elif kind == "set":
                value = b"\n".join(connection.smembers(key))
            elif kind == "zset":
                value = b"\n".join(connection.zrange(key, 0, -1))
            else:
                value = b""
            text = key.decode(errors="replace") + "\n" + _unwrapped(value)
            yield Surface("redis", f"{url} {key.decode(errors='replace')}", text)


def admin_filter_probes(
    client, reading, world, people=("conf_filer", "anon_filer", "objector", "needy")
):
    """Every admin changelist filtered, by the address bar, on every relation to a
    person, to a case and on every yes/no field: a filter names what it asks about,
    so the page is read together with the filter's meaning (a case's subject, a
    person's name, the field's name)."""
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from grievances.models import Grievance
    from members.models import Member

    users = {role: world.users[role] for role in people}
    by_target = {
        get_user_model(): [(u.pk, world.identity[r]) for r, u in users.items()],
        Member: [(u.member.pk, world.identity[r]) for r, u in users.items()],
        Grievance: [(case.pk, [case.subject]) for case in Grievance.objects.all()],
    }
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        for model_field in meta.get_fields():
            if model_field.is_relation:
                lookup = (
                    model_field.name
                    if model_field.concrete
                    else model_field.field.related_query_name()  # a reverse relation
                )
                probes = by_target.get(model_field.related_model, [])
            elif model_field.get_internal_type() == "BooleanField":
                lookup, probes = model_field.name, [("1", [model_field.name])]
            else:
                continue
            for value, meaning in probes:
                response = client.get(url, {lookup: value})
                if response.status_code == 200:
                    text = as_text(response.content, "text/html") + "\nfilter: " + " ".join(meaning)
                    reading.surfaces.append(Surface("admin", f"{url}?{lookup}={value}", text))
