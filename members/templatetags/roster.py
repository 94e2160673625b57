"""`{% roster_rows page.object_list detail_prefix %}`: a roster page's table rows.
A tag, not a loop in the template: some ten variables a row for 25 rows took most
of the page's rendering time; here each row is one format_html()."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()

ROW = (
    "<tr>\n"
    "      <td>{}</td>\n"
    '      <td><a href="{}{}/">{}</a>\n'
    "        {}\n"
    "        {}\n"
    '        <div class="d-md-none small text-body-secondary">{} · {}</div>\n'
    "      </td>\n"
    '      <td class="d-none d-md-table-cell">{}</td>\n'
    '      <td class="d-none d-md-table-cell">{}</td>\n'
    "      <td>{}</td>\n"
    "    </tr>"
)


@register.simple_tag
def roster_rows(rows, detail_prefix):
    """`rows` as members.selectors.roster_rows() and label_statuses() give them."""
    representative = format_html('<span class="badge text-bg-info">{}</span>', gettext("Rep."))
    hardship = format_html('<span class="badge text-bg-warning">{}</span>', gettext("Hardship"))
    return mark_safe(
        "\n    ".join(
            format_html(
                ROW,
                row.staff_number,
                detail_prefix,
                row.pk,
                row.name,
                representative if row.is_representative else "",
                hardship if row.has_hardship else "",
                row.department_name,
                row.campus_name,
                row.department_name,
                row.campus_name,
                row.status_label,
            )
            for row in rows
        )
    )
