"""`{{ form.field|field }}`: a form field as crispy's Bootstrap 5 layout writes it
(wrapper, label with its asterisk, the widget with form-select/form-control and
is-invalid, the errors and the help text, aria-describedby by Django), written
out here in Python. Crispy renders each field through half a dozen templates: the
hardship file's two forms took over half of its page time that way."""

from django import forms, template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

# Widgets whose template is Django's input.html or textarea.html, written out below
# as those templates write them; any other widget renders through its template.
INPUT_TEMPLATES = {f"django/forms/widgets/{kind}.html" for kind in (
    "input", "text", "number", "email", "url", "password", "date", "datetime", "time",
    "search", "tel", "color",
)}  # fmt: skip
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"


def _attrs(attrs):
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _widget(bound, attrs):
    """What `bound.as_widget(attrs=attrs)` gives, without a template for an input
    or a textarea."""
    widget = bound.field.widget
    kind = getattr(widget, "template_name", None)
    if bound.field.localize or (kind not in INPUT_TEMPLATES and kind != TEXTAREA_TEMPLATE):
        return bound.as_widget(attrs=attrs)
    attrs = bound.build_widget_attrs(attrs, widget)
    if bound.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    context = widget.get_context(bound.html_name, bound.value(), attrs)["widget"]
    name, value = conditional_escape(context["name"]), context["value"]
    if kind == TEXTAREA_TEMPLATE:
        text = conditional_escape(value) if value else ""
        return mark_safe(f'<textarea name="{name}"{_attrs(context["attrs"])}>\n{text}</textarea>')
    value = "" if value is None else f' value="{conditional_escape(value)}"'
    return mark_safe(
        f'<input type="{context["type"]}" name="{name}"{value}{_attrs(context["attrs"])}>'
    )


@register.filter
def field(bound):
    widget = bound.field.widget
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    if bound.errors:
        css += " is-invalid"
    if widget.attrs.get("class"):
        css = f"{widget.attrs['class']} {css}"
    required = bound.field.required
    label = (
        format_html(
            '<label for="{}" class="form-label{}">{}{}</label>',
            bound.id_for_label,
            " requiredField" if required else "",
            bound.label,
            mark_safe('<span class="asteriskField">*</span>') if required else "",
        )  # fmt: skip
        if bound.label
        else ""
    )
    errors = ""
    if bound.errors:
        errors = format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            bound.auto_id,
            format_html_join(
                "", '<p id="error_{}_{}"><strong>{}</strong></p>',
                ((n, bound.auto_id, error) for n, error in enumerate(bound.errors, 1)),
            ),
        )  # fmt: skip
    help_text = ""
    if bound.help_text:
        # Not escaped, as Django and crispy write a help text.
        help_text = format_html(
            '<div id="{}_helptext" class="form-text">{}</div>',
            bound.auto_id, mark_safe(bound.help_text),
        )  # fmt: skip
    return format_html(
        '<div id="div_{}" class="mb-3">{}{}{}{}</div>',
        bound.auto_id, label, _widget(bound, {"class": css}), errors, help_text,
    )  # fmt: skip


@register.filter
def fields(form):
    """Every visible field of the form, in order, each as `field` writes it."""
    return mark_safe("".join(field(bound) for bound in form.visible_fields()))


# One row of the list of hardship files (selectors.hardship_file_rows), written here
# rather than by the template's loop: the same HTML, every value escaped.
FILE_ROW = (
    '\n  <li class="list-group-item" data-testid="file-row">\n'
    '    <a href="{url}">{name}</a>\n'
    '    <span class="badge text-bg-secondary">{level}</span>\n'
    "    {mark}\n"
    '    <div class="small text-body-secondary">{department} · {campus} · {reason} · '
    "{officer_label}: {officer} · {contact_label}: {contact}</div>\n"
    "  </li>\n  "
)


def _day(day):
    return f"{day:%Y-%m-%d}" if day else ""


@register.simple_tag
def file_rows(rows):
    from django.utils.translation import gettext

    closed = '<span class="badge text-bg-light">{}</span>'.format(
        conditional_escape(gettext("File closed"))
    )
    overdue = '<span class="badge text-bg-danger" data-testid="overdue">{}</span>'.format(
        conditional_escape(gettext("Overdue for contact"))
    )
    officer_label = conditional_escape(gettext("responsible officer"))
    contact_label = conditional_escape(gettext("last contact"))
    none_yet = conditional_escape(gettext("none yet"))
    return mark_safe(
        "".join(
            FILE_ROW.format(
                url=conditional_escape(row["url"]),
                name=conditional_escape(row["name"]),
                level=conditional_escape(row["level"]),
                mark=closed if row["closed"] else overdue if row["overdue"] else "",
                department=conditional_escape(row["department"]),
                campus=conditional_escape(row["campus"]),
                reason=conditional_escape(row["reason"]),
                officer_label=officer_label,
                officer=conditional_escape(row["officer"]),
                contact_label=contact_label,
                contact=f"{row['last_contact_on']:%Y-%m-%d}"
                if row["last_contact_on"]
                else none_yet,
            )
            for row in rows
        )
    )
