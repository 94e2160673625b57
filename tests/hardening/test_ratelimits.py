"""Rate limits hold when hit in parallel, refuse guessing when Redis is down,
believe X-Forwarded-For only from our own proxies, and never let a stranger
lock a member out."""

import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from tests.hardening.test_faults import own_redis  # noqa: F401  (a fixture)

LOOKUP = "grievances:lookup"
TOO_MANY = "Too many attempts"
NOT_FOUND = "No case has this receipt code"
PAUSED = "Receipt codes cannot be checked at the moment"


def english_client(**defaults):
    client = Client(**defaults)
    client.cookies["django_language"] = "en"
    return client


def look_up(client, **extra):
    return client.post(reverse(LOOKUP), {"code": "WRONG-CODE-0000"}, **extra).content.decode()


@pytest.mark.django_db(transaction=True)
def test_thirty_parallel_receipt_lookups_let_exactly_the_limit_through(settings):
    limit = settings.GRIEVANCE_RECEIPT_LOOKUPS_PER_10_MIN
    start = threading.Barrier(30)
    pages = []

    def guess():
        client = english_client()
        start.wait()
        try:
            pages.append(look_up(client))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pages) == 30
    assert sum(NOT_FOUND in page for page in pages) == limit
    assert sum(TOO_MANY in page for page in pages) == 30 - limit


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_receipt_lookups_are_refused_but_sign_in_works(
    people,
    own_redis,  # noqa: F811
):
    own_redis.stop()
    guesser = english_client()
    pages = [look_up(guesser) for _ in range(3)]
    assert all(PAUSED in page and NOT_FOUND not in page for page in pages)

    member = english_client()
    member.post(
        reverse("account_login"),
        {"login": people["member"].email, "password": "correct-horse-battery"},
    )
    assert member.session.get("_auth_user_id") == str(people["member"].pk)


@pytest.mark.django_db
def test_forwarded_for_is_ignored_without_a_trusted_proxy(settings):
    settings.GRIEVANCE_RECEIPT_LOOKUPS_PER_10_MIN = 2
    settings.PORTAL_TRUSTED_PROXY_COUNT = 0
    client = english_client()
    pages = [look_up(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}") for n in range(3)]
    assert TOO_MANY in pages[2]


@pytest.mark.django_db
def test_forwarded_for_is_honoured_behind_a_trusted_proxy(settings):
    settings.GRIEVANCE_RECEIPT_LOOKUPS_PER_10_MIN = 2
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1
    proxy = english_client(REMOTE_ADDR="10.0.0.2")
    # Three visitors behind the same proxy each get their own allowance…
    pages = [look_up(proxy, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}") for n in range(3)]
    assert all(NOT_FOUND in page for page in pages)
    # …but what a visitor writes to the left of the proxy's entry is not believed.
    spoofed = [look_up(proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9") for n in range(3)]
    assert TOO_MANY in spoofed[2]


@pytest.mark.django_db
def test_a_strangers_wrong_passwords_do_not_lock_the_member_out(people):
    email = people["member"].email
    stranger = english_client(REMOTE_ADDR="198.51.100.66")
    for _ in range(6):
        stranger.post(reverse("account_login"), {"login": email, "password": "guess"})
    assert (
        "Too many failed login attempts"
        in stranger.post(
            reverse("account_login"), {"login": email, "password": "correct-horse-battery"}
        ).content.decode()
    )

    member = english_client(REMOTE_ADDR="203.0.113.5")
    member.post(reverse("account_login"), {"login": email, "password": "correct-horse-battery"})
    assert member.session.get("_auth_user_id") == str(people["member"].pk)


@pytest.mark.django_db
def test_sign_in_limits_count_the_forwarded_address_behind_a_trusted_proxy(people, settings):
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1
    email = people["member"].email
    proxy = english_client(REMOTE_ADDR="10.0.0.2")
    for _ in range(5):
        proxy.post(
            reverse("account_login"),
            {"login": email, "password": "guess"},
            HTTP_X_FORWARDED_FOR="198.51.100.66",
        )
    proxy.post(
        reverse("account_login"),
        {"login": email, "password": "correct-horse-battery"},
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    assert proxy.session.get("_auth_user_id") == str(people["member"].pk)
