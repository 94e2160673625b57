"""Fills in a form the way a browser would: every field keeps what the page put in
it (hidden inputs, formset counts, checked boxes, selected options) unless the
test types something else, and the button pressed decides where it goes. The
page is read with the fuzzer's form parser."""

from tests.fuzz.checks import forms_on


def _as_sent(field):
    """What the browser sends for a field left alone (None: nothing)."""
    if field.kind in ("file", "submit", "button"):
        return None
    if field.initial is None and field.kind == "select" and field.values:
        return field.values[0]
    return field.initial


def submit(client, page, fields=None, *, action=None, files=None, follow=False):
    """Opens `page`, finds the form that posts to `action` (a button's formaction
    or the form's action, matched as a substring) or else the first one holding
    every field given, and posts it with `fields` typed in (None unticks a box)."""
    fields, files = dict(fields or {}), dict(files or {})
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    for form in forms_on(page, response.content.decode()):
        if form.method != "post":
            continue
        if action is not None:
            target = next((t for t in form.targets if action in t), None)
            if target is None:
                continue
        else:
            file_inputs = {name for name, f in form.fields.items() if f.kind == "file"}
            if not (set(fields) <= set(form.fields) and set(files) <= file_inputs):
                continue
            target = form.targets[0]
        data = {name: _as_sent(f) for name, f in form.fields.items()}
        data.update(fields)
        data = {name: value for name, value in data.items() if value is not None}
        response = client.post(target, {**data, **files}, follow=follow)
        if response.status_code == 302:  # where the portal took them: the crawl starts there too
            client.__dict__.setdefault("landed_on", []).append(response["Location"])
        return response
    raise AssertionError(f"no form on {page} for {action or sorted(fields)}")
