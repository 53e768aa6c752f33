"""Two-factor sign-in for staff (TOTP authenticator apps + recovery codes, django-otp)."""

from __future__ import annotations

import datetime as dt
import re
from base64 import b32decode
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from aftersales.accounts import twofactor

PASSWORD = "pw-Secret-123"
# Close to the real time (sessions made while travelling must not have expired when a test
# goes on without travelling), at the start of a 30-second TOTP step.
T0 = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=1)


def code(device: TOTPDevice, at: dt.datetime) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at.timestamp()
    return f"{totp.token():06d}"


def enrol(client: Client, user, at: dt.datetime = T0) -> tuple[TOTPDevice, list[str]]:
    """Enrol through the pages as the user would; return the device and the recovery codes."""
    with time_machine.travel(at, tick=False):
        assert client.post("/accounts/two-factor/setup/").status_code == 302
        page = client.get("/accounts/two-factor/setup/", HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        done = client.post(
            "/accounts/two-factor/setup/",
            {"otp_token": code(device, at)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert done.status_code == 200, done.content
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", done.content.decode())
    return TOTPDevice.objects.get(pk=device.pk), codes


def password_step(client: Client, username: str, next_url: str = "") -> object:
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data, HTTP_ACCEPT_LANGUAGE="en")


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_enrolment_shows_a_qr_code_and_confirms_with_a_first_code(agent):
    client = Client()
    client.force_login(agent)
    off = client.get("/accounts/two-factor/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-two-factor="off"' in off.content.decode()

    with time_machine.travel(T0, tick=False):
        client.post("/accounts/two-factor/setup/")
        page = client.get("/accounts/two-factor/setup/", HTTP_ACCEPT_LANGUAGE="en")
        html = page.content.decode()
        assert "<svg" in html
        assert "<path" in html
        uri = re.search(r'href="(otpauth://[^"]+)"', html).group(1).replace("&amp;", "&")
        parsed = urlparse(uri)
        assert parsed.netloc == "totp"
        assert parsed.path == "/aftersales%3Aagent" or parsed.path == "/aftersales:agent"
        query = parse_qs(parsed.query)
        assert query["issuer"] == ["aftersales"]
        device = TOTPDevice.objects.get(user=agent, confirmed=False)
        assert b32decode(query["secret"][0] + "=" * (-len(query["secret"][0]) % 8)) == (
            device.bin_key
        )
        # The key typed by hand is the same secret.
        shown = re.search(r"data-secret>([A-Z2-7 ]+)<", html).group(1).replace(" ", "")
        assert shown == query["secret"][0]

        wrong = client.post("/accounts/two-factor/setup/", {"otp_token": "000000"})
        assert wrong.status_code == 400
        assert not TOTPDevice.objects.get(pk=device.pk).confirmed

    device, codes = enrol(client, agent, at=T0 + dt.timedelta(minutes=1))
    assert device.confirmed
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=agent).count() == 10
    on = client.get("/accounts/two-factor/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-two-factor="on"' in on
    assert "10 recovery codes left." in on


def test_sign_in_asks_for_the_code_after_the_password(agent):
    setup = Client()
    setup.force_login(agent)
    device, _codes = enrol(setup, agent)

    client = Client()
    at = T0 + dt.timedelta(minutes=5)
    with time_machine.travel(at, tick=False):
        response = password_step(client, "agent", next_url="/console/cases/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/two-factor/verify/"
        assert not is_signed_in(client)
        assert client.get("/console/").status_code == 302  # not in yet

        wrong = client.post("/accounts/two-factor/verify/", {"otp_token": "123456"})
        assert wrong.status_code == 400
        assert not is_signed_in(client)
    at += dt.timedelta(seconds=5)  # django-otp makes the next try wait a second
    with time_machine.travel(at, tick=False):
        right = client.post("/accounts/two-factor/verify/", {"otp_token": code(device, at)})
        assert right.status_code == 302
        assert right["Location"] == "/console/cases/"
        assert is_signed_in(client)
        assert client.get("/console/").status_code == 200
        # The same code cannot be used twice (replay).
        other = Client()
        password_step(other, "agent")
        assert other.post(
            "/accounts/two-factor/verify/", {"otp_token": code(device, at)}
        ).status_code == (400)


def test_wrong_codes_slow_down_further_tries(agent):
    setup = Client()
    setup.force_login(agent)
    device, _codes = enrol(setup, agent)
    client = Client()
    at = T0 + dt.timedelta(minutes=5)
    with time_machine.travel(at, tick=False):
        password_step(client, "agent")
        assert client.post("/accounts/two-factor/verify/", {"otp_token": "000000"}).status_code == (
            400
        )
        # Right after a wrong code even the right one must wait.
        refused = client.post(
            "/accounts/two-factor/verify/",
            {"otp_token": code(device, at)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert refused.status_code == 400
        assert "Too many wrong codes. Wait 1 second and try again." in refused.content.decode()
        assert not is_signed_in(client)
    for n, wait in enumerate([1, 2, 4], start=1):
        # Each further failure doubles the wait (django-otp's throttling).
        at += dt.timedelta(seconds=wait)
        with time_machine.travel(at, tick=False):
            client.post("/accounts/two-factor/verify/", {"otp_token": "000000"})
        assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == n + 1
    later = at + dt.timedelta(seconds=30)
    with time_machine.travel(later, tick=False):
        ok = client.post("/accounts/two-factor/verify/", {"otp_token": code(device, later)})
        assert ok.status_code == 302
        assert is_signed_in(client)


def test_a_recovery_code_signs_in_once(agent):
    setup = Client()
    setup.force_login(agent)
    _device, codes = enrol(setup, agent)
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        client = Client()
        password_step(client, "agent")
        response = client.post(
            "/accounts/two-factor/verify/",
            {"otp_token": codes[0].upper()},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )
        assert is_signed_in(client)
        assert "You signed in with a recovery code; 9 left." in response.content.decode()
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        again = Client()
        password_step(again, "agent")
        assert again.post("/accounts/two-factor/verify/", {"otp_token": codes[0]}).status_code == (
            400
        )
        assert not is_signed_in(again)


def test_the_code_step_expires(agent):
    setup = Client()
    setup.force_login(agent)
    device, _codes = enrol(setup, agent)
    client = Client()
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        password_step(client, "agent")
    late = T0 + dt.timedelta(minutes=11)
    with time_machine.travel(late, tick=False):
        response = client.post("/accounts/two-factor/verify/", {"otp_token": code(device, late)})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/"
        assert not is_signed_in(client)


def test_verify_page_without_a_password_step_sends_to_sign_in(db):
    response = Client().post("/accounts/two-factor/verify/", {"otp_token": "123456"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


def test_new_recovery_codes_replace_the_old_ones_and_turning_off(agent):
    client = Client()
    client.force_login(agent)
    device, old = enrol(client, agent)
    new_page = client.post("/accounts/two-factor/recovery-codes/")
    new = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", new_page.content.decode())
    assert len(new) == 10
    assert not set(new) & set(old)
    assert StaticToken.objects.filter(device__user=agent).count() == 10

    at = T0 + dt.timedelta(minutes=2)
    with time_machine.travel(at, tick=False):
        client.post("/accounts/two-factor/disable/", {"otp_token": "000000"})
        assert twofactor.has_two_factor(agent)  # a wrong code does not turn it off
    at += dt.timedelta(minutes=1)
    with time_machine.travel(at, tick=False):
        client.post("/accounts/two-factor/disable/", {"otp_token": code(device, at)})
    assert not twofactor.has_two_factor(agent)
    assert not StaticToken.objects.filter(device__user=agent).exists()
    # Signing in is back to the password alone.
    fresh = Client()
    assert password_step(fresh, "agent").status_code == 302
    assert is_signed_in(fresh)


def test_customer_contacts_do_not_get_two_factor(make_user, customer):
    contact = make_user("customer_contact", customer=customer)
    client = Client()
    client.force_login(contact)
    assert client.get("/accounts/two-factor/").status_code == 403
    assert client.post("/accounts/two-factor/setup/").status_code == 403
    assert not TOTPDevice.objects.filter(user=contact).exists()


@override_settings(TWO_FACTOR_REQUIRED_FOR_ADMINS=True)
def test_administrators_must_enrol_when_required(admin_user, agent):
    client = Client()
    client.force_login(admin_user)
    page = client.get("/admin/")
    assert page.status_code == 302
    assert page["Location"] == "/accounts/two-factor/?next=%2Fadmin%2F"
    api = client.get("/api/v1/users/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"
    assert client.get("/accounts/two-factor/").status_code == 200  # the way out

    # Other roles are not held up.
    other = Client()
    other.force_login(agent)
    assert other.get("/console/").status_code == 200

    device, _codes = enrol(client, admin_user)
    assert client.get("/admin/").status_code == 200  # enrolling verified this session

    # A new session must pass the code before anything else.
    fresh = Client()
    fresh.force_login(admin_user)
    held = fresh.get("/admin/accounts/user/")
    assert held["Location"] == "/accounts/two-factor/verify/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    at = T0 + dt.timedelta(minutes=3)
    with time_machine.travel(at, tick=False):
        ok = fresh.post(
            "/accounts/two-factor/verify/?next=/admin/accounts/user/",
            {"otp_token": code(device, at), "next": "/admin/accounts/user/"},
        )
    assert ok["Location"] == "/admin/accounts/user/"
    assert fresh.get("/admin/accounts/user/").status_code == 200

    # They cannot turn it off themselves.
    with time_machine.travel(at + dt.timedelta(minutes=1), tick=False):
        fresh.post(
            "/accounts/two-factor/disable/",
            {"otp_token": code(device, at + dt.timedelta(minutes=1))},
        )
    assert twofactor.has_two_factor(admin_user)

    # Tokens of the API are not sessions: not held up.
    token = Token.objects.create(user=admin_user)
    assert (
        Client().get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code
        == 200
    )


def test_an_administrator_resets_a_lost_phone_in_the_admin(agent, admin_user):
    staff = Client()
    staff.force_login(agent)
    enrol(staff, agent)
    admin = Client()
    admin.force_login(admin_user)
    response = admin.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [agent.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "Two-factor sign-in reset for 1 user" in response.content.decode()
    assert not twofactor.has_two_factor(agent)


@pytest.mark.parametrize("path", ["/accounts/two-factor/recovery-codes/"])
def test_recovery_codes_need_two_factor_on(agent, path):
    client = Client()
    client.force_login(agent)
    response = client.post(path, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Turn on two-factor sign-in first." in response.content.decode()
