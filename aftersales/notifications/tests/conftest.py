"""Real servers on loopback for the notification tests: SMTP (aiosmtpd) and HTTP receivers."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpSink:
    """The messages a real SMTP server on loopback received, parsed."""

    port: int
    envelopes: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse: set[str] = field(default_factory=set)

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        with self.lock:
            raw = [e.content for e in self.envelopes]
        return [email.message_from_bytes(r, policy=email.policy.default) for r in raw]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings) -> Iterator[SmtpSink]:
    """Start aiosmtpd on loopback and point Django's SMTP backend at it."""
    sink = SmtpSink(port=_free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.NOTIFICATIONS_FROM_EMAIL = "服务中心 <service@aftersales.example.cn>"
    settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN = ""
    try:
        yield sink
    finally:
        controller.stop()


@dataclass
class Receiver:
    """A real HTTP server on loopback that records POSTs and answers from a script."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # next statuses; then 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def json(self, n: int) -> Any:
        return json.loads(self.requests[n]["body"])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with box.lock:
                status = box.answers.pop(0) if box.answers else 200
                box.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": body,
                        "status": status,
                    }
                )
            payload = b'{"ok": true}' if status < 300 else b"receiver down"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def contact(customer):
    from aftersales.customers.tests.factories import ContactFactory

    return ContactFactory(
        customer=customer, name="王伟", email="wang.wei@hospital.example.cn", mobile="13900001111"
    )


@pytest.fixture
def en_contact(customer, make_user):
    """A contact whose portal account reads English."""
    from aftersales.customers.tests.factories import ContactFactory

    person = ContactFactory(
        customer=customer, name="Li Na", email="li.na@hospital.example.cn", mobile="13900002222"
    )
    make_user(
        "customer_contact",
        customer=customer,
        username="lina",
        email="li.na@hospital.example.cn",
        language="en",
        phone="13900002222",
    )
    return person
