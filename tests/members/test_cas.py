"""Campus sign-on (统一身份认证): the roster gate of members.services.member_cas_sign_in,
the sign-in page and its switches, and the CAS URL for every role. The browser
tests (tests/browser/test_cas.py) go through a real CAS server."""

import logging

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse

from members import services
from members.models import Member
from tests.factories import PASSWORD, MemberFactory, UserFactory, user_with_role

CAS_URL = "http://127.0.0.1:9/cas/"  # never reached by these tests


@pytest.fixture
def cas_configured(settings):
    settings.CAS_SERVER_URL = CAS_URL
    settings.CAS_ROOT_PROXIED_AS = "https://portal.example.edu.cn"


# -- the roster gate ----------------------------------------------------------


@pytest.mark.django_db
def test_the_first_sign_in_makes_an_account_and_links_the_roster_entry(branch):
    member = MemberFactory(branch=branch, staff_number="20200001", name="李雷", user=None)
    user = services.member_cas_sign_in(
        staff_number="20200001", name="李雷", email="LiLei@campus.example.cn", language="en"
    )
    member.refresh_from_db()
    assert member.user == user
    assert (user.first_name, user.email, user.language) == ("李雷", "lilei@campus.example.cn", "en")
    assert not user.has_usable_password()
    # The next sign-in finds the same account.
    assert services.member_cas_sign_in(staff_number="20200001") == user
    assert get_user_model().objects.filter(member=member).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status", [Member.Status.RETIRED, Member.Status.TRANSFERRED, Member.Status.LAPSED]
)
def test_a_member_not_active_on_the_roster_is_refused(branch, status):
    member = MemberFactory(branch=branch, staff_number="20200002", status=status, user=None)
    accounts = get_user_model().objects.count()
    with pytest.raises(services.CasSignInRefused) as refusal:
        services.member_cas_sign_in(staff_number="20200002", email="x@campus.example.cn")
    assert refusal.value.reason == services.CAS_NOT_ACTIVE
    member.refresh_from_db()
    assert member.user is None
    assert get_user_model().objects.count() == accounts


@pytest.mark.django_db
@pytest.mark.parametrize("staff_number", ["20209999", "２０２００００３", "20200003 ", "9" * 5000])
def test_an_unknown_staff_number_is_refused(branch, staff_number):
    MemberFactory(branch=branch, staff_number="20200003", user=None)
    accounts = get_user_model().objects.count()
    with pytest.raises(services.CasSignInRefused) as refusal:
        services.member_cas_sign_in(staff_number=staff_number)
    assert refusal.value.reason == services.CAS_NOT_ON_ROSTER
    assert get_user_model().objects.count() == accounts


@pytest.mark.django_db
def test_a_member_with_a_password_account_is_linked_by_the_roster_never_by_email(branch):
    member_user = user_with_role("member", branch, staff_number="20200004")
    colleague = user_with_role("member", branch, staff_number="20200005")
    # The CAS side says 20200004's address is the colleague's.
    user = services.member_cas_sign_in(
        staff_number="20200004", name="新名字", email=colleague.email
    )
    assert user == member_user
    user.refresh_from_db()
    assert user.email != colleague.email  # another account's address is left alone
    assert user.first_name == "新名字"
    assert user.check_password(PASSWORD)  # the password sign-in still works
    assert Member.objects.get(staff_number="20200005").user == colleague


@pytest.mark.django_db
def test_an_address_that_only_matches_an_unclaimed_roster_entry_links_nothing(branch):
    """The account of 20200006 takes the address from CAS; the roster entry of
    the address (20200007, no account) stays unclaimed."""
    other = MemberFactory(branch=branch, staff_number="20200007", user=None)
    MemberFactory(branch=branch, staff_number="20200006", user=None)
    user = services.member_cas_sign_in(staff_number="20200006", email=other.email)
    other.refresh_from_db()
    assert other.user is None
    assert user.member.staff_number == "20200006"
    assert not EmailAddress.objects.filter(user=user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["ſhen@campus.example.cn", "not-an-address", "a" * 300])
def test_an_address_that_is_not_plain_is_ignored(branch, email):
    MemberFactory(branch=branch, staff_number="20200008", user=None)
    user = services.member_cas_sign_in(staff_number="20200008", email=email)
    assert user.email == ""


@pytest.mark.django_db
def test_a_disabled_account_is_refused(branch):
    user = UserFactory(is_active=False)
    MemberFactory(branch=branch, staff_number="20200009", user=user)
    with pytest.raises(services.CasSignInRefused) as refusal:
        services.member_cas_sign_in(staff_number="20200009")
    assert refusal.value.reason == services.CAS_ACCOUNT_DISABLED


# -- pages ----------------------------------------------------------------------


@pytest.mark.django_db
def test_without_a_cas_server_the_sign_in_page_has_no_button_and_no_cas_url(client):
    response = client.get(reverse("account_login"))
    assert 'data-testid="cas-login"' not in response.content.decode()
    assert 'name="password"' in response.content.decode()
    assert client.get(reverse("cas_login")).status_code == 404


@pytest.mark.django_db
def test_with_a_cas_server_the_sign_in_page_offers_it_beside_the_password(client, cas_configured):
    page = client.get(reverse("account_login")).content.decode()
    assert "统一身份认证登录" in page
    assert 'name="password"' in page
    csp = client.get(reverse("account_login"))["Content-Security-Policy"]
    assert "form-action 'self' http://127.0.0.1:9;" in csp


@pytest.mark.django_db
def test_the_cas_sign_in_sends_the_visitor_to_the_cas_server_with_the_portal_as_service(
    client, cas_configured
):
    response = client.get(reverse("cas_login"), HTTP_HOST="evil.example.com")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(CAS_URL + "login?service=")
    # Built on the portal's own address, never the Host header.
    assert "https%3A%2F%2Fportal.example.edu.cn%2Faccounts%2Fcas%2Flogin%2F" in location
    assert "evil" not in location


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["https://evil.example.com/", "//evil.example.com/x"])
def test_a_next_to_another_site_is_dropped(client, cas_configured, next_url):
    response = client.get(reverse("cas_login"), {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == reverse("cas_login")


CAS_URL_BY_ROLE = {"anonymous": "cas", **dict.fromkeys(["member", "officer", "chair"], "/")}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "member", "officer", "chair", "liaison"])
def test_the_cas_sign_in_url_for_every_role(client, cas_configured, branch, role):
    """Signed out: on to the CAS server. Signed in (any role): home, nothing asked."""
    if role != "anonymous":
        client.force_login(user_with_role(role, branch))
    response = client.get(reverse("cas_login"))
    assert response.status_code == 302
    expected = CAS_URL if role == "anonymous" else "/"
    assert response["Location"].startswith(expected)


@pytest.mark.django_db
def test_with_password_sign_in_switched_off_the_page_offers_cas_only_and_refuses_a_password(
    client, cas_configured, settings, branch
):
    settings.PORTAL_PASSWORD_SIGN_IN = False
    user = user_with_role("member", branch)
    page = client.get(reverse("account_login")).content.decode()
    assert "统一身份认证登录" in page
    assert 'name="password"' not in page

    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )
    assert "本门户已关闭邮箱和密码登录" in response.content.decode()
    assert "_auth_user_id" not in client.session

    signup = client.get(reverse("account_signup"))
    assert signup.status_code == 200
    assert "请使用统一身份认证登录" in signup.content.decode()
    response = client.post(
        reverse("account_signup"),
        {"email": user.email, "password1": "Qiu-yue-2026!", "password2": "Qiu-yue-2026!"},
    )
    assert get_user_model().objects.filter(email=user.email).count() == 1


@pytest.mark.django_db
def test_password_sign_in_stays_when_no_cas_server_is_configured(client, settings, branch):
    settings.PORTAL_PASSWORD_SIGN_IN = False  # without CAS it would lock everyone out
    user = user_with_role("member", branch)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db(transaction=True)
def test_a_ticket_the_cas_server_does_not_know_is_refused_with_a_page_and_not_logged(
    client, cas, caplog
):
    ticket = "ST-not-issued-by-the-server-0123456789"
    with caplog.at_level(logging.DEBUG):
        response = client.get(reverse("cas_login"), {"ticket": ticket})
    assert response.status_code == 403
    assert "统一身份认证未能确认您的登录" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert ticket not in caplog.text


@pytest.mark.django_db
def test_made_up_tickets_from_one_address_are_limited_before_reaching_the_cas_server(
    client, cas_configured
):
    from members.cas import TICKETS_PER_ADDRESS

    for n in range(TICKETS_PER_ADDRESS):
        # Each one asks the CAS server (here unreachable): refused, not an error.
        response = client.get(reverse("cas_login"), {"ticket": f"ST-made-up-{n}"})
        assert response.status_code == 403
    response = client.get(reverse("cas_login"), {"ticket": "ST-one-more"})
    assert response.status_code == 429


# -- the 工号 is the CAS credential ---------------------------------------------


def _edit_data(member, **overrides):
    data = {
        "staff_number": member.staff_number,
        "name": member.name,
        "branch": member.branch_id,
        "department": member.department_id,
        "home_campus": member.home_campus_id,
        "email": member.email,
        "joined_on": member.joined_on.isoformat(),
        "status": member.status,
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_an_officer_cannot_move_their_own_staff_number_onto_the_chairs_account(client, people):
    """With CAS the 工号 signs in: an officer who could rewrite the 工号 of an
    entry linked to an account (their own to a spare one, then the chair's to
    theirs) would sign in through CAS as the chair."""
    officer, chair = people["officer"], people["chair"]
    own, chairs = officer.member, chair.member
    own_number, chair_number = own.staff_number, chairs.staff_number
    client.force_login(officer)
    client.post(reverse("members:edit", args=[own.pk]), _edit_data(own, staff_number="SPARE1"))
    client.post(
        reverse("members:edit", args=[chairs.pk]), _edit_data(chairs, staff_number=own_number)
    )
    own.refresh_from_db()
    chairs.refresh_from_db()
    assert (own.staff_number, chairs.staff_number) == (own_number, chair_number)
    assert services.member_cas_sign_in(staff_number=own_number) == officer
    # An entry with no account yet may still be corrected.
    spare = MemberFactory(branch=own.branch, department=own.department, user=None)
    client.post(reverse("members:edit", args=[spare.pk]), _edit_data(spare, staff_number="FIX-1"))
    spare.refresh_from_db()
    assert spare.staff_number == "FIX-1"


# -- where the sign-out and the single sign-out request send the browser ----------


@pytest.mark.django_db
@pytest.mark.parametrize("single_sign_out", [True, False])
@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "/\\evil.example/", "//evil.example"]
)
def test_signing_out_of_a_cas_session_never_errs_nor_leaves_for_another_site(
    client, cas_configured, settings, branch, single_sign_out, next_url
):
    settings.CAS_LOGOUT_COMPLETELY = single_sign_out
    user = user_with_role("member", branch)
    client.force_login(user, backend="members.cas.RosterCASBackend")
    response = client.post(reverse("account_logout") + "?next=" + next_url)
    assert response.status_code == 302
    location = response["Location"]
    assert not location.replace("\\", "/").startswith("//")
    assert not location.startswith("https://evil.example")
    # Nor through the CAS server's sign-out page (its `service` sends the browser on).
    assert "evil.example" not in location
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["https://evil.example/", "/\\evil.example/"])
def test_a_forged_single_sign_out_post_never_sends_the_browser_to_another_site(
    client, cas_configured, next_url
):
    response = client.post(reverse("cas_login"), {"logoutRequest": "<x/>", "next": next_url})
    assert response.status_code == 302
    location = response["Location"]
    assert not location.replace("\\", "/").startswith("//")
    assert not location.startswith("https://evil.example")


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["t2020a1", "T2020a1"])
def test_a_staff_number_with_letters_signs_in_however_the_cas_server_cases_it(branch, typed):
    """The roster keeps 工号 in capitals (the roster form and import upper-case
    them); a CAS server often answers with the user name as typed."""
    member = MemberFactory(branch=branch, staff_number="T2020A1", user=None)
    user = services.member_cas_sign_in(staff_number=typed)
    member.refresh_from_db()
    assert member.user == user


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["ｔ2020a1", "T2020Aı", "ſ2020A1"])
def test_look_alike_letters_in_the_cas_user_name_name_nobody(branch, typed):
    MemberFactory(branch=branch, staff_number="T2020A1", user=None)
    MemberFactory(branch=branch, staff_number="S2020A1", user=None)
    with pytest.raises(services.CasSignInRefused):
        services.member_cas_sign_in(staff_number=typed)


@pytest.mark.django_db
def test_a_cas_server_that_never_answers_does_not_hold_the_app_server(
    client, cas_configured, settings
):
    """python-cas asks the CAS server with no timeout: a hung CAS server would
    hold a sync app server until gunicorn kills it (30 s), for every sign-in."""
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts, never answers
    settings.CAS_SERVER_URL = f"http://127.0.0.1:{listener.getsockname()[1]}/cas/"
    try:
        started = time.monotonic()
        response = client.get(reverse("cas_login"), {"ticket": "ST-hung-server"})
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert response.status_code == 403
    assert elapsed < 12
