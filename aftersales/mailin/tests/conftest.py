"""Fixtures of the e-mail intake tests: a real Dovecot on loopback, a mailbox reading it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from aftersales.mailin.tests import dovecot as dovecot_server


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ADMINS = [("Admin", "admin@example.cn")]
    settings.NOTIFICATIONS_FROM_EMAIL = "service@aftersales.example.cn"


@pytest.fixture(scope="session")
def dovecot() -> Iterator[dovecot_server.Dovecot]:
    if not dovecot_server.available():
        pytest.skip(f"Dovecot is not installed ({dovecot_server.DOVECOT} is missing)")
    server = dovecot_server.Dovecot().start()
    try:
        yield server
    finally:
        server.stop()


class Account:
    """A fresh IMAP account on the test Dovecot: deliver to it, read its flags."""

    def __init__(self, server: dovecot_server.Dovecot) -> None:
        self.server = server
        self.username, self.password = server.add_user()

    def deliver(self, *messages: bytes, folder: str = "INBOX") -> None:
        self.server.append(self.username, self.password, list(messages), folder=folder)

    def flags(self, folder: str = "INBOX") -> dict[int, str]:
        return self.server.flags(self.username, self.password, folder=folder)


@pytest.fixture
def account(dovecot: dovecot_server.Dovecot) -> Account:
    return Account(dovecot)


@pytest.fixture
def mailbox(db: Any, account: Account) -> Any:
    from aftersales.mailin.models import Mailbox

    return Mailbox.objects.create(
        name="support",
        address="support@aftersales.example.cn",
        host="127.0.0.1",
        port=account.server.port,
        security="plain",
        username=account.username,
        password=account.password,
        fetch_since=None,
    )


@pytest.fixture
def contact(customer: Any) -> Any:
    from aftersales.customers.tests.factories import ContactFactory

    return ContactFactory(customer=customer, name="张伟", email="Zhang.Wei@Hospital.example.cn")
