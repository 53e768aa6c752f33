"""Build the raw bytes of test e-mails, the way real mailers write them."""

from __future__ import annotations

import secrets
from email.message import EmailMessage
from email.utils import format_datetime

from aftersales.core import clock


def message(
    *,
    sender: str = "Zhang Wei <zhang.wei@hospital.example.cn>",
    to: str = "support@aftersales.example.cn",
    subject: str = "CT scanner fails to start",
    body: str = "The CT scanner in room 3 shows error E-102 at start-up.",
    html: str | None = None,
    message_id: str | None = "auto",
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    """Return a UTF-8 message (text, optional HTML alternative, attachments) as bytes."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(clock.now())
    if message_id == "auto":
        message_id = f"<{secrets.token_hex(8)}@mail.hospital.example.cn>"
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def raw_message(head: str, body: bytes) -> bytes:
    """Return a message from literal header lines and a body in any bytes (legacy charsets)."""
    lines = head.strip().replace("\r\n", "\n").split("\n")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body
