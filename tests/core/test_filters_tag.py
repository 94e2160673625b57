"""{% filters %}: a list's filter form folded on phones behind a button that counts
the filters set (tests/browser/test_phone_layout.py shows it in a browser)."""

from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

TEMPLATE = Template(
    '{% load portal %}{% filters status="open" %}<form method="get"></form>{% endfilters %}'
)


def rendered(query):
    request = RequestFactory().get("/list/", query)
    with translation.override("zh-hans"):
        return TEMPLATE.render(Context({"request": request}))


def test_blank_values_defaults_and_the_page_number_do_not_count():
    html = rendered({"q": " ", "status": "open", "page": "3", "campus": ""})
    assert ">筛选</summary>" in html.replace("\n", "")


def test_each_parameter_set_counts_once_even_with_several_values():
    html = rendered({"q": "工资", "status": "closed", "campus": ["1", "2"]})
    assert "筛选（3）" in html


def test_the_form_is_inside_the_folding_element():
    html = rendered({})
    assert html.index("<details") < html.index("<form") < html.index("</details>")
