"""The admin is entered through the portal's sign-in, with its limits."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(email="root@example.cn", is_staff=True, is_superuser=True)


def test_the_admins_password_form_signs_nobody_in_even_after_guessing(client, staff):
    for _ in range(30):
        client.post("/admin/login/", {"username": staff.username, "password": "guess"})
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff.username, "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_guessing_the_admins_password_is_throttled_by_the_sign_in(client, staff):
    client.cookies["django_language"] = "en"
    for _ in range(5):
        client.post(reverse("account_login"), {"login": staff.email, "password": "guess"})
    response = client.post(
        reverse("account_login") + "?next=/admin/", {"login": staff.email, "password": PASSWORD}
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_reach_the_admin_through_the_portal_sign_in(client, staff):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_login") + "?next=%2Fadmin%2F"
    response = client.post(
        response.redirect_chain[-1][0], {"login": staff.email, "password": PASSWORD}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_signed_in_member_gets_the_admins_refusal(client, people):
    client.force_login(people["member"])
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert "_auth_user_id" in client.session


def test_the_admin_sign_in_does_not_send_anyone_elsewhere(client, staff):
    client.force_login(staff)
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/admin/"
    response = client.get("/admin/login/?next=/admin/core/user/")
    assert response["Location"] == "/admin/core/user/"
