import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def sign_up(client, email, password="Qiu-yue-2026!"):
    return client.post(
        reverse("account_signup"), {"email": email, "password1": password, "password2": password}
    )


def test_roster_email_signs_up_verifies_and_is_linked(client, branch):
    member = MemberFactory(branch=branch, email="wangfang@example.cn", user=None)
    response = sign_up(client, "WangFang@example.cn")
    assert response.status_code == 302
    user = User.objects.get(email__iexact="wangfang@example.cn")
    member.refresh_from_db()
    assert member.user == user and user.first_name == member.name

    # Verification is mandatory: the sign-in is refused until the link is followed.
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/confirm-email/\S+/)", mail.outbox[0].body)
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "wangfang@example.cn", "password": "Qiu-yue-2026!"}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    client.post(link.group(1))
    response = client.post(
        reverse("account_login"), {"login": "wangfang@example.cn", "password": "Qiu-yue-2026!"}
    )
    assert response.status_code == 302
    assert client.get(reverse("members:me")).context["member"] == member


@pytest.mark.parametrize("case", ["not_on_roster", "retired", "already_claimed"])
def test_signup_is_refused_in_chinese_and_creates_nothing(client, branch, case):
    email = "someone@example.cn"
    if case == "retired":
        MemberFactory(branch=branch, email=email, status="retired")
    elif case == "already_claimed":
        MemberFactory(branch=branch, email=email, user=UserFactory(email="old@example.cn"))
    users_before = User.objects.count()
    response = sign_up(client, email)
    assert response.status_code == 200
    assert "不在在册会员名单上" in response.content.decode()
    assert User.objects.count() == users_before
    assert mail.outbox == []


def test_sign_in_with_email_and_password(client, branch):
    user = UserFactory(email="li@example.cn")
    MemberFactory(branch=branch, user=user, email=user.email)
    wrong = client.post(reverse("account_login"), {"login": "li@example.cn", "password": "nope"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(
        reverse("account_login"), {"login": "li@example.cn", "password": PASSWORD}
    )
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_password_reset_sends_a_link(client, branch):
    user = UserFactory(email="reset@example.cn")
    client.post(reverse("account_reset_password"), {"email": "reset@example.cn"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
