"""Render messages from templates, in the recipient's language and time zone.

Templates live in ``notifications/templates/notifications/``, one folder per language (so an
administrator can reword a message in Chinese and in English independently, as the customer
reads it): per event kind an e-mail subject (``email/<lang>/<kind>_subject.txt``), a text body
(``email/<lang>/<kind>.txt``) and an SMS text (``sms/<lang>/<kind>.txt``); the HTML part is the
shared ``email/base.html`` around the text. A language without its own folder falls back to the
site's default language. Labels from the code (case statuses, SLA targets) are rendered in the
recipient's language by the translation catalogue. The subject always starts with
``[<case number>]`` (the e-mail intake threads replies by it).
"""

from __future__ import annotations

import json
import re
import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string, select_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy

from aftersales.cases.choices import CaseStatus
from aftersales.core.api import render_datetime

# Lazy, so that each message shows them in its reader's language (the same words as the SLA
# app's notices, hence the same translations).
TARGET_LABELS = {
    "response": gettext_lazy("response"),
    "onsite": gettext_lazy("on-site arrival"),
    "confirm": gettext_lazy("cause confirmation"),
    "restore": gettext_lazy("restoration"),
    "follow_up": gettext_lazy("follow-up"),
}


def site_url(path: str) -> str:
    """Return ``path`` as an absolute URL on this site (``SITE_URL``)."""
    return settings.SITE_URL.rstrip("/") + path


def portal_case_url(number: str) -> str:
    """Return the portal page of a case (where the customer follows, confirms and rates it)."""
    return site_url(reverse("portal:case", args=[number]))


def console_case_url(number: str) -> str:
    """Return the console page of a case (for staff)."""
    return site_url(reverse("console:case", args=[number]))


def mail_domain() -> str:
    """Return the domain of outgoing Message-IDs."""
    if settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN:
        return str(settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN)
    address = parseaddr(settings.NOTIFICATIONS_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def new_message_id(case_number: str | None, *, fallback: str) -> str:
    """Return a fresh Message-ID: ``<case.<NUMBER>.<random>@<domain>>`` for case mail."""
    token = secrets.token_hex(8)
    left = f"case.{case_number}" if case_number else fallback
    return f"<{left}.{token}@{mail_domain()}>"


def thread_reference(case_number: str) -> str:
    """Return the Message-ID all mail about one case refers to, so mail readers thread it."""
    return f"<case.{case_number}.thread@{mail_domain()}>"


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return parse_datetime(value)
    return None


def event_context(event: Any, case: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the template context of an outbox event about ``case``."""
    data = event.data or {}
    from_status = data.get("from_status") or ""
    to_status = data.get("to_status") or ""
    context: dict[str, Any] = {
        "kind": event.kind,
        "case": case,
        "number": case.number,
        "summary": case.summary,
        "customer_name": case.customer.name,
        "portal_url": portal_case_url(case.number),
        "console_url": console_case_url(case.number),
        "response_due_at": _when(data.get("response_due_at")),
        "from_status_label": CaseStatus(from_status).label if from_status in CaseStatus else "",
        "to_status_label": CaseStatus(to_status).label if to_status in CaseStatus else "",
        "reopening": bool(data.get("reopening")),
        "note": data.get("note") or "",
        "resolution": case.resolution,
        "engineer_name": data.get("engineer_name") or "",
        "engineer_phone": data.get("engineer_phone") or "",
        "eta": _when(data.get("eta")),
        "part_name": data.get("part_name") or "",
        "part_number": data.get("part_number") or "",
        "carrier": data.get("carrier") or "",
        "tracking_number": data.get("tracking_number") or "",
        "return_due": _when(data.get("return_due")),
        "target_label": TARGET_LABELS.get(data.get("target") or "", data.get("target") or ""),
        "level": data.get("level"),
    }
    context.update(extra or {})
    return context


_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def message_language(language: str | None) -> str:
    """Return the supported language code for ``language`` (else the site's default)."""
    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return str(settings.LANGUAGE_CODE)


def _template_names(folder: str, language: str, name: str) -> list[str]:
    names = [f"notifications/{folder}/{language}/{name}"]
    if language != settings.LANGUAGE_CODE:
        names.append(f"notifications/{folder}/{settings.LANGUAGE_CODE}/{name}")
    return names


def _render(folder: str, language: str, name: str, context: dict[str, Any]) -> str:
    return str(select_template(_template_names(folder, language, name)).render(context))


def render_email(
    kind: str,
    context: dict[str, Any],
    *,
    language: str,
    zone: zoneinfo.ZoneInfo,
    number: str | None,
) -> RenderedEmail:
    """Render the e-mail for ``kind`` in ``language``, showing times in ``zone``."""
    language = message_language(language)
    with translation.override(language), timezone.override(zone):
        ctx = {**context, "language": language, "zone": zone.key}
        subject = _SPACES.sub(" ", _render("email", language, f"{kind}_subject.txt", ctx))
        text = _render("email", language, f"{kind}.txt", ctx).strip() + "\n"
        html = render_to_string(
            "notifications/email/base.html",
            {**ctx, "subject": subject.strip(), "text": text, "action_url": ctx.get("portal_url")},
        )
    subject = subject.strip()
    if number:
        subject = f"[{number}] {subject}"
    return RenderedEmail(subject=subject[:300], text=text, html=html)


def render_notice_email(
    notice: Any, *, language: str, zone: zoneinfo.ZoneInfo, number: str | None
) -> RenderedEmail:
    """Render a staff notice (already titled in its recipient's language) as an e-mail."""
    context = {
        "notice": notice,
        "title": notice.title,
        "body": notice.body,
        "console_url": console_case_url(number) if number else site_url("/"),
        "oncall": bool((notice.data or {}).get("oncall")),
        "number": number,
        "kind": notice.kind,
    }
    language = message_language(language)
    context["language"] = language
    with translation.override(language), timezone.override(zone):
        text = _render("email", language, "notice.txt", context).strip() + "\n"
        html = render_to_string(
            "notifications/email/base.html",
            {
                **context,
                "subject": notice.title,
                "text": text,
                "portal_url": "",
                "action_url": context["console_url"],
            },
        )
    subject = _SPACES.sub(" ", notice.title).strip()
    if number and f"[{number}]" not in subject:
        subject = f"[{number}] {subject}"
    return RenderedEmail(subject=subject[:300], text=text, html=html)


def render_sms(
    kind: str, context: dict[str, Any], *, language: str, zone: zoneinfo.ZoneInfo
) -> str:
    """Render the SMS text for ``kind`` (one line, cut to ``NOTIFICATIONS_SMS_MAX_CHARS``)."""
    language = message_language(language)
    with translation.override(language), timezone.override(zone):
        text = _render("sms", language, f"{kind}.txt", {**context, "zone": zone.key})
    text = _SPACES.sub(" ", text).strip()
    limit = settings.NOTIFICATIONS_SMS_MAX_CHARS
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_notice_sms(notice: Any, *, number: str | None) -> str:
    """Return the SMS text of a staff notice: its (already translated) title."""
    text = _SPACES.sub(" ", notice.title).strip()
    if number and number not in text:
        text = f"[{number}] {text}"
    limit = settings.NOTIFICATIONS_SMS_MAX_CHARS
    return text if len(text) <= limit else text[: limit - 1] + "…"


def webhook_body(event: Any, case: Any) -> str:
    """Return the JSON body of ``event`` for webhooks (stable: retries send the same bytes)."""
    payload = {
        "id": event.pk,
        "kind": event.kind,
        "occurred_at": render_datetime(event.created_at),
        "actor": getattr(event.actor, "username", None) if event.actor_id else None,
        "case": {
            "number": case.number,
            "status": case.status,
            "case_type": case.case_type,
            "channel": case.channel,
            "severity": case.severity,
            "customer": case.customer.code,
            "summary": case.summary,
            "reported_at": render_datetime(case.reported_at),
            "assignee": case.assignee.username if case.assignee_id else None,
            "team": case.team.code if case.team_id else None,
            "url": console_case_url(case.number),
        },
        "data": event.data or {},
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
