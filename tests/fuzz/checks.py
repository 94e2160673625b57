"""What the fuzzer looks at: the forms a page offers for a URL, whether a response
rejected the request, and whether anything was written all the same."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from django.apps import apps
from django.contrib.messages import constants as levels
from django.core.cache import cache
from django.db import connection, transaction
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.test import Client

# --- the forms a page offers ------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str = "text"  # the input's type (date, number, file, checkbox…), select or textarea
    values: list = field(default_factory=list)  # what the page offers: defaults, options
    initial: str | None = None  # what the form would send as it stands


@dataclass
class Form:
    method: str
    targets: list  # the action, and any button's formaction
    fields: dict = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def _field(self, name, kind):
        return self._form.fields.setdefault(name, Field(name, kind))

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "form":
            self._form = Form(a.get("method", "get").lower(), [a.get("action", "")])
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and name:
            kind = a.get("type", "text").lower()
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            f = self._field(name, kind)
            f.values.append(value)
            if kind not in ("checkbox", "radio", "file", "submit") or "checked" in a:
                f.initial = value
        elif tag == "select" and name:
            self._select = self._field(name, "select")
        elif tag == "option" and self._select is not None:
            self._select.values.append(a.get("value", ""))
            if "selected" in a:
                self._select.initial = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = self._field(name, "textarea")
            self._textarea.initial = ""
        elif tag == "button":
            if a.get("formaction"):
                self._form.targets.append(a["formaction"])
            if name:
                self._field(name, "button").values.append(a.get("value", ""))

    def handle_data(self, data):
        if self._textarea is not None and data.strip():
            self._textarea.values.append(data)
            self._textarea.initial += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(page: str, html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        form.targets = [urlsplit(urljoin(page, target)).path for target in form.targets]
        form.fields.pop("csrfmiddlewaretoken", None)
    return parser.forms


def _above(path):
    """The pages above a path: /events/5/register/ -> /events/5/, /events/, /."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "".join(f"{p}/" for p in parts[:n]) for n in range(len(parts) - 1, -1, -1)]


def _merge(into, fields):
    for name, f in fields.items():
        known = into.setdefault(name, Field(name, f.kind, initial=f.initial))
        known.values.extend(v for v in f.values if v not in known.values)


@dataclass
class Offered:
    """The fields of the forms that send to a URL, by method."""

    get: dict = field(default_factory=dict)
    post: dict = field(default_factory=dict)
    get_answers_405: bool = False
    has_post_form: bool = False


def offered_fields(client, path) -> Offered:
    """Reads the URL's own page and, until a form posting to the URL turns up, the pages
    above it (the event page holds the sign-up form of /events/5/register/). Without
    such a form, every form seen is a source of field names."""
    offered, seen = Offered(), {}
    with transaction.atomic():
        for n, page in enumerate([path, *_above(path)]):
            response = client.get(page)
            if n == 0:
                offered.get_answers_405 = response.status_code == 405
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for form in forms_on(page, response.content.decode()):
                if form.method == "post":
                    _merge(seen, form.fields)
                if path in form.targets:
                    _merge(offered.post if form.method == "post" else offered.get, form.fields)
                    offered.has_post_form |= form.method == "post"
            if offered.has_post_form:
                break
        transaction.set_rollback(True)
    if not offered.has_post_form:
        offered.post = seen
    return offered


# --- was the request rejected, and was anything written? --------------------------------

WATCHED_APPS = {"members", "events", "grievances", "notices", "core", "account", "auth"}


def _tables():
    return sorted(
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.app_label in WATCHED_APPS and m._meta.managed and not m._meta.proxy
    )


def snapshot() -> dict:
    """A checksum of every row of the project's tables."""
    tables = _tables()
    qn = connection.ops.quote_name
    columns = ", ".join(
        f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {qn(t)} t)"
        for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _contexts(response):
    context = response.context
    if context is None:
        return []
    return context if isinstance(context, list) else [context]


def _forms_in(response):
    for context in _contexts(response):
        for layer in context.dicts:
            for value in layer.values():
                if isinstance(value, BaseForm | BaseFormSet) and value.is_bound:
                    yield value


def _errors(form):
    if isinstance(form, BaseFormSet):
        return form.total_error_count() and [*form.non_form_errors(), *form.errors]
    return form.errors


def rejection(response) -> str | None:
    """Why the response turned the request down, if it did: an error status, an error
    message for the next page, or a form shown again with its errors."""
    if 400 <= response.status_code < 500:
        return f"status {response.status_code}"
    storage = getattr(response.wsgi_request, "_messages", None)
    if storage is not None:
        queued = [*storage._loaded_messages, *storage._queued_messages]
        errors = [str(m) for m in queued if m.level >= levels.ERROR]
        if errors:
            return f"error message {errors[0]!r}"
    if response.status_code == 200:
        for form in _forms_in(response):
            if errors := _errors(form):
                return f"{type(form).__name__} errors {str(errors)[:300]}"
    return None


def _local(location):
    return location.startswith("/") and not location.startswith("//")


def _files(root: Path):
    return sorted(str(p) for p in root.rglob("*") if p.is_file())


class Visitor:
    """Someone asking for pages: signed in once (it takes a while), then a fresh client
    with the same session cookie for every example."""

    def __init__(self, user, files_root: Path):
        client = Client()
        if user is not None:
            client.force_login(user)
        self.cookies = {name: morsel.value for name, morsel in client.cookies.items()}
        self.files_root = files_root
        self.baseline = snapshot()  # what every example starts from

    def client(self):
        client = Client()
        client.cookies.load(self.cookies)
        return client

    def offered(self, path, prefilled_by=None) -> Offered:
        """The fields of the forms sending to `path`. `prefilled_by`: a page whose form
        has the same fields filled in (an edit page for a create page): its values are
        taken as the fields' own, but for those of formsets (their rows differ)."""
        offered = offered_fields(self.client(), path)
        if prefilled_by:
            filled = offered_fields(self.client(), prefilled_by).post
            for name, f in offered.post.items():
                if "-" not in name and name in filled:
                    f.initial = filled[name].initial
        return offered

    def check(self, request):
        """Sends one request and checks it: never a 500 (nor for the page a redirect
        leads to), nothing written when the request was rejected. Whatever it wrote is
        rolled back, so that every example starts from the same data."""
        with transaction.atomic():
            cache.clear()
            client, files = self.client(), _files(self.files_root)
            try:
                response = request.send(client)
            except Exception as exc:
                raise AssertionError(f"{request} raised {type(exc).__name__}: {exc}") from exc
            # /healthz answers 503 by design while a part is down (no worker runs
            # here): that is its answer to a monitor, not an error.
            if not (getattr(request, "path", None) == "/healthz" and response.status_code == 503):
                assert response.status_code < 500, f"{request} answered {response.status_code}"
            reason = rejection(response)
            if reason:
                after = snapshot()
                written = [t for t in self.baseline if self.baseline[t] != after[t]]
                if _files(self.files_root) != files:
                    written.append("private files")
                assert not written, f"{request} was rejected ({reason}) but wrote to {written}"
            location = response.get("Location", "")
            if response.status_code in (301, 302, 303, 307, 308) and _local(location):
                try:
                    followed = client.get(location)
                except Exception as exc:
                    raise AssertionError(
                        f"{request} redirects to {location}, which raised "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
                assert followed.status_code < 500, f"{request} -> {location}: {followed}"
            transaction.set_rollback(True)
        return response
