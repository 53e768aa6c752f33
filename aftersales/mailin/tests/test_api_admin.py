"""Staff see mailboxes' health and the quarantine (API, admin, page); customers see nothing;
credentials are never shown back."""

from __future__ import annotations

import pytest
from django.test import Client

from aftersales.mailin.models import InboundMessage, Mailbox
from aftersales.mailin.services import message_ingest
from aftersales.mailin.tests.messages import raw_message

pytestmark = pytest.mark.django_db

SECRET = "S3cret-imap-pass"


@pytest.fixture
def box(db):
    return Mailbox.objects.create(
        name="support",
        host="127.0.0.1",
        port=1,
        security="plain",
        username="support-user",
        password=SECRET,
        last_error="sign-in refused",
        failure_count=2,
    )


@pytest.fixture
def quarantined(box, contact):
    raw = raw_message(
        f"From: {contact.email}\nSubject: broken\nMessage-ID: <q@h.cn>\n"
        "Content-Type: text/plain; charset=utf-8",
        b"bad \xff\xfe text",
    )
    row, _new = message_ingest(raw=raw, mailbox=box)
    assert row.status == "quarantined"
    return row


def test_staff_read_mailbox_status_without_credentials(client_for, agent, box, quarantined):
    response = client_for(agent).get("/api/v1/mailboxes/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["name"] == "support"
    assert (row["failure_count"], row["last_error"], row["quarantined"]) == (
        2,
        "sign-in refused",
        1,
    )
    assert "password" not in row
    assert "username" not in row
    assert SECRET not in response.content.decode()


def test_staff_list_the_quarantine(client_for, agent, quarantined):
    response = client_for(agent).get("/api/v1/inbound-mail/?status=quarantined")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["id"], row["status"], row["reason"]) == (
        quarantined.pk,
        "quarantined",
        "undecodable",
    )
    assert "valid in none of" in row["error"]


def test_an_unknown_status_filter_is_a_400(client_for, agent):
    response = client_for(agent).get("/api/v1/inbound-mail/?status=lost")
    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_customers_and_strangers_get_nothing(
    who, api_client, client_for, contact_user, quarantined
):
    client = api_client if who == "anonymous" else client_for(contact_user)
    for url in (
        "/api/v1/mailboxes/",
        "/api/v1/inbound-mail/",
        f"/api/v1/inbound-mail/{quarantined.pk}/",
    ):
        assert client.get(url).status_code in (401, 403)
    response = client.post(f"/api/v1/inbound-mail/{quarantined.pk}/retry/", {}, format="json")
    assert response.status_code in (401, 403)
    quarantined.refresh_from_db()
    assert (quarantined.status, quarantined.attempts) == ("quarantined", 1)


def test_retry_and_release_through_the_api(client_for, agent, admin_user, quarantined):
    url = f"/api/v1/inbound-mail/{quarantined.pk}/retry/"
    # an agent may retry (it fails again: still undecodable)...
    response = client_for(agent).post(url, {}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["attempts"]) == ("quarantined", 2)
    # ...but not release
    response = client_for(agent).post(url, {"release": True}, format="json")
    assert response.status_code == 403
    assert InboundMessage.objects.get().attempts == 2
    # an administrator releases it: a case is opened
    response = client_for(admin_user).post(url, {"release": True}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["action"]) == ("processed", "opened")
    assert body["case"].startswith("SR-")
    # retrying a processed message is refused and changes nothing
    response = client_for(admin_user).post(url, {}, format="json")
    assert response.status_code == 400
    assert InboundMessage.objects.get().attempts == 3


def test_discard_through_the_api(client_for, agent, admin_user, quarantined):
    url = f"/api/v1/inbound-mail/{quarantined.pk}/discard/"
    assert client_for(agent).post(url).status_code == 403
    response = client_for(admin_user).post(url)
    assert response.status_code == 200
    assert response.json()["status"] == "discarded"


def test_admin_never_shows_the_password_and_keeps_it_when_left_empty(admin_user, box):
    client = Client()
    client.force_login(admin_user)
    url = f"/admin/mailin/mailbox/{box.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert SECRET not in page.content.decode()
    # when saved with the password left empty
    response = client.post(
        url,
        {
            "name": "support",
            "is_active": "on",
            "address": "",
            "host": "127.0.0.1",
            "port": "1",
            "security": "plain",
            "tls_verify": "on",
            "username": "support-user",
            "password": "",
            "folder": "INBOX",
            "processed_folder": "",
            "fetch_since_0": "",
            "fetch_since_1": "",
            "unknown_senders": "reject",
            "case_type": "fault",
            "severity": "C-3",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    box.refresh_from_db()
    assert (box.password, box.unknown_senders) == (SECRET, "reject")


def test_admin_lists_and_retries_quarantined_mail(admin_user, quarantined):
    client = Client()
    client.force_login(admin_user)
    page = client.get("/admin/mailin/inboundmessage/?status__exact=quarantined")
    assert page.status_code == 200
    assert "broken" in page.content.decode()
    detail = client.get(f"/admin/mailin/inboundmessage/{quarantined.pk}/change/")
    assert detail.status_code == 200
    assert "Message-ID: &lt;q@h.cn&gt;" in detail.content.decode()
    response = client.post(
        "/admin/mailin/inboundmessage/",
        {"action": "release", "_selected_action": [quarantined.pk]},
    )
    assert response.status_code == 302
    quarantined.refresh_from_db()
    assert quarantined.status == "processed"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_staff_page_shows_the_quarantine(language, agent, quarantined):
    client = Client(headers={"accept-language": language})
    client.force_login(agent)
    page = client.get("/mail/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "broken" in html
    assert quarantined.sender in html
    assert SECRET not in html
    # retry from the page (still undecodable: stays in quarantine, attempt counted)
    response = client.post(f"/mail/messages/{quarantined.pk}/retry/")
    assert response.status_code == 302
    quarantined.refresh_from_db()
    assert quarantined.attempts == 2


def test_customers_cannot_open_the_staff_page(contact_user, quarantined):
    client = Client()
    client.force_login(contact_user)
    assert client.get("/mail/").status_code == 403
    assert client.post(f"/mail/messages/{quarantined.pk}/retry/").status_code == 403
    quarantined.refresh_from_db()
    assert quarantined.attempts == 1
