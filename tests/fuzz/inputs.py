"""Random and hostile input: values for form fields and query strings, uploaded files,
request bodies in several encodings, and path parameters.

Each value strategy starts with what the page itself offers (a default, an option of a
menu), so a failing example shrinks towards a form that is valid but for one field.
"""

import io
import json
import os
from dataclasses import dataclass, field
from urllib.parse import quote, quote_from_bytes, urlencode

from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .checks import Field

HUGE = str(10**30)
HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    "1",
    HUGE,
    "-" + HUGE,
    "9" * 5000,  # longer than Python's int() accepts
    "1e309",
    "NaN",
    "-Infinity",
    "0.001",
    "1.5",
    "0x1F",
    "²",  # str.isdigit() says yes, int() says no
    "١٢",  # Arabic-Indic digits: int() accepts them
    "Ⅻ",
    "2026-13-45",
    "2024-02-30",
    "0000-00-00",
    "2026-01-01T25:61",
    "9999-12-31T23:59",
    "true",
    "on",
    "None",
    "[]",
    "'; DROP TABLE members_member; --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "%(name)s %s %d",
    "=1+1",
    "../../../etc/passwd",
    "\r\nSet-Cookie: x=1",
    "\ufeff\u202e\u200b",
    "𝔘𝔫𝔦𝔬𝔫 🎉",
    "長" * 300,
    "x" * 20000,
    "//evil.example/",
    "javascript:alert(1)",
]
# The values that break code rather than forms: PostgreSQL refuses NUL in text, "²"
# passes str.isdigit() but not int(), 5000 digits pass isdigit() but exceed int()'s
# limit, 10**30 fits no integer column. Each request of a test tries them first.
KILLERS = ["\x00", "²", "9" * 5000, HUGE]
FORMSET_COUNTS = ["abc", "", "-1", "0", "1", "2", "11", "1e3", "٣", "\x00", "9" * 5000]
# A count above the formset's absolute_max (max_num + 1000) is refused, but only after
# building and rendering that many empty forms: seconds a request. With
# FUZZ_HUGE_FORMSETS=1 they are drawn too, and test_formset_counts.py runs.
if os.environ.get("FUZZ_HUGE_FORMSETS"):
    FORMSET_COUNTS += ["1001", "100000", HUGE]
# Names a view might read without a form field for it (a formset's counts are fuzzed
# where the page has the formset).
STRANGE_KEYS = [
    "",
    "\x00",
    "page",
    "id",
    "pk",
    "branch",
    "next",
    "language",
    "csrfmiddlewaretoken",
    "lines-0-amount",
    "venues-0-DELETE",
    "attachments",
    "file",
]
COUNTS = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")
# A query string as a server may pass it: latin-1 text, broken escapes and all.
RAW_QUERIES = [
    "%FF%FE=%FF",
    "page=%E4%B8",
    "q=%",
    "q=%zz&page=%00",
    "&&&==&",
    "q",
    "a=1;b=2",
    "page=1&page=2&page=%FF",
    "%00=%00",
]


def numbers():
    return st.one_of(
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.floats().map(repr),
    )


def dates():
    return st.one_of(
        st.dates().map(lambda d: d.isoformat()),
        st.sampled_from(["2026-03-01", "2020-01-01", "2026-13-45", "2024-02-30", "0000-00-00"]),
    )


def datetimes():
    return st.one_of(
        st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
        st.sampled_from(["2030-05-01T10:00", "2030-05-01T12:00", "2026-01-01T25:61"]),
    )


def anything():
    """A value fit for no field in particular."""
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=40),
        st.text(min_size=1, max_size=5).map(lambda s: s * 400),
        numbers(),
        dates(),
    )


def field_values(field_):
    """Values for one field, from what the page offers to anything at all."""
    offered = [v for v in field_.values if v is not None]
    choices = [st.sampled_from(offered)] if offered else []
    if field_.name.endswith(COUNTS):
        return st.one_of(*choices, st.sampled_from(FORMSET_COUNTS))
    typed = {
        "date": dates(),
        "datetime-local": datetimes(),
        "number": numbers(),
        "email": st.one_of(st.emails(), st.sampled_from(["a@b", "@", "a" * 300 + "@x.cn"])),
        "checkbox": st.sampled_from(["on", "off", "true", "false", "0", ""]),
    }.get(field_.kind, st.text(max_size=80))
    single = st.one_of(*choices, st.sampled_from(KILLERS), typed, anything())
    return st.one_of(single, st.lists(single, min_size=2, max_size=3))


# --- uploaded files -------------------------------------------------------------------

ROSTER_HEADERS = ["工号", "姓名", "部门", "校区", "入会日期", "邮箱", "手机", "状态", "会员代表"]
ROSTER_CELLS = [
    "T00001",
    "M900",
    "新成员",
    "软件工程系",
    "江湾校区",
    "2020-01-01",
    "是",
    "否",
    "在册",
]
SIGNATURES = [b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"PK\x03\x04"]


def _cells():
    return st.lists(st.one_of(st.sampled_from(ROSTER_CELLS), anything()), max_size=8)


@st.composite
def roster_rows(draw):
    header = draw(st.one_of(st.just(ROSTER_HEADERS[:5]), st.lists(st.sampled_from(ROSTER_HEADERS))))
    return [header, *draw(st.lists(_cells(), max_size=4))]


def csv_bytes():
    def encode(rows, encoding):
        text = "\n".join(",".join(row) for row in rows) + "\n"
        return text.encode(encoding, errors="replace")

    return st.builds(encode, roster_rows(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))


def xlsx_bytes():
    def workbook(rows):
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        for row in rows:
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    return st.builds(workbook, roster_rows())


def file_contents():
    return st.one_of(
        st.binary(max_size=2048),
        st.builds(lambda head, tail: head + tail, st.sampled_from(SIGNATURES), st.binary()),
        csv_bytes(),
        xlsx_bytes(),
    )


FILE_NAMES = ["roster.csv", "roster.xlsx", "a.pdf", "scan.PNG", "名单.CSV", ".csv", "noext", ""]
CONTENT_TYPES = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",
    "text/html",
    "x/y; charset=bogus",
]


@dataclass(frozen=True)
class Upload:
    """An uploaded file, made afresh for each request (reading one uses it up)."""

    name: str
    content: bytes
    content_type: str

    def file(self):
        # Not a SimpleUploadedFile: that refuses a name a browser may well send ("").
        upload = io.BytesIO(self.content)
        upload.name, upload.content_type = self.name, self.content_type
        return upload

    def __repr__(self):
        content = repr(self.content[:300]) + ("…" if len(self.content) > 300 else "")
        size = f"{len(self.content)} bytes"
        return f"Upload({self.name!r}, {content}, {size}, {self.content_type!r})"


def uploads():
    names = st.one_of(
        st.sampled_from(FILE_NAMES),
        st.builds(
            lambda stem, ext: stem + ext,
            st.text(max_size=30),
            st.sampled_from([".csv", ".xlsx", ".pdf", ".png", ".jpg", ".exe", ""]),
        ),
        st.just("x" * 300 + ".pdf"),
    )
    one = st.builds(Upload, names, file_contents(), st.sampled_from(CONTENT_TYPES))
    return st.one_of(one, st.lists(one, min_size=2, max_size=5), anything())


# --- requests -------------------------------------------------------------------------


def form_data(fields: dict):
    """Known fields, each present or not with any value, and a few unknown ones; or the
    form as the page offers it with one to three of them changed."""
    values = {
        name: uploads() if f.kind == "file" else field_values(f) for name, f in fields.items()
    }
    extra = st.dictionaries(
        st.one_of(st.sampled_from(STRANGE_KEYS), st.text(max_size=20)),
        st.one_of(anything(), uploads()),
        max_size=3,
    )
    mixture = st.builds(
        lambda known, more: {**more, **known}, st.fixed_dictionaries({}, optional=values), extra
    )
    if not fields:
        return mixture
    base = plausible_form(fields)
    # None: the field left out.
    changes = st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=3, unique=True)
    changes = changes.flatmap(
        lambda names: st.fixed_dictionaries({n: st.one_of(values[n], st.none()) for n in names})
    )
    mutated = st.builds(
        lambda changed, more: {
            **{k: v for k, v in {**base, **changed}.items() if v is not None},
            **more,
        },
        changes,
        extra,
    )
    return st.one_of(mixture, mutated)


def _pairs(data):
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            yield key, item.name if isinstance(item, Upload) else item


@dataclass
class Request:
    """One request of an example, printed as the test-client call that replays it."""

    method: str
    path: str
    data: dict = field(default_factory=dict)
    encoding: str = "multipart"
    body: bytes = b""
    content_type: str = ""
    query: str | None = None

    def send(self, client):
        if self.method == "get":
            if self.query is not None:
                return client.get(self.path, QUERY_STRING=self.query)
            return client.get(self.path, list(_pairs(self.data)))
        if self.encoding == "multipart":
            return client.post(self.path, self._multipart())
        return client.generic("POST", self.path, self._body(), self.content_type)

    def _multipart(self):
        def one(value):
            return value.file() if isinstance(value, Upload) else value

        return {
            key: [one(v) for v in value] if isinstance(value, list) else one(value)
            for key, value in self.data.items()
        }

    def _body(self):
        if self.encoding == "urlencoded":
            charset = self.content_type.partition("charset=")[2] or "utf-8"
            try:
                return urlencode(list(_pairs(self.data)), encoding=charset, errors="replace")
            except LookupError:  # a charset Python does not know
                return urlencode(list(_pairs(self.data)))
        if self.encoding == "json":
            return json.dumps(self.data, default=repr)
        return self.body

    def __repr__(self):
        if self.method == "get":
            if self.query is not None:
                return f"client.get({self.path!r}, QUERY_STRING={self.query!r})"
            return f"client.get({self.path!r}, {list(_pairs(self.data))!r})"
        if self.encoding == "multipart":
            return f"client.post({self.path!r}, {self.data!r})"
        body = self.body if self.encoding == "raw" else self._body()
        return f"client.generic('POST', {self.path!r}, {body!r}, {self.content_type!r})"


FORM = "application/x-www-form-urlencoded"
CHARSETS = ["", "; charset=latin-1", "; charset=gb18030", "; charset=utf-16", "; charset=bogus"]
RAW_TYPES = [FORM, "multipart/form-data; boundary=B", "multipart/form-data", "text/plain"]
RAW_BODIES = st.one_of(
    st.binary(max_size=500),
    st.sampled_from([q.encode() for q in RAW_QUERIES]),
    st.just(b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nx'),
)


def _urlencoded(path, data, charset):
    return Request("post", path, data, "urlencoded", content_type=FORM + charset)


def _raw(path, body, content_type):
    return Request("post", path, encoding="raw", body=body, content_type=content_type)


def _json(path, data):
    return Request("post", path, data, "json", content_type="application/json")


def post_requests(path_strategy, fields):
    """Form data sent as a browser does (multipart, with files), URL-encoded in several
    charsets, as JSON, or a body of random bytes under any content type."""
    data = form_data(fields)
    return st.one_of(
        st.builds(lambda p, d: Request("post", p, d), path_strategy, data),
        st.builds(_urlencoded, path_strategy, data, st.sampled_from(CHARSETS)),
        st.builds(_raw, path_strategy, RAW_BODIES, st.sampled_from(RAW_TYPES)),
        st.builds(_json, path_strategy, data),
    )


def get_requests(path_strategy, fields):
    data = form_data({name: f for name, f in fields.items() if f.kind != "file"})
    return st.one_of(
        st.builds(lambda p, d: Request("get", p, d), path_strategy, data),
        st.builds(
            lambda p, q: Request("get", p, query=q),
            path_strategy,
            st.one_of(
                st.sampled_from(RAW_QUERIES),
                st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=200),
            ),
        ),
    )


PLAUSIBLE = {
    "date": "2026-03-01",
    "datetime-local": "2030-05-01T10:00",
    "number": "1",
    "email": "fuzz@example.cn",
    "checkbox": "on",
}


def _roster_csv(cells):
    return ("\n".join(",".join(row) for row in [ROSTER_HEADERS[:5], cells]) + "\n").encode()


def _is_attachment(field_):
    return "attach" in field_.name


def plausible(field_):
    """A value the field may well accept: what the form holds, what the page offers, or
    one of its type. None: not sent (an unticked box)."""
    if field_.kind == "file":
        if _is_attachment(field_):
            return Upload("a.pdf", b"%PDF-1.4\n", "application/pdf")
        return Upload("roster.csv", _roster_csv(ROSTER_CELLS[1:3] + ROSTER_CELLS[3:6]), "text/csv")
    if field_.kind == "checkbox":
        return field_.initial
    if field_.initial or (field_.initial is not None and field_.kind == "hidden"):
        return field_.initial
    offered = [v for v in field_.values if v]
    return offered[0] if offered else PLAUSIBLE.get(field_.kind, "测试")


def plausible_form(fields):
    return {n: v for n, f in fields.items() if (v := plausible(f)) is not None}


def killer(field_, value):
    if field_.name.endswith(COUNTS) and value == HUGE:
        return plausible(field_)  # see FORMSET_COUNTS
    if field_.kind != "file":
        return value
    if _is_attachment(field_):
        return Upload(f"a{value}.pdf", b"%PDF-1.4\n", "application/pdf")
    return Upload("roster.csv", _roster_csv([value, value + "名", *ROSTER_CELLS[3:6]]), "text/csv")


def explicit_posts(path, fields):
    """Every killer in every field at once; then the form as the page offers it, alone,
    with each killer in one uploaded file at a time (a file's content is read by code,
    not by a form field), and with each killer in every name a view might read without
    a field for it."""
    fields = fields or {"id": Field("id")}
    base = plausible_form(fields)
    files = [name for name, f in fields.items() if f.kind == "file"]
    unknown = [key for key in STRANGE_KEYS if key not in fields]
    return [
        *(Request("post", path, {n: killer(f, k) for n, f in fields.items()}) for k in KILLERS),
        Request("post", path, base),
        *(Request("post", path, {**base, n: killer(fields[n], k)}) for n in files for k in KILLERS),
        *(Request("post", path, {**base, **dict.fromkeys(unknown, k)}) for k in KILLERS),
    ]


def explicit_gets(path, fields):
    names = {*fields, "page", "q"}
    return [Request("get", path, dict.fromkeys(names, k)) for k in KILLERS]


# --- path parameters -----------------------------------------------------------------

# 32 letters and digits: it also fits the file-token converter.
PLACEHOLDER = "FUZZPLACEHOLDERFUZZPLACEHOLDER00"


def parameter_values(converter):
    """(value for reverse(), raw bytes to put in its place or None) for one converter."""
    if converter == "IntConverter":
        ints = st.one_of(
            st.integers(min_value=0, max_value=10**30),
            st.sampled_from([0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**30, int("9" * 400)]),
        )
        return ints.map(lambda n: (n, None))
    if converter == "SlugConverter":
        return st.from_regex(r"\A[-a-zA-Z0-9_]{1,60}\Z").map(lambda s: (s, None))
    if converter == "UUIDConverter":
        return st.uuids().map(lambda u: (u, None))
    text = st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=80))
    return st.one_of(
        text.filter(lambda s: s and "/" not in s).map(lambda s: (PLACEHOLDER, s.encode())),
        st.binary(min_size=1, max_size=60)
        .filter(lambda b: b"/" not in b)
        .map(lambda b: (PLACEHOLDER, b)),
    )


def explicit_parameters(converter):
    """(value, raw) pairs tried first for one converter."""
    if converter == "IntConverter":
        return [(10**30, None), (int("9" * 400), None), (2**63, None)]
    if converter == "SlugConverter":
        return [("x" * 300, None), ("-", None), ("_", None)]
    if converter == "UUIDConverter":
        return [("00000000-0000-0000-0000-000000000000", None)] * 3
    return [(PLACEHOLDER, b"\x00"), (PLACEHOLDER, b"\xff\xfe"), (PLACEHOLDER, "長".encode() * 300)]


def fill_placeholders(path: str, raws: list[bytes]) -> str:
    """Puts each raw value, %-escaped byte by byte, where reverse() put the placeholder."""
    for raw in raws:
        path = path.replace(quote(PLACEHOLDER), quote_from_bytes(raw, safe=""), 1)
    return path
