"""Input a user can type never answers 500 and never writes anything."""

import pytest
from django.urls import reverse

from members.models import Member

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


@pytest.mark.parametrize(
    "path",
    [
        f"/roster/{HUGE}/",
        f"/roster/{HUGE}/edit/",
        f"/roster/import/{HUGE}/",
        f"/roster/?page={HUGE}",
        "/roster/?q=%00abc&department=%00&campus=-1&status=%00",
        "/roster/?q=" + "长" * 500,
        "/roster/export.csv?department=x&page=-1",
        f"/inbox/?page={HUGE}&show=%00",
    ],
)
def test_hostile_get_parameters_are_not_errors(client, people, path):
    client.force_login(people["officer"])
    assert client.get(path).status_code in (200, 404)


@pytest.mark.parametrize(
    "url, data",
    [
        (reverse("core:inbox_mark_read"), {"id": HUGE}),
        (reverse("core:inbox_mark_read"), {"id": "\x00"}),
        (reverse("core:set_language"), {"language": "\x00", "next": "\x00"}),
        (reverse("members:create"), {"staff_number": "\x00", "name": "a\x00b", "phone": HUGE}),
        (reverse("members:create"), {"joined_on": "2024-02-30", "branch": HUGE}),
        (reverse("members:import"), {"branch": HUGE}),
        (reverse("members:import_confirm", args=[1]), {}),
    ],
)
def test_hostile_posts_change_nothing(client, people, url, data):
    client.force_login(people["officer"])
    before = Member.objects.count()
    assert client.post(url, data).status_code in (200, 302, 404)
    assert Member.objects.count() == before
