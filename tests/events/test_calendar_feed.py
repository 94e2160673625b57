"""The private calendar feed: a random key per member, replaced on request."""

import pytest
from django.core import signing
from django.urls import reverse

from events import services
from tests.factories import EventFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(people, branch):
    event = EventFactory(branch=branch, title="羽毛球赛")
    services.registration_create(
        member=people["member"].member, event=event, venue_id=VenueFactory(event=event).pk
    )
    return people["member"]


def feed_path(client):
    return client.get(reverse("events:mine")).context["feed_url"].replace("http://testserver", "")


def test_a_feed_link_cannot_be_forged_from_the_secret_key(client, registered):
    # The old scheme: the user's id signed with the secret key.
    forged = signing.dumps(registered.pk, salt="events.personal-feed")
    assert client.get(reverse("events:feed", args=[forged])).status_code == 404


def test_a_member_replaces_their_calendar_link_and_the_old_one_stops_working(client, registered):
    client.force_login(registered)
    client.cookies["django_language"] = "en"
    old = feed_path(client)
    assert "羽毛球赛" in client.get(old).content.decode()

    # Without the confirmation nothing changes.
    response = client.post(reverse("events:feed_reset"), follow=True)
    assert "tick the box" in response.content.decode()
    assert feed_path(client) == old and client.get(old).status_code == 200

    response = client.post(reverse("events:feed_reset"), {"confirm": "on"}, follow=True)
    assert "You have a new calendar link" in response.content.decode()
    new = feed_path(client)
    assert new != old
    assert client.get(old).status_code == 404
    client.logout()
    assert "羽毛球赛" in client.get(new).content.decode()


def test_one_members_reset_leaves_the_others_links_alone(client, people, registered):
    client.force_login(people["officer"])
    officers = feed_path(client)
    client.force_login(registered)
    client.post(reverse("events:feed_reset"), {"confirm": "on"})
    assert client.get(officers).status_code == 200


@pytest.mark.parametrize("token", ["x" * 5000, "a\x00b", "ſ" * 43, "A" * 42])
def test_odd_feed_keys_are_not_found(client, token):
    assert client.get(f"/events/feed/{token}.ics").status_code == 404
