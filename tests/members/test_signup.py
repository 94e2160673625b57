import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from members.forms import MemberForm
from members.models import Member
from tests.factories import PASSWORD, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
OWNER_PASSWORD = "Qiu-yue-2026!"
ATTACKER_PASSWORD = "Hei-ke-2026?!"


def sign_up(client, email, password=OWNER_PASSWORD):
    return client.post(
        reverse("account_signup"), {"email": email, "password1": password, "password2": password}
    )


def confirmation_link(message):
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)


def sign_in(client, email, password):
    client.post(reverse("account_login"), {"login": email, "password": password})
    return client.session.get("_auth_user_id")


def english():
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def test_roster_email_signs_up_verifies_with_its_password_and_is_linked(client, branch):
    member = MemberFactory(branch=branch, email="wangfang@example.cn", user=None)
    response = sign_up(client, "WangFang@example.cn")
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="wangfang@example.cn")
    member.refresh_from_db()
    assert member.user is None  # not before the address is verified

    # Verification is mandatory: the sign-in is refused until the link is followed.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["wangfang@example.cn"]
    link = confirmation_link(mail.outbox[0])
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "wangfang@example.cn", "password": OWNER_PASSWORD}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    # Confirming takes the password chosen at sign-up, and signs in.
    response = Client().post(link, {"password": OWNER_PASSWORD})
    member.refresh_from_db()
    assert response.status_code == 302 and member.user == user
    assert User.objects.get(pk=user.pk).first_name == member.name
    assert sign_in(client, "wangfang@example.cn", OWNER_PASSWORD) == str(user.pk)
    assert client.get(reverse("members:me")).context["member"] == member


def outcome_world(case, branch):
    email = "someone@example.cn"
    if case == "on_roster":
        MemberFactory(branch=branch, email=email, user=None)
    elif case == "retired":
        MemberFactory(branch=branch, email=email, status="retired")
    elif case == "claimed":
        MemberFactory(branch=branch, email=email, user=UserFactory(email="old@example.cn"))
    elif case == "has_account":
        MemberFactory(branch=branch, email=email, user=UserFactory(email=email))
    return email


CASES = ["on_roster", "not_on_roster", "retired", "claimed", "has_account"]


@pytest.mark.parametrize("case", CASES)
def test_every_address_gets_the_same_answer_and_the_mail_tells(client, branch, case):
    email = outcome_world(case, branch)
    users_before = User.objects.count()
    response = sign_up(client, email)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "不在在册会员名单上" not in client.get(response["Location"]).content.decode()
    assert User.objects.count() == users_before + (case == "on_roster")

    [message] = mail.outbox
    assert message.to == [email]
    body = message.body
    expected = {
        "on_roster": "/accounts/confirm-email/",
        "not_on_roster": "不在在册会员名单上",
        "retired": "不在在册会员名单上",
        "claimed": "已有账号",
        "has_account": "/accounts/password/reset/",
    }[case]
    assert expected in body, body
    if case in ("not_on_roster", "retired", "claimed"):
        assert "未创建账号" in message.subject + body


def test_the_sign_up_page_never_says_whether_an_address_is_on_the_roster(branch):
    pages = {}
    for case in CASES:
        Member.objects.all().delete()
        User.objects.all().delete()
        email = outcome_world(case, branch)
        client = english()
        response = sign_up(client, email)
        pages[case] = (response.status_code, response["Location"])
    assert len(set(pages.values())) == 1, pages


LOOKALIKES = [
    "\u017ftaff02041@example.cn",  # ſ, which PostgreSQL's UPPER() folds to S
    "\u212astaff02041@example.cn",  # K, the Kelvin sign, which str.lower() makes k
    "staff02041@\uff45xample.cn",  # a full-width e
]


@pytest.mark.parametrize("email", LOOKALIKES)
def test_a_lookalike_email_never_claims_a_roster_entry(client, branch, email):
    owner_email = "staff02041@example.cn" if "\u212a" not in email else "kstaff02041@example.cn"
    member = MemberFactory(branch=branch, staff_number="STAFF02041", email=owner_email, user=None)
    response = sign_up(client, email, ATTACKER_PASSWORD)
    assert response["Location"] == reverse("account_email_verification_sent")
    member.refresh_from_db()
    assert member.user is None
    assert not User.objects.exists()
    assert all(owner_email not in message.to for message in mail.outbox)
    # The roster does not take them either, and lookups never fold them.
    assert not Member.objects.filter(email=email).exists()
    form = MemberForm(data={"email": email}, instance=Member(branch=branch), branch_ids={branch.pk})
    assert "email" in form.errors


def test_emails_match_the_roster_whatever_the_capitals(branch):
    member = MemberFactory(branch=branch, email=" Li.Ming@Example.CN ")
    member.refresh_from_db()
    assert member.email == "li.ming@example.cn"
    assert Member.objects.get(email="LI.MING@example.cn") == member


def test_an_unverified_sign_up_sees_no_member_and_a_second_one_replaces_it(branch):
    member = MemberFactory(branch=branch, email="staff02042@example.cn", user=None)
    attacker, owner = english(), english()
    sign_up(attacker, "STAFF02042@example.cn", ATTACKER_PASSWORD)
    first = User.objects.get(email="staff02042@example.cn")
    member.refresh_from_db()
    assert member.user is None
    assert sign_in(attacker, "staff02042@example.cn", ATTACKER_PASSWORD) is None

    sign_up(owner, "staff02042@example.cn", OWNER_PASSWORD)
    assert not User.objects.filter(pk=first.pk).exists()
    second = User.objects.get(email="staff02042@example.cn")
    owner.post(confirmation_link(mail.outbox[-1]), {"password": OWNER_PASSWORD})
    member.refresh_from_db()
    assert member.user == second

    # The first sign-up's link and password are gone with it.
    old_link = confirmation_link(mail.outbox[0])
    assert english().post(old_link, {"password": ATTACKER_PASSWORD}).status_code == 404
    assert sign_in(english(), "staff02042@example.cn", ATTACKER_PASSWORD) is None
    assert sign_in(english(), "staff02042@example.cn", OWNER_PASSWORD) == str(second.pk)


def test_the_owner_following_someone_elses_sign_up_link_cannot_hand_them_the_membership(branch):
    member = MemberFactory(branch=branch, email="staff02043@example.cn", user=None)
    sign_up(english(), "staff02043@example.cn", ATTACKER_PASSWORD)
    link = confirmation_link(mail.outbox[0])

    owner = english()
    page = owner.get(link).content.decode()
    assert 'name="password"' in page and "Did not sign up yourself?" in page
    for attempt in ({}, {"password": "what-password?"}):
        response = owner.post(link, attempt)
        assert response.status_code == 200
    assert "not the password chosen at sign-up" in response.content.decode()
    member.refresh_from_db()
    assert member.user is None
    assert sign_in(english(), "staff02043@example.cn", ATTACKER_PASSWORD) is None


def test_a_member_with_an_account_adds_nothing_by_confirming_another_address(client, people):
    # An account holds one roster entry: a second verified address claims nothing.
    from members import services

    other = MemberFactory(branch=people["member"].member.branch, email="second@example.cn")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(
        user=people["member"], email="second@example.cn", verified=True, primary=False
    )
    assert services.member_claim(user=people["member"], email="second@example.cn") is None
    other.refresh_from_db()
    assert other.user is None


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


def test_repeated_sign_ups_cannot_flood_a_mailbox(branch):
    for n in range(6):
        response = sign_up(Client(REMOTE_ADDR=f"198.51.100.{n}"), "nobody@example.cn")
        assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 3


def test_a_password_reset_is_reported_to_the_address(client, branch):
    user = UserFactory(email="reset@example.cn")
    client.post(reverse("account_reset_password"), {"email": "reset@example.cn"})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    set_password = client.get(link.group(1))["Location"]
    client.post(set_password, {"password1": OWNER_PASSWORD, "password2": OWNER_PASSWORD})
    user.refresh_from_db()
    assert user.check_password(OWNER_PASSWORD)
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["reset@example.cn"]
