"""Markdown for text officers write, sanitised so no script reaches a reader."""

import threading
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "del", "blockquote", "code", "pre",
    "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "hr", "a", "table", "thead", "tbody",
    "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


_parsers = threading.local()


def _html(text: str) -> str:
    """One parser per thread, reset before each text (building one cost more
    than converting a notice's text)."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = markdown_lib.Markdown(extensions=["tables", "sane_lists"])
    return parser.reset().convert(text or "")


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str) -> SafeString:
    return mark_safe(_clean(_html(text)))  # noqa: S308 - sanitised by nh3


class _Parts(HTMLParser):
    """What a piece of HTML is made of: its elements, the attributes of the
    elements the sanitiser keeps, the schemes of its links, its comments."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = Counter()

    def handle_starttag(self, tag, attrs):
        self.parts[("element", tag)] += 1
        if tag not in ALLOWED_TAGS:
            return  # its attributes go with it: naming them too says nothing more
        for name, value in attrs:
            scheme = urlsplit((value or "").strip()).scheme.lower() if name == "href" else ""
            if scheme and scheme not in URL_SCHEMES:
                self.parts[("link", scheme)] += 1
            else:
                self.parts[("attribute", name)] += 1

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.parts[("comment", "")] += 1


def _parts(html: str) -> Counter:
    parser = _Parts()
    parser.feed(html)
    parser.close()
    return parser.parts


def _describe(kind: str, name: str) -> str:
    if kind == "element":
        return gettext("<%(tag)s> element") % {"tag": name}
    if kind == "attribute":
        return gettext("%(name)s attribute") % {"name": name}
    if kind == "link":
        return gettext("%(scheme)s: link") % {"scheme": name}
    return gettext("HTML comment")


def markdown_preview(text: str) -> tuple[SafeString, list[str]]:
    """The text as readers will see it, and what the sanitiser took out of it
    (each kind of element, attribute, link scheme or comment once, in the order
    first met), found by comparing the parts of the HTML before and after."""
    html = _html(text)
    clean = _clean(html)
    removed = _parts(html) - _parts(clean)
    return mark_safe(clean), [_describe(kind, name) for kind, name in removed]  # noqa: S308


def removed_parts(text: str) -> list[str]:
    return markdown_preview(text)[1]


def removed_message(removed: list[str]) -> str:
    """The sentence that tells the writer what the sanitiser removed."""
    return gettext("The following were removed because they are not allowed: %(parts)s") % {
        "parts": gettext(", ").join(removed)
    }
