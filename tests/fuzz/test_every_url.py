"""A fuzz pass over every URL of the project: random query strings, random form posts
in every encoding (missing fields, wrong types, broken formset counts, random files),
random path parameters. Never a 500, and nothing written when the request is rejected.

Each example runs in a savepoint rolled back after it, so all start from `world`.
A failure prints the test-client call that replays it.
"""

import pytest
from django.urls import reverse
from hypothesis import example, given, settings
from hypothesis import strategies as st

from .checks import Visitor
from .inputs import (
    Request,
    explicit_gets,
    explicit_parameters,
    explicit_posts,
    fill_placeholders,
    form_data,
    get_requests,
    parameter_values,
    post_requests,
)
from .routes import CASES, SETUP, WITH_PARAMETERS, project_routes

pytestmark = pytest.mark.django_db

# Random examples per test (explicit ones come on top): the profile's (FUZZ_EXAMPLES);
# a few where a method does nothing but refuse (GET of a POST-only view) or where no
# form posts to the page (a list reads a POST as a GET); a third for path parameters.
EXAMPLES = settings.get_profile("fuzz").max_examples
FEW = 3
PARAMETER_EXAMPLES = max(EXAMPLES // 3, FEW)


def fuzz(strategy, examples, check, explicit=()):
    """`explicit` requests first, then `examples` drawn from `strategy`."""

    def run(request):
        check(request)

    run = given(strategy)(run)
    for request in reversed(explicit):
        run = example(request)(run)
    settings(settings.get_profile("fuzz"), max_examples=examples)(run)()


def _sample_kwargs(case, objects):
    """The case's objects, or any value its converters accept (a URL without SETUP)."""
    known = case.kwargs(objects)
    if known is not None:
        return known
    return {k: 1 if c == "IntConverter" else "x" for k, c in case.converters.items()}


def _path(case, objects):
    return reverse(case.name, kwargs=_sample_kwargs(case, objects))


def _random_paths(case, objects):
    """Each path parameter either the real object's or a random value (raw bytes for a
    string parameter, %-escaped: NUL, broken UTF-8, huge numbers…)."""
    known = case.kwargs(objects) or {}
    parameters = {
        name: st.one_of(
            *([st.just((known[name], None))] if name in known else []),
            parameter_values(converter),
        )
        for name, converter in case.converters.items()
    }

    explicit = [
        _build_path(case, {name: explicit_parameters(c)[i] for name, c in case.converters.items()})
        for i in range(3)
    ]
    return st.fixed_dictionaries(parameters).map(lambda chosen: _build_path(case, chosen)), explicit


def _build_path(case, chosen):
    """The path with each parameter's (value, raw bytes or None) in place."""
    kwargs = {**case.fixed, **{name: value for name, (value, _raw) in chosen.items()}}
    raws = [raw for _value, raw in chosen.values() if raw is not None]
    return fill_placeholders(reverse(case.name, kwargs=kwargs), raws)


@pytest.fixture
def visitor(request, world, private_files):
    people, _objects = world
    case = request.getfixturevalue("case")
    return Visitor(people.get(case.role), private_files)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_no_page_answers_500_to_random_query_strings(case, world, visitor):
    path = _path(case, world[1])
    offered = visitor.offered(path)
    if offered.get_answers_405:
        fuzz(get_requests(st.just(path), offered.get), FEW, visitor.check)
    else:
        fuzz(
            get_requests(st.just(path), offered.get),
            EXAMPLES,
            visitor.check,
            explicit_gets(path, offered.get),
        )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rejected_posts_write_nothing(case, world, visitor):
    path = _path(case, world[1])
    offered = visitor.offered(path, prefilled_by=case.prefilled_by(world[1]))
    if offered.has_post_form or offered.get_answers_405:
        fuzz(
            post_requests(st.just(path), offered.post),
            EXAMPLES,
            visitor.check,
            explicit_posts(path, offered.post),
        )
    else:
        fuzz(post_requests(st.just(path), offered.post), FEW, visitor.check)


@pytest.mark.parametrize("case", WITH_PARAMETERS, ids=[c.id for c in WITH_PARAMETERS])
def test_random_url_parameters_never_answer_500(case, world, visitor):
    paths, explicit = _random_paths(case, world[1])
    requests = st.one_of(
        st.builds(lambda path: Request("get", path), paths),
        st.builds(lambda path, data: Request("post", path, data), paths, form_data({})),
    )
    explicit = [Request(method, path) for path in explicit for method in ("get", "post")]
    fuzz(requests, PARAMETER_EXAMPLES, visitor.check, explicit)


def test_every_url_has_a_fuzz_setup():
    """A URL without SETUP is fuzzed as an officer with random path parameters only,
    which mostly fuzzes its permission check and its 404."""
    assert set(project_routes()) - set(SETUP) == set()
