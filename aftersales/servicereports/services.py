"""Service-report writes: draft, edit the draft, customer signature, addenda, the e-mail.

A draft is written by staff (usually the engineer at the end of a visit, prefilled from it) and
edited freely; the customer signs it on the engineer's phone, which renders and stores the PDF
and e-mails it to the customer once the transaction commits. A signed report never changes
(409 from here, ``ReportImmutable`` from the model layer); corrections are addenda, each of
which stores a new PDF version with every addendum so far (the signed original stays).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases.choices import CaseEventKind
from aftersales.cases.models import Case
from aftersales.cases.services.common import record_event
from aftersales.core import clock
from aftersales.core.errors import Conflict, NotAllowed, ValidationFailed
from aftersales.dispatch.choices import VisitStatus
from aftersales.dispatch.models import Visit
from aftersales.servicereports.models import ReportAddendum, ReportStatus, ServiceReport
from aftersales.servicereports.rendering import report_pdf
from aftersales.servicereports.signature import signature_png

logger = logging.getLogger(__name__)

TEXT_FIELDS = ("problem", "diagnosis", "solution", "repair_process", "test_results")
EDITABLE_FIELDS = (*TEXT_FIELDS, "parts")
# Filled in before the customer is asked to sign.
REQUIRED_TO_SIGN = ("problem", "solution")
MAX_PARTS = 50


def _ensure_worker(by: User) -> None:
    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not work on cases."))


def _text(field: str, value: Any, *, required: bool = False, limit: int | None = None) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(_("Not a valid string."), field=field)
    value = value.strip()
    if required and not value:
        raise ValidationFailed(_("This field may not be blank."), field=field)
    limit = limit or settings.CASES_MAX_TEXT_LENGTH
    if len(value) > limit:
        raise ValidationFailed(
            _("Ensure this field has no more than %(limit)d characters.") % {"limit": limit},
            field=field,
        )
    return value


def clean_parts(parts: Any) -> list[dict[str, str]]:
    """Return ``parts`` as a list of {part, serial_out, serial_in}; empty rows are dropped."""
    if parts is None:
        return []
    if not isinstance(parts, list | tuple):
        raise ValidationFailed(_("Parts must be a list."), field="parts")
    rows: list[dict[str, str]] = []
    for index, row in enumerate(parts, start=1):
        if not isinstance(row, dict):
            raise ValidationFailed(_("Part %(n)d is not an object.") % {"n": index}, field="parts")
        values = {}
        for key in ("part", "serial_out", "serial_in"):
            value = row.get(key) or ""
            if not isinstance(value, str):
                raise ValidationFailed(
                    _("Part %(n)d: %(key)s must be text.") % {"n": index, "key": key},
                    field="parts",
                )
            values[key] = value.strip()
        if not any(values.values()):
            continue
        if (
            not values["part"]
            or len(values["part"]) > 100
            or len(values["serial_out"]) > 80
            or len(values["serial_in"]) > 80
        ):
            raise ValidationFailed(
                _("Part %(n)d: name the part (serials at most 80 characters).") % {"n": index},
                field="parts",
            )
        rows.append(values)
    if len(rows) > MAX_PARTS:
        raise ValidationFailed(_("Too many parts on one report."), field="parts")
    return rows


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[Any]] = {}
    for name, value in fields.items():
        try:
            cleaned[name] = clean_parts(value) if name == "parts" else _text(name, value)
        except ValidationFailed as exc:
            errors[name] = [exc.message]
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned


def visit_prefill(visit: Visit | None, case: Case) -> dict[str, Any]:
    """What a new report starts with: the case's problem, the visit's work and parts."""
    problem = case.summary
    if case.description and case.description.strip() != case.summary.strip():
        problem = f"{case.summary}\n{case.description}".strip()
    data: dict[str, Any] = {"problem": problem, "parts": []}
    if visit is not None:
        data["repair_process"] = visit.work_performed
        data["parts"] = [
            {"part": p.part, "serial_out": p.serial_out, "serial_in": p.serial_in}
            for p in visit.parts.all()
        ]
    return data


@transaction.atomic
def report_create(
    *, case: Case, by: User, visit: Visit | None = None, **fields: Any
) -> ServiceReport:
    """Start a draft report on ``case`` (for ``visit`` if given), prefilled from the visit and
    the case; ``fields`` override the prefill."""
    _ensure_worker(by)
    if visit is not None:
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        if visit.case_id != case.pk:
            raise ValidationFailed(_("This visit belongs to another case."), field="visit")
        if visit.status != VisitStatus.DONE:
            raise Conflict(_("Write the report once the visit is finished."), code="visit_not_done")
        if ServiceReport.objects.filter(visit=visit).exists():
            raise Conflict(_("This visit already has a service report."), code="report_exists")
    data = visit_prefill(visit, case)
    data.update(_clean_fields(fields))
    now = clock.now()
    report = ServiceReport.objects.create(
        case=case, visit=visit, engineer=by, created_at=now, updated_at=now, **data
    )
    record_event(
        case,
        CaseEventKind.REPORT,
        by=by,
        at=now,
        is_public=False,
        note=_("Service report #%(id)d drafted.") % {"id": report.pk},
        data={"report": report.pk, "action": "drafted"},
    )
    return report


def _lock(report: ServiceReport) -> ServiceReport:
    return (
        ServiceReport.objects.select_for_update(of=("self",))
        .select_related("case__customer", "case__contact", "case__site", "case__asset__product")
        .select_related("visit", "engineer")
        .get(pk=report.pk)
    )


def _signed_conflict() -> Conflict:
    return Conflict(
        _("This service report is signed and cannot be changed; add an addendum instead."),
        code="report_signed",
    )


@transaction.atomic
def report_update(*, report: ServiceReport, by: User, **fields: Any) -> ServiceReport:
    """Change fields of a draft (409 once signed)."""
    _ensure_worker(by)
    report = _lock(report)
    if report.is_signed:
        raise _signed_conflict()
    cleaned = _clean_fields(fields)
    changed = [name for name, value in cleaned.items() if getattr(report, name) != value]
    if not changed:
        return report
    for name in changed:
        setattr(report, name, cleaned[name])
    report.updated_at = clock.now()
    report.save(update_fields=[*changed, "updated_at"])
    record_event(
        report.case,
        CaseEventKind.REPORT,
        by=by,
        at=report.updated_at,
        is_public=False,
        note=_("Service report #%(id)d draft edited.") % {"id": report.pk},
        data={"report": report.pk, "action": "edited", "fields": changed},
    )
    return report


def _ensure_can_sign(by: User, case: Case) -> None:
    if has_capability(by, Capability.WORK_CASES):
        return
    if by.is_customer_contact and by.customer_id == case.customer_id:
        return
    raise NotAllowed(_("You may not sign this service report."))


@transaction.atomic
def report_sign(
    *,
    report: ServiceReport,
    by: User,
    signer_name: str,
    signature: str,
    signer_email: str = "",
) -> ServiceReport:
    """The customer signs the draft (on the engineer's phone): store the signature, render and
    store the PDF, and e-mail it to the customer after commit."""
    report = _lock(report)
    _ensure_can_sign(by, report.case)
    if report.is_signed:
        raise Conflict(_("This service report is already signed."), code="report_signed")
    errors: dict[str, list[Any]] = {}
    for name in REQUIRED_TO_SIGN:
        if not getattr(report, name).strip():
            errors[name] = [_("Fill this in before the customer signs.")]
    try:
        name = _text("signer_name", signer_name, required=True, limit=100)
    except ValidationFailed as exc:
        errors["signer_name"] = [exc.message]
    email = (signer_email or "").strip() if isinstance(signer_email, str) else None
    if email is None or len(email) > 254:
        errors["signer_email"] = [_("Enter a valid email address.")]
    elif email:
        try:
            validate_email(email)
        except ValidationError:
            errors["signer_email"] = [_("Enter a valid email address.")]
    try:
        png = signature_png(signature)
    except ValidationFailed as exc:
        errors["signature"] = [exc.message]
    if errors:
        raise ValidationFailed(errors=errors)
    now = clock.now()
    report.signer_name, report.signer_email, report.signed_at = name, email or "", now
    report.status = ReportStatus.SIGNED
    stamp = timezone.localtime(now).strftime("%Y%m%d%H%M%S")
    report.signature.save(f"{stamp}.png", ContentFile(png), save=False)
    pdf = report_pdf(report, signature_png=png)
    report.pdf.save(pdf_name(report, 0), ContentFile(pdf), save=False)
    report.updated_at = now
    report.save()
    record_event(
        report.case,
        CaseEventKind.REPORT,
        by=by,
        at=now,
        is_public=True,
        note=_("Service report #%(id)d signed by %(name)s.") % {"id": report.pk, "name": name},
        data={"report": report.pk, "action": "signed", "signer": name},
    )
    report_id = report.pk
    # robust: an unexpected error while e-mailing is logged, never shown as a failed signature.
    transaction.on_commit(lambda: report_email(report_id=report_id), robust=True)
    return report


def pdf_name(report: ServiceReport, version: int) -> str:
    suffix = f"-{version}" if version else ""
    return f"{report.case.number}-report-{report.pk}{suffix}.pdf"


@transaction.atomic
def addendum_add(*, report: ServiceReport, by: User, text: str) -> ReportAddendum:
    """Append a correction to a signed report and store the PDF version that includes it."""
    _ensure_worker(by)
    report = _lock(report)
    if not report.is_signed:
        raise Conflict(
            _("The report is still a draft: edit it instead of adding an addendum."),
            code="report_draft",
        )
    text = _text("text", text, required=True)
    now = clock.now()
    addenda = list(report.addenda.select_related("author"))
    addendum = ReportAddendum(report=report, text=text, author=by, at=now)
    pdf = report_pdf(report, addenda=[*addenda, addendum])
    addendum.pdf.save(pdf_name(report, len(addenda) + 1), ContentFile(pdf), save=False)
    addendum.save()
    record_event(
        report.case,
        CaseEventKind.REPORT,
        by=by,
        at=now,
        is_public=True,
        note=_("Addendum to service report #%(id)d: %(text)s") % {"id": report.pk, "text": text},
        data={"report": report.pk, "action": "addendum", "addendum": addendum.pk},
    )
    return addendum


def report_recipient(report: ServiceReport) -> str:
    """The signer's e-mail if given, else the case contact's."""
    if report.signer_email:
        return report.signer_email
    contact = report.case.contact
    return contact.email if contact is not None and contact.email else ""


def _message_id(number: str, sender: str) -> str:
    from email.utils import parseaddr

    domain = getattr(settings, "NOTIFICATIONS_MESSAGE_ID_DOMAIN", "") or (
        parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    )
    return f"<case.{number}.{secrets.token_hex(8)}@{domain}>"


def report_email(*, report_id: int) -> bool:
    """E-mail the signed PDF to the customer (runs after the signing transaction commits).

    Returns whether a message was sent. A failure is logged and noted (internally) in the
    timeline; it never undoes the signature.
    """
    report = (
        ServiceReport.objects.select_related("case__contact", "case__customer")
        .filter(pk=report_id, status=ReportStatus.SIGNED)
        .first()
    )
    if report is None:
        return False
    to = report_recipient(report)
    case = report.case
    if not to:
        record_event(
            case,
            CaseEventKind.REPORT,
            by=None,
            is_public=False,
            note=_("Service report #%(id)d not e-mailed: no e-mail address.") % {"id": report.pk},
            data={"report": report.pk, "action": "email_skipped"},
        )
        return False
    sender = getattr(settings, "NOTIFICATIONS_FROM_EMAIL", "") or settings.DEFAULT_FROM_EMAIL
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[%(number)s] Service report signed") % {"number": case.number}
        body = _(
            "Dear customer,\n\nattached is the service report of case %(number)s, signed by "
            "%(name)s on %(when)s.\n\n%(summary)s\n"
        ) % {
            "number": case.number,
            "name": report.signer_name,
            "when": timezone.localtime(report.signed_at).strftime("%Y-%m-%d %H:%M"),
            "summary": case.summary,
        }
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=sender,
        to=[to],
        headers={"Message-ID": _message_id(case.number, sender)},
    )
    with report.pdf.open("rb") as f:
        message.attach(pdf_name(report, 0), f.read(), "application/pdf")
    try:
        message.send()
    except Exception:  # any transport failure: keep the signature, say what happened
        logger.exception("e-mailing service report %s failed", report.pk)
        record_event(
            case,
            CaseEventKind.REPORT,
            by=None,
            is_public=False,
            note=_("E-mailing service report #%(id)d to %(to)s failed.")
            % {"id": report.pk, "to": to},
            data={"report": report.pk, "action": "email_failed"},
        )
        return False
    record_event(
        case,
        CaseEventKind.REPORT,
        by=None,
        is_public=False,
        note=_("Service report #%(id)d e-mailed to %(to)s.") % {"id": report.pk, "to": to},
        data={"report": report.pk, "action": "emailed", "to": to},
    )
    return True
