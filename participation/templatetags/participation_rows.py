"""The rows of the proposal and poll lists, written here with every value escaped
(the same HTML as the templates wrote them): a template per row cost more than the
rest of the page.

`{% proposal_rows proposals %}`: rows prepared by `selectors.list_page_rows`.
`{% poll_rows polls %}`: rows prepared by `selectors.poll_rows`."""

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def proposal_rows(proposals):
    rows = []
    for p in proposals:
        office = f" · {escape(p.office_name)}" if p.office_name is not None else ""
        rows.append(
            f'  <li class="list-group-item">\n'
            f'    <a href="{escape(p.url)}">{escape(p.title)}</a>\n'
            f'    <span class="badge text-bg-secondary" data-testid="proposal-status">'
            f"{escape(p.status_label)}</span>\n"
            f'    <div class="small text-body-secondary">{escape(p.proposer_name)} · '
            f"{escape(p.term_name)} · {escape(p.cosigners_label)}{office}</div>\n"
            f"  </li>\n"
        )
    return mark_safe("".join(rows))


def _when(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@register.simple_tag
def poll_rows(polls):
    states = {
        "draft": f'<span class="badge text-bg-warning" data-testid="poll-state">'
        f"{escape(gettext('Draft'))}</span>",
        "closed": f'<span class="badge text-bg-secondary" data-testid="poll-state">'
        f"{escape(gettext('Closed'))}</span>",
        "not_open": f'<span class="badge text-bg-info" data-testid="poll-state">'
        f"{escape(gettext('Not open yet'))}</span>",
        "open": f'<span class="badge text-bg-success" data-testid="poll-state">'
        f"{escape(gettext('Open'))}</span>",
    }
    secret = f'<span class="badge text-bg-dark">{escape(gettext("Secret ballot"))}</span>'
    answered = (
        f'<span class="badge text-bg-light border" data-testid="answered">'
        f"{escape(gettext('answered'))}</span>"
    )
    waiting = (
        f'<span class="badge text-bg-light border text-danger" data-testid="not-answered">'
        f"{escape(gettext('not answered'))}</span>"
    )
    rows = []
    for poll in polls:
        mark = ""
        if poll.state != "draft":
            mark = answered if poll.answered else waiting if poll.state == "open" else ""
        campus = f": {escape(poll.campus.name)}" if poll.campus else ""
        rows.append(
            f'  <li class="list-group-item">\n'
            f'    <a href="{escape(poll.url)}">{escape(poll.title)}</a>\n'
            f"    {states.get(poll.state, states['open'])}\n"
            f"    {secret if poll.secret else ''}\n"
            f"    {mark}\n"
            f'    <div class="small text-body-secondary">{_when(poll.opens_at)} – '
            f"{_when(poll.closes_at)} · {escape(poll.audience_label)}{campus}</div>\n"
            f"  </li>\n"
        )
    return mark_safe("".join(rows))
