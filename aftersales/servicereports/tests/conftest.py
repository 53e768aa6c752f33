"""A finished visit to report on, signatures drawn with Pillow, and a real SMTP server."""

from __future__ import annotations

import base64
import email
import email.policy
import io
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from PIL import Image, ImageDraw

from aftersales.customers.models import Contact
from aftersales.dispatch import services as dispatch
from aftersales.dispatch.models import EngineerProfile
from aftersales.sla.tests.helpers import asset_with_contract, at, open_case

logging.getLogger("mail.log").setLevel(logging.WARNING)

NOW = at(2026, 11, 2, 16, 0)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def drawn_signature(*, width: int = 360, height: int = 140, blank: bool = False) -> str:
    """A PNG data URL like the signature pad sends (a stroke on a transparent canvas)."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if not blank:
        draw = ImageDraw.Draw(image)
        draw.line([(20, 100), (80, 30), (140, 110), (220, 40), (330, 90)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def signature() -> str:
    return drawn_signature()


@pytest.fixture
def visit(make_user, agent, customer):
    """An on-site visit, finished with work and one part replaced, on a case with a contact."""
    engineer = make_user("engineer", username="eng_li", first_name="工", last_name="李")
    EngineerProfile.objects.create(user=engineer, home_region=customer.region)
    contact = Contact.objects.create(
        customer=customer, name="王主任", email="wang@hospital.example.cn"
    )
    asset = asset_with_contract(customer, serial="SR-1")
    case = open_case(
        agent,
        customer,
        at(2026, 11, 2, 9, 0),
        asset=asset,
        severity="C-2",
        summary="CT 机房核心交换机端口掉线",
        description="3 号端口每小时掉线一次",
        contact=contact,
    )
    with time_machine.travel(at(2026, 11, 2, 9, 30), tick=False):
        v = dispatch.case_dispatch(case=case, engineer=engineer, by=agent)
        dispatch.visit_start_travel(visit=v, by=engineer)
    with time_machine.travel(at(2026, 11, 2, 11, 0), tick=False):
        dispatch.visit_arrive(visit=v, by=engineer)
    with time_machine.travel(at(2026, 11, 2, 15, 0), tick=False):
        dispatch.visit_depart(
            visit=v,
            by=engineer,
            work_performed="更换光模块并重新插拔跳线，观察两小时无掉线",
            parts=[{"part": "光模块 SFP-10G", "serial_out": "SFP-OLD-1", "serial_in": "SFP-NEW-9"}],
        )
    v.refresh_from_db()
    return v


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpSink:
    port: int
    envelopes: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        with self.lock:
            raw = [e.content for e in self.envelopes]
        return [email.message_from_bytes(r, policy=email.policy.default) for r in raw]

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings) -> Iterator[SmtpSink]:
    """aiosmtpd on loopback, with Django's SMTP backend pointed at it."""
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
    try:
        yield sink
    finally:
        controller.stop()
