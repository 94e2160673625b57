"""Fills in a form the way a browser would: every field keeps what the page put in
it (hidden inputs, formset counts, checked boxes, selected options) unless the
test types something else, and the button pressed decides where it goes."""

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "action": a.get("action") or "",
                "fields": {},
                "buttons": [],
                "files": set(),
            }
            self.forms.append(self._form)
        if self._form is None:
            return
        fields = self._form["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                fields.setdefault(name, None)
                if "checked" in a:
                    fields[name] = a.get("value", "on")
            elif kind in ("submit", "button", "image"):
                self._form["buttons"].append(a)
            elif kind == "file":
                self._form["files"].add(name)
            else:
                fields[name] = a.get("value", "")
        elif tag == "button":
            self._form["buttons"].append(a)
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, None)
        elif tag == "option" and self._select:
            if fields.get(self._select) is None or "selected" in a:
                if "selected" in a or fields.get(self._select) is None:
                    fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(html: str):
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def submit(client, page, fields=None, *, action=None, files=None, follow=False):
    """Opens `page`, finds the form that posts to `action` (a button's formaction
    or the form's action, matched as a substring) or else the first one holding
    every field given, and posts it with `fields` typed in."""
    fields = dict(fields or {})
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    for form in forms_on(response.content.decode()):
        targets = [form["action"]] + [b.get("formaction", "") for b in form["buttons"]]
        if action is not None:
            target = next((t for t in targets if t and action in t), None)
            if target is None:
                continue
        else:
            if not (set(fields) <= set(form["fields"]) and set(files or {}) <= form["files"]):
                continue
            target = form["action"]
        data = {k: v for k, v in form["fields"].items() if v is not None}
        data.update({k: v for k, v in fields.items() if v is not None})
        for key in [k for k, v in fields.items() if v is None]:
            data.pop(key, None)  # an unticked box
        data.update(files or {})
        response = client.post(target or page, data, follow=follow)
        if response.status_code == 302:  # where the portal took them: the crawl starts there too
            client.__dict__.setdefault("landed_on", []).append(response["Location"])
        return response
    raise AssertionError(f"no form on {page} for {action or sorted(fields)}")
