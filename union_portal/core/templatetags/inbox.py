"""`{% inbox_items page.object_list %}`: the inbox's messages. A tag, not a loop in
the template: a dozen variables and conditions a message for 20 messages took
most of the page's rendering time; here each message is a few format_html()."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()

ITEM = (
    '<li class="list-group-item{}" data-testid="notification">\n'
    '        <div class="d-flex justify-content-between gap-2">\n'
    "          <strong>{}{}</strong>\n"
    '          <small class="text-body-secondary text-nowrap">{}</small>\n'
    "        </div>\n"
    "        {}{}\n"
    "      </li>"
)
BODY = '<div class="mt-1 pre-line">{}</div>'
FORM = (
    '\n        <form method="post" action="{}" class="mt-2">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">\n'
    '            <input type="hidden" name="id" value="{}">\n'
    "            {}\n"
    "          </form>"
)


@register.simple_tag(takes_context=True)
def inbox_items(context, items):
    """Each message: unread ones marked “New” and with a button marking them read,
    those with a link with a button opening it (and marking it read)."""
    new = format_html('<span class="badge text-bg-warning me-1">{}</span>', gettext("New"))
    view = format_html('<button class="btn btn-sm btn-primary">{}</button>', gettext("View"))
    mark = format_html(
        '<button class="btn btn-sm btn-outline-secondary">{}</button>', gettext("Mark as read")
    )
    action = reverse("core:inbox_mark_read")
    token = str(context.get("csrf_token", ""))
    html = []
    for item in items:
        unread = not item.is_read
        form = (
            format_html(FORM, action, token, item.pk, view if item.url else mark)
            if unread or item.url
            else ""
        )
        html.append(
            format_html(
                ITEM,
                " list-group-item-warning" if unread else "",
                new if unread else "",
                item.subject,
                date_format(timezone.localtime(item.created_at), "Y-m-d H:i"),
                format_html(BODY, item.body) if item.body else "",
                form,
            )
        )
    return mark_safe("\n    ".join(html))
