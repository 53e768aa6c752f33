"""Password hashing and sign-in throttling (django-axes): lock-out per username and per address."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from aftersales.config import settings as real_settings

PASSWORD = "pw-Secret-123"  # the factories' password
LOGIN = "/accounts/login/"


def sign_in(client: Client, username: str, password: str, *, path: str = LOGIN, **extra):
    return client.post(
        path,
        {"username": username, "password": password},
        HTTP_ACCEPT_LANGUAGE="en",
        **extra,
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def fail(client: Client, username: str, times: int, **extra) -> list[int]:
    return [sign_in(client, username, "wrong-password", **extra).status_code for _ in range(times)]


# --- Password hashing ---------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2_and_old_hashes_upgraded(make_user):
    assert real_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=real_settings.PASSWORD_HASHERS):
        encoded = make_password("Correct horse 9")
        assert encoded.startswith("argon2$argon2id$")
        assert identify_hasher(encoded).algorithm == "argon2"
        assert check_password("Correct horse 9", encoded)
        assert not check_password("correct horse 9", encoded)

        # A PBKDF2 hash (the fallback hasher) is rewritten as argon2 at the next sign-in.
        user = make_user("agent")
        user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
        user.save(update_fields=["password"])
        assert signed_in(sign_in(Client(), "agent", PASSWORD))
        user.refresh_from_db()
        assert user.password.startswith("argon2$")


# --- Lock-out per username ----------------------------------------------------------------------


def test_username_locked_after_repeated_failures_even_with_right_password(agent, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    client = Client()
    statuses = fail(client, "agent", 5)
    assert statuses[:4] == [200] * 4  # the form again, "didn't match"
    assert statuses[4] == 429  # the fifth failure locks

    response = sign_in(client, "agent", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(response)
    text = response.content.decode()
    assert "Too many failed sign-in attempts" in text
    assert "blocked until" in text
    assert "about 15 minutes" in text
    assert 14 * 60 <= int(response["Retry-After"]) <= 15 * 60
    # Another browser (new session) is locked out just the same.
    assert sign_in(Client(), "agent", PASSWORD).status_code == 429


def test_lockout_message_says_when_and_ends_after_the_cool_off(agent):
    start = timezone.make_aware(dt.datetime(2025, 3, 3, 9, 0), dt.UTC)
    with time_machine.travel(start, tick=False):
        fail(Client(), "agent", 5)
        response = sign_in(Client(), "agent", PASSWORD)
        assert response.status_code == 429
        # 09:00 UTC + 15 minutes, shown in Shanghai time.
        assert "2025-03-03 17:15" in response.content.decode()
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert sign_in(Client(), "agent", PASSWORD).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        assert signed_in(sign_in(Client(), "agent", PASSWORD))


def test_other_usernames_from_the_same_address_still_sign_in(agent, supervisor):
    fail(Client(), "agent", 5)
    assert signed_in(sign_in(Client(), "supervisor", PASSWORD))


def test_success_before_the_limit_clears_the_count(agent):
    client = Client()
    fail(client, "agent", 4)
    assert signed_in(sign_in(client, "agent", PASSWORD))
    assert fail(Client(), "agent", 4) == [200] * 4


def test_unknown_usernames_are_throttled_too(db):
    assert fail(Client(), "nobody-here", 5)[-1] == 429


# --- Lock-out per address -----------------------------------------------------------------------


def test_address_locked_after_failures_over_many_usernames(agent, settings):
    assert settings.LOGIN_FAILURE_LIMIT_IP == 20
    client = Client()
    for i in range(19):
        # One failure each: no username reaches its own limit. A forged X-Forwarded-For
        # does not change the address that is counted (no trusted proxy configured).
        status = sign_in(
            client, f"guess{i}", "x", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
        ).status_code
        assert status == 200
    assert sign_in(client, "guess19", "x", REMOTE_ADDR="203.0.113.7").status_code == 429
    # Even a real user with the right password is refused from that address ...
    response = sign_in(Client(), "agent", PASSWORD, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    # ... but not from elsewhere.
    assert signed_in(sign_in(Client(), "agent", PASSWORD, REMOTE_ADDR="198.51.100.4"))


@override_settings(LOGIN_TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_forwarded_address_counts(agent):
    for _i in range(3):
        # The client forged the first entry; our proxy appended the address it saw.
        sign_in(
            Client(),
            "agent",
            "x",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.9",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


# --- Every sign-in form -------------------------------------------------------------------------


def test_admin_sign_in_goes_through_the_throttled_page(admin_user):
    response = Client().get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    client = Client()
    fail(client, "admin", 5)
    locked = sign_in(client, "admin", PASSWORD)
    assert locked.status_code == 429
    assert client.get("/admin/").status_code == 302  # still not signed in


def test_browsable_api_session_login_is_throttled_with_a_json_answer(agent):
    client = Client()
    assert sign_in(client, "agent", "x", path="/api-auth/login/").status_code == 200
    fail(client, "agent", 3, path="/api-auth/login/")  # four failures: not locked yet
    response = client.post(
        "/api-auth/login/",
        {"username": "agent", "password": "still-wrong"},
        HTTP_ACCEPT="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 429
    body = response.json()
    assert body["detail"].startswith("Too many failed sign-in attempts")
    assert dt.datetime.fromisoformat(body["retry_after"]) > timezone.now()
    # The console's sign-in page shares the count.
    assert sign_in(Client(), "agent", PASSWORD).status_code == 429


def test_the_locked_out_page_is_translated(agent):
    fail(Client(), "agent", 5)
    zh = Client().post(
        LOGIN, {"username": "agent", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert zh.status_code == 429
    assert 'lang="zh-hans"' in zh.content.decode()


# --- Unlocking ----------------------------------------------------------------------------------


def test_an_administrator_unlocks_a_user_in_the_admin(agent, admin_user):
    fail(Client(), "agent", 5)
    assert sign_in(Client(), "agent", PASSWORD).status_code == 429

    admin = Client()
    admin.force_login(admin_user)
    response = admin.post(
        "/admin/accounts/user/",
        {"action": "unlock_sign_in", "_selected_action": [agent.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert response.status_code == 200
    assert "Sign-in unlocked for 1 user." in response.content.decode()
    assert not AccessAttempt.objects.filter(username="agent").exists()
    assert signed_in(sign_in(Client(), "agent", PASSWORD))


def test_locked_attempts_are_listed_in_the_admin(agent, admin_user):
    fail(Client(), "agent", 5)
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get("/admin/axes/accessattempt/?locked_out=yes")
    assert page.status_code == 200
    assert "agent" in page.content.decode()


def test_unlock_from_the_command_line(agent):
    fail(Client(), "agent", 5)
    call_command("axes_reset_username", "agent")
    assert signed_in(sign_in(Client(), "agent", PASSWORD))
    fail(Client(), "someone", 5, REMOTE_ADDR="192.0.2.1")
    call_command("axes_reset_ip", "192.0.2.1")
    assert not AccessAttempt.objects.filter(ip_address="192.0.2.1").exists()


@pytest.mark.parametrize("path", ["/accounts/login/", "/api-auth/login/"])
def test_sign_in_pages_still_work(agent, path):
    assert Client().get(path).status_code == 200
    assert signed_in(sign_in(Client(), "agent", PASSWORD, path=path))
