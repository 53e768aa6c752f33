from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from aftersales.accounts.models import User

URL = "/api/v1/users/"


def test_admin_creates_users_of_every_role(client_for, admin_user, customer):
    client = client_for(admin_user)
    for role in ["supervisor", "agent", "engineer", "parts_clerk", "inspector", "admin"]:
        response = client.post(
            URL, {"username": f"u_{role}", "role": role, "password": "Long-enough-9"}, format="json"
        )
        assert response.status_code == 201, response.content
        assert response.json()["role"] == role
        assert "password" not in response.json()
    contact = client.post(
        URL,
        {"username": "u_contact", "role": "customer_contact", "customer": "ACME", "language": "en"},
        format="json",
    )
    assert contact.status_code == 201
    assert contact.json()["customer"] == "ACME"
    created = User.objects.get(username="u_contact")
    assert created.customer == customer
    assert not created.has_usable_password()
    assert User.objects.get(username="u_admin").is_superuser


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "x", "role": "customer_contact"}, "customer"),
        ({"username": "x", "role": "agent", "customer": "ACME"}, "customer"),
        ({"username": "x", "role": "wizard"}, "role"),
        ({"username": "x", "role": "agent", "customer": "NOPE"}, "customer"),
        ({"username": "x", "role": "agent", "password": "123"}, "password"),
        ({"username": "x", "role": "agent", "language": "fr"}, "language"),
        ({"username": "x", "role": "agent", "timezone": "Mars/Olympus"}, "timezone"),
        ({"username": "admin", "role": "agent"}, "username"),
        ({"username": "bad name!", "role": "agent"}, "username"),
    ],
)
def test_bad_user_input_is_a_400_and_creates_nothing(
    client_for, admin_user, customer, payload, field
):
    before = User.objects.count()
    response = client_for(admin_user).post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert User.objects.count() == before


def test_me_shows_role_and_capabilities(client_for, contact_user):
    body = client_for(contact_user).get(f"{URL}me/").json()
    assert body["username"] == "contact_acme"
    assert body["role"] == "customer_contact"
    assert body["customer"] == "ACME"
    assert set(body["capabilities"]) == {"create_cases", "comment_cases"}


def test_me_sets_own_language(client_for, agent):
    client = client_for(agent)
    response = client.patch(f"{URL}me/", {"language": "en", "role": "admin"}, format="json")
    assert response.status_code == 200
    agent.refresh_from_db()
    assert (agent.language, agent.role) == ("en", "agent")


def test_non_admin_lists_only_themselves(client_for, agent, supervisor):
    usernames = [u["username"] for u in client_for(agent).get(URL).json()["results"]]
    assert usernames == ["agent"]


def test_admin_changes_a_role(client_for, admin_user, agent, customer):
    response = client_for(admin_user).patch(
        f"{URL}agent/", {"role": "customer_contact", "customer": "ACME"}, format="json"
    )
    assert response.status_code == 200
    agent.refresh_from_db()
    assert (agent.role, agent.customer) == ("customer_contact", customer)


def test_createtoken_prints_the_token_alone_on_the_last_line(agent):
    out = io.StringIO()
    call_command("createtoken", "agent", stdout=out)
    last = out.getvalue().strip().splitlines()[-1]
    assert last == Token.objects.get(user=agent).key
    again = io.StringIO()
    call_command("createtoken", "agent", stdout=again)
    assert again.getvalue().strip().splitlines()[-1] == last


def test_token_from_createtoken_authenticates(api_client, agent):
    out = io.StringIO()
    call_command("createtoken", "agent", stdout=out)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    assert api_client.get(f"{URL}me/").json()["username"] == "agent"
