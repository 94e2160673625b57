"""The case pages' own tags.

`{% unbound_once "name" form %}…{% endunbound_once %}`: what is inside, rendered
once per process and language while `form` is unbound, and every time once it is
bound (it then shows what was typed and its errors).

A blank form is the same HTML for every reader, and its crispy-rendered fields
cost more than the rest of a case page or a list of 25 cases. Only the form's
fields belong inside: never the `<form>` with its CSRF token and action, nor
anything about the case or the reader.

`{% case_rows cases show_handler %}`: the rows of a list of cases (the queue, "my
cases"), prepared by `selectors.list_rows`.

`{% case_history history grievance %}`: a page of a case's history (the case page
and its older entries), prepared by `selectors.history_page`."""

from django import template
from django.core.signals import setting_changed
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from union_portal.core.templatetags.portal import estimated_mark

register = template.Library()
_rendered: dict[tuple[str, str], str] = {}


def _forget(**kwargs):
    _rendered.clear()  # a form's text may follow a setting (the tests change them)


setting_changed.connect(_forget, dispatch_uid="grievances.unbound_once")


@register.tag
def unbound_once(parser, token):
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError(f"{bits[0]} takes a name and a form")
    nodelist = parser.parse(("endunbound_once",))
    parser.delete_first_token()
    return UnboundOnceNode(nodelist, parser.compile_filter(bits[1]), parser.compile_filter(bits[2]))


class UnboundOnceNode(template.Node):
    def __init__(self, nodelist, name, form):
        self.nodelist = nodelist
        self.name = name
        self.form = form

    def render(self, context):
        if self.form.resolve(context).is_bound:
            return self.nodelist.render(context)
        key = (str(self.name.resolve(context)), get_language())
        html = _rendered.get(key)
        if html is None:
            html = _rendered[key] = mark_safe(self.nodelist.render(context))
        return html


# One row of a list of cases. Drawn here rather than by a template: 25 rows of a
# dozen conditions and variables took the Django template engine longer than the
# rest of the queue page, this takes a tenth of it. Every value put in is escaped
# (`_row` below); the words are translated once for the page.
ROW = (
    '<li class="list-group-item" data-testid="case-row" data-case="{pk}">\n'
    '  <div class="d-flex justify-content-between gap-2 flex-wrap">\n'
    '    <a href="{url}">#{pk} {subject}</a>\n'
    '    <span class="d-flex flex-wrap gap-1 align-items-start">{marks}'
    '<span class="badge text-bg-{badge}">{status}</span></span>\n'
    "  </div>\n"
    '  <div class="small text-body-secondary">'
    "{kind} · {category} · {filed} · {level}{handler}</div>{lines}\n</li>"
)


@register.simple_tag(takes_context=True)
def case_rows(context, cases, show_handler=False):
    """The rows of `cases` (from `selectors.list_rows`): its number, subject and link,
    the confidential mark, its status, kind, category, day filed and level; for a
    handler (`show_handler`) also the overdue badge, who handles it, "now under your
    supervision" and the first deadline (estimated in a year without a holiday
    schedule, the clock stopped while waiting for the filer). Nothing about the filer."""
    words = {
        "overdue": escape(gettext("Overdue")),
        "unassigned": escape(gettext("unassigned")),
        "ack": escape(gettext("Acknowledge by")),
        "resolve": escape(gettext("Resolve by")),
        "stopped": escape(gettext("the clock is stopped until the filer answers")),
        "supervising": escape(gettext("Overdue and not resolved; now under your supervision")),
        # As grievances/_confidential_badge.html.
        "confidential": (
            '<span class="badge text-bg-dark" data-testid="case-confidential" title="{}">{}</span>'
        ).format(
            escape(gettext("Confidential (name shown to the branch chair only)")),
            escape(gettext("Confidential")),
        ),
    }
    years = context.get("calendar_scheduled_years")
    return mark_safe("".join(_row(context, case, show_handler, words, years) for case in cases))


def _row(context, case, show_handler, words, years):
    marks = words["confidential"] if case.confidentiality == "confidential" else ""
    handler = lines = ""
    if show_handler:
        if case.overdue:
            marks += (
                '<span class="badge text-bg-danger" data-testid="case-overdue">'
                f"{words['overdue']}</span>"
            )
        handler = " · " + (escape(case.handler_name) if case.assignee_id else words["unassigned"])
        if getattr(case, "supervising", False):
            lines += (
                '\n  <div class="small text-danger-emphasis fw-semibold" '
                f'data-testid="case-supervising">{words["supervising"]}</div>'
            )
        if case.deadline:
            # The deadline that comes first: acknowledgement while the branch has not
            # acknowledged it, resolution after; "(estimated)" in a year without a
            # holiday schedule.
            estimated = ""
            if years is None or case.deadline.year not in years:
                estimated = estimated_mark(context, case.deadline)
            stopped = f" · {words['stopped']}" if case.status == "waiting_filer" else ""
            lines += (
                '\n  <div class="small{}" data-testid="case-deadline" data-kind="{}">'
                "{} {}{}{}</div>"
            ).format(
                " text-danger fw-semibold" if case.overdue else "",
                escape(case.deadline_kind),
                words["ack"] if case.deadline_kind == "ack" else words["resolve"],
                escape(case.deadline_day),
                estimated,
                stopped,
            )
    return ROW.format(
        pk=case.pk,
        url=escape(case.url),
        subject=escape(case.subject),
        marks=marks,
        badge=escape(case.status_badge),
        status=escape(case.status_label),
        kind=escape(case.kind_label),
        category=escape(case.category),
        filed=escape(case.filed_day),
        level=escape(case.level_label),
        handler=handler,
        lines=lines,
    )


# An entry of a case's history, drawn here for the same reason as the rows above.
ENTRY = (
    '\n  <li class="mb-3{highlight}" data-kind="{kind}">\n'
    '    <div class="small text-body-secondary">{when} · <strong>{label}</strong> · {who}{internal}'
    "</div>{text}{files}\n  </li>"
)
FILE = '\n    <div><a href="{url}">📎 {name}</a> <small>({size})</small></div>'


@register.simple_tag
def case_history(history, grievance):
    """The entries of `history` (a `selectors.HistoryPage`), newest first: when, what
    and who ("the filer", "the portal" or the handler's name), internal notes marked
    (they are only in the page of a reader who may see them), the text and the
    attached files. On an anonymous case, the filer's steps and the portal's (made
    in the same moment, e.g. the assignment at filing) show their day only: a minute
    could be matched with who was where."""
    words = {
        "filer": escape(gettext("the filer")),
        "portal": escape(gettext("the portal")),
        "internal": " · " + escape(gettext("internal")),
    }
    entries = "".join(_entry(event, grievance.is_anonymous, words) for event in history.entries)
    return mark_safe(
        f'<ol class="list-unstyled border-start ps-3 mb-4" data-testid="timeline">{entries}\n</ol>'
    )


def _entry(event, anonymous, words):
    if event.by_filer:
        who = words["filer"]
    elif event.actor_id:
        who = escape(event.actor.get_full_name() or event.actor.email)
    else:
        who = words["portal"]
    files = "".join(
        FILE.format(
            url=escape(reverse("grievances:attachment", args=[file.token])),
            name=escape(file.display_name),
            size=escape(filesizeformat(file.size)),
        )
        for file in event.files
    )
    return ENTRY.format(
        highlight=" bg-warning-subtle p-2 rounded" if event.internal else "",
        kind=escape(event.kind),
        when=event.day if anonymous and not event.actor_id else event.minute,
        label=escape(event.kind_label),
        who=who,
        internal=words["internal"] if event.internal else "",
        text=f'\n    <div class="pre-line">{escape(event.text)}</div>' if event.text else "",
        files=files,
    )
