"""`{% unbound_once "name" form %}…{% endunbound_once %}`: what is inside, rendered
once per process and language while `form` is unbound, and every time once it is
bound (it then shows what was typed and its errors).

A blank form is the same HTML for every reader, and its crispy-rendered fields
cost more than the rest of a case page or a list of 25 cases. Only the form's
fields belong inside: never the `<form>` with its CSRF token and action, nor
anything about the case or the reader."""

from django import template
from django.core.signals import setting_changed
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

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
