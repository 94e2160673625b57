"""The fuzz suite's judge, judged: it tells a rejection when it sees one, and notices a
500 and a write on rejection (a fuzz pass that cannot fail proves nothing)."""

import pytest
from django.test import Client

from members.models import Campus

from .checks import Visitor, rejection
from .inputs import Request

pytestmark = pytest.mark.django_db


class _Stub:
    """A request whose sending does something a view should not."""

    def __init__(self, send):
        self.send = send

    def __repr__(self):
        return "stub"


def test_a_write_on_a_rejected_request_is_noticed(world, private_files):
    def writes_then_answers_404(client):
        Campus.objects.create(name="fuzz oracle")
        return client.get("/no-such-page/")

    with pytest.raises(AssertionError, match="rejected .*status 404.* wrote to .*members_campus"):
        Visitor(None, private_files).check(_Stub(writes_then_answers_404))


def test_an_exception_in_a_view_is_noticed(world, private_files):
    def raises(client):
        raise ValueError("boom")

    with pytest.raises(AssertionError, match="raised ValueError: boom"):
        Visitor(None, private_files).check(_Stub(raises))


def test_a_write_on_an_accepted_request_is_fine(world, private_files):
    def writes_then_redirects(client):
        Campus.objects.create(name="fuzz oracle")
        return client.post("/language/", {"language": "en"})

    Visitor(None, private_files).check(_Stub(writes_then_redirects))


@pytest.mark.parametrize(
    "role, request_, reason",
    [
        ("officer", Request("post", "/roster/new/", {"name": ""}), "MemberForm errors"),
        ("member", Request("post", "/inbox/read/", {"id": "abc"}), "error message"),
        ("member", Request("get", "/roster/"), "status 403"),
    ],
)
def test_rejections_are_recognised(world, role, request_, reason):
    client = Client()
    client.force_login(world[0][role])
    assert reason in rejection(request_.send(client))
