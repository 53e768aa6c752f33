"""SMS backends: the interface, a generic HTTP gateway, and console/memory backends.

``NOTIFICATIONS_SMS_BACKEND`` names the class (dotted path). A backend sends one text to one
number and either returns (the gateway accepted it) or raises ``SmsError``; ``permanent`` errors
(a refused number) are not retried. Write a backend for a specific provider by subclassing
``SmsBackend``; the HTTP gateway covers providers and in-house gateways that take a JSON POST.
"""

from __future__ import annotations

import json
import logging
from typing import Any, ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

from aftersales.notifications.http import HttpFailure, post

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The text was not accepted; ``permanent`` when trying again cannot help."""

    def __init__(
        self, message: str, *, permanent: bool = False, status: int | None = None, excerpt: str = ""
    ):
        super().__init__(message)
        self.permanent = permanent
        self.status = status
        self.excerpt = excerpt


class SmsBackend:
    """Send one SMS. ``message_id`` is stable across retries of the same delivery: gateways
    that deduplicate by it make a retried send harmless."""

    def send(self, *, to: str, text: str, message_id: str) -> str:
        """Send ``text`` to ``to``; return the gateway's answer (for the log) or raise SmsError."""
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Development: write the text to the log instead of sending it."""

    def send(self, *, to: str, text: str, message_id: str) -> str:
        logger.info("SMS to %s [%s]: %s", to, message_id, text)
        return "logged"


class LocmemSmsBackend(SmsBackend):
    """Tests and demos: keep sent texts in ``LocmemSmsBackend.outbox``."""

    outbox: ClassVar[list[dict[str, str]]] = []

    def send(self, *, to: str, text: str, message_id: str) -> str:
        self.outbox.append({"to": to, "text": text, "id": message_id})
        return "stored"


class HttpGatewaySmsBackend(SmsBackend):
    """POST ``{"to", "text", "id"}`` as JSON to ``NOTIFICATIONS_SMS_URL``.

    Sends ``Authorization: Bearer NOTIFICATIONS_SMS_TOKEN`` and ``Idempotency-Key: <id>``. Any
    2xx answer means accepted; 408, 429 and 5xx (and network errors) are retried; other 4xx
    answers (a malformed number, a refused token) are permanent.
    """

    def __init__(self, url: str | None = None, token: str | None = None):
        self.url = url or settings.NOTIFICATIONS_SMS_URL
        self.token = token if token is not None else settings.NOTIFICATIONS_SMS_TOKEN

    def send(self, *, to: str, text: str, message_id: str) -> str:
        if not self.url:
            raise SmsError("NOTIFICATIONS_SMS_URL is not set", permanent=True)
        body = json.dumps({"to": to, "text": text, "id": message_id}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message_id}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            status, excerpt = post(
                self.url, body, headers=headers, timeout=settings.NOTIFICATIONS_SEND_TIMEOUT
            )
        except HttpFailure as exc:
            raise SmsError(str(exc)) from exc
        if 200 <= status < 300:
            return excerpt
        permanent = 400 <= status < 500 and status not in (408, 429)
        raise SmsError(
            f"SMS gateway answered {status}", permanent=permanent, status=status, excerpt=excerpt
        )


def get_sms_backend(**kwargs: Any) -> SmsBackend:
    """Return an instance of the configured SMS backend."""
    backend: SmsBackend = import_string(settings.NOTIFICATIONS_SMS_BACKEND)(**kwargs)
    return backend
