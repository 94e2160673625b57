"""Campus sign-on (统一身份认证) against a real CAS server: django-cas-server in
its own process (tests/cas_server), its users named by 工号."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django_cas_ng.models import SessionTicket
from playwright.sync_api import expect

from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.browser

CAS_PASSWORD = "cas-Passw0rd!"


def cas_sign_in(page, live_server, staff_number, password=CAS_PASSWORD):
    """From the portal's sign-in page through the CAS server's form."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_test_id("cas-login").click()
    page.locator("input[name=username]").fill(staff_number)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()


def sign_out(page):
    """Opens the phone menu, waits until it has finished opening (Bootstrap's
    collapse animates; a click during the animation can land on the page below)
    and signs out: the POST to the portal's sign-out must be answered."""
    page.locator(".navbar-toggler").click()
    expect(page.locator("#portal-menu")).to_have_class(re.compile(r"\bshow\b"))
    with page.expect_response(
        lambda r: r.url.endswith("/accounts/logout/") and r.request.method == "POST",
        timeout=20_000,
    ):
        page.get_by_test_id("sign-out").click()


def test_a_roster_member_signs_in_through_cas_and_gets_an_account_linked_to_the_roster(
    page, live_server, branch, cas
):
    member = MemberFactory(branch=branch, staff_number="20190001", name="李雷", user=None)
    cas.add_user("20190001", CAS_PASSWORD, name="李雷", email="lilei@campus.example.cn")

    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_test_id("cas-login")).to_have_text("统一身份认证登录")
    cas_sign_in(page, live_server, "20190001")

    expect(page.get_by_test_id("inbox-link")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/")
    member.refresh_from_db()
    assert member.user is not None
    assert member.user.email == "lilei@campus.example.cn"
    assert member.user.first_name == "李雷"
    assert not member.user.has_usable_password()
    # The session holds Django's sign-in keys, no CAS attribute or ticket; the
    # ticket sits in django-cas-ng's SessionTicket row for single sign-out.
    [session] = [
        data
        for data in (row.get_decoded() for row in Session.objects.all())
        if data.get("_auth_user_id") == str(member.user.pk)
    ]
    assert "attributes" not in session
    assert "lilei@campus.example.cn" not in str(session)
    [ticket] = SessionTicket.objects.all()
    assert ticket.ticket not in str(session)
    page.goto(f"{live_server.url}/me/")
    expect(page.get_by_test_id("membership")).to_contain_text("20190001")


def test_an_unknown_staff_number_is_refused_and_no_account_is_made(page, live_server, branch, cas):
    MemberFactory(branch=branch, staff_number="20190002", user=None)
    cas.add_user("20199999", CAS_PASSWORD, name="陌生人", email="stranger@campus.example.cn")
    accounts = get_user_model().objects.count()

    cas_sign_in(page, live_server, "20199999")

    refusal = page.get_by_test_id("cas-refused")
    expect(refusal).to_contain_text("工号 20199999 不在工会会员名册上")
    expect(page.get_by_test_id("inbox-link")).to_have_count(0, timeout=20_000)
    assert get_user_model().objects.count() == accounts
    assert not SessionTicket.objects.exists()


def test_a_retired_member_is_refused(page, live_server, branch, cas):
    member = MemberFactory(
        branch=branch, staff_number="20190003", status=Member.Status.RETIRED, user=None
    )
    cas.add_user("20190003", CAS_PASSWORD, name="老王", email="laowang@campus.example.cn")
    accounts = get_user_model().objects.count()

    cas_sign_in(page, live_server, "20190003")

    expect(page.get_by_test_id("cas-refused")).to_contain_text("未在册")
    expect(page.get_by_test_id("inbox-link")).to_have_count(0, timeout=20_000)
    member.refresh_from_db()
    assert member.user is None
    assert get_user_model().objects.count() == accounts


def test_names_and_emails_changed_at_the_cas_server_update_the_account_not_the_staff_number(
    page, live_server, branch, cas
):
    member = MemberFactory(branch=branch, staff_number="20190004", name="韩梅梅", user=None)
    cas.add_user("20190004", CAS_PASSWORD, name="韩梅梅", email="hanmm@campus.example.cn")
    cas_sign_in(page, live_server, "20190004")
    expect(page.get_by_test_id("inbox-link")).to_be_visible()
    sign_out(page)
    expect(page.get_by_test_id("inbox-link")).to_have_count(0, timeout=20_000)

    cas.add_user("20190004", CAS_PASSWORD, name="韩梅", email="han.meimei@campus.example.cn")
    cas_sign_in(page, live_server, "20190004")
    expect(page.get_by_test_id("inbox-link")).to_be_visible()

    member.refresh_from_db()
    assert member.staff_number == "20190004"
    assert member.name == "韩梅梅"  # the roster is the officers'
    assert (member.user.first_name, member.user.email) == ("韩梅", "han.meimei@campus.example.cn")
    assert get_user_model().objects.filter(member__staff_number="20190004").count() == 1


def test_signing_out_signs_out_of_the_portal_and_of_the_cas_server(page, live_server, branch, cas):
    MemberFactory(branch=branch, staff_number="20190005", user=None)
    cas.add_user("20190005", CAS_PASSWORD, name="王五", email="wangwu@campus.example.cn")
    cas_sign_in(page, live_server, "20190005")
    expect(page.get_by_test_id("inbox-link")).to_be_visible()
    assert SessionTicket.objects.count() == 1

    sign_out(page)

    # Back on the portal, signed out; the CAS server asks for credentials again.
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("inbox-link")).to_have_count(0, timeout=20_000)
    assert not SessionTicket.objects.exists()
    page.goto(cas.login_url)
    expect(page.locator("input[name=password]")).to_be_visible()


def test_a_single_sign_out_request_from_the_cas_server_ends_the_portal_session(
    page, live_server, branch, cas
):
    MemberFactory(branch=branch, staff_number="20190006", user=None)
    cas.add_user("20190006", CAS_PASSWORD, name="赵六", email="zhaoliu@campus.example.cn")
    cas_sign_in(page, live_server, "20190006")
    expect(page.get_by_test_id("inbox-link")).to_be_visible()

    # Signing out at the CAS server (another site of the campus, say): it
    # sends the portal a logoutRequest for the ticket it issued.
    page.goto(f"{cas.url}logout")
    page.goto(cas.login_url)
    expect(page.locator("input[name=password]")).to_be_visible()

    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("inbox-link")).to_have_count(0, timeout=20_000)
    assert not SessionTicket.objects.exists()
