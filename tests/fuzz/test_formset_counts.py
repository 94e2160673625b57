"""Formset management counts beyond the formset's limit ("lines-TOTAL_FORMS": "100000")
are refused without a 500 and without a write.

Each such request takes seconds today: Django builds absolute_max empty forms
(max_num + 1000) and the page renders them all with the error. So these run only with
FUZZ_HUGE_FORMSETS=1, which also puts huge counts into the random pass.
"""

import os

import pytest
from django.urls import reverse

from .checks import Visitor
from .inputs import HUGE, Request, plausible_form

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not os.environ.get("FUZZ_HUGE_FORMSETS"),
        reason="seconds a request; FUZZ_HUGE_FORMSETS=1 runs it",
    ),
]

# url name, key of `world`, formset prefix
FORMSET_PAGES = [
    ("events:create", "none", "venues"),
    ("events:edit", "event", "venues"),
    ("events:create", "none", "trips"),
    ("events:edit", "event", "trips"),
    ("notices:create", "fund", "lines"),
    ("notices:create", "award", "awards"),
    ("notices:edit", "draft_notice", "lines"),
    ("notices:correct", "members_notice", "lines"),
]


@pytest.mark.parametrize("count", ["100000", HUGE])
@pytest.mark.parametrize("name, objects, prefix", FORMSET_PAGES)
def test_huge_formset_counts_are_refused(world, private_files, name, objects, prefix, count):
    people, kwargs = world
    kwargs = {"kind": objects} if name == "notices:create" else kwargs[objects]
    visitor = Visitor(people["officer"], private_files)
    path = reverse(name, kwargs=kwargs)
    data = {**plausible_form(visitor.offered(path).post), f"{prefix}-TOTAL_FORMS": count}
    response = visitor.check(Request("post", path, data))
    assert response.status_code == 200  # the form again, with the formset's error
