"""Every change to a delivery and its inspection: create, the three signed stages, disputes,
addenda, the case for non-conforming goods and the project's final acceptance.

Views, the API and the admin call these functions. Each runs in one transaction; bad input
raises ``ValidationFailed`` before anything is written.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.choices import UserRole
from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases.services import attachment_add, case_create
from aftersales.catalog.models import Asset, Contract, Product
from aftersales.catalog.services import asset_create
from aftersales.core import clock
from aftersales.core.errors import Conflict, NotAllowed, ValidationFailed
from aftersales.core.uploads import check_upload
from aftersales.customers.models import Contact, Customer, Site
from aftersales.inspection.models import (
    AcceptedUnit,
    Addendum,
    ChecklistItem,
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    Dispute,
    DisputeStatus,
    Inspection,
    InspectionFile,
    LineCheck,
    NonConformityCase,
    RequiredDocument,
    Stage,
    Verdict,
)
from aftersales.servicereports.signature import signature_png

R = UserRole
logger = logging.getLogger(__name__)
_ORGANISERS = {R.ADMIN, R.SUPERVISOR, R.AGENT, R.INSPECTOR}
_SUPERVISORS = {R.ADMIN, R.SUPERVISOR}


def _role_in(user: User, roles: set[str]) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in roles)


def _require(user: User, roles: set[str]) -> None:
    if not _role_in(user, roles):
        raise NotAllowed(_("Your role does not allow this."))


def _text(field: str, value: Any, *, required: bool = False, max_length: int = 0) -> str:
    value = str(value or "").strip()
    if required and not value:
        raise ValidationFailed(_("This field is required."), field=field)
    if max_length and len(value) > max_length:
        raise ValidationFailed(_("At most %(n)d characters.") % {"n": max_length}, field=field)
    return value


def required_documents(category: str) -> list[str]:
    """The documents every unit of ``category`` must come with (user manual, certificates...)."""
    return list(RequiredDocument.objects.filter(category=category).values_list("name", flat=True))


# --- Deliveries -------------------------------------------------------------------------------


@transaction.atomic
def delivery_create(
    *,
    by: User,
    customer: Customer,
    delivery_date: datetime.date,
    lines: list[dict[str, Any]],
    contract: Contract | None = None,
    project: str = "",
    site: Site | None = None,
    acceptance_team: str = "",
    purchaser: Contact | None = None,
    supplier: str = "",
    supplier_email: str = "",
) -> Delivery:
    """Register an expected delivery with its lines (product, quantity, serials if known)."""
    _require(by, _ORGANISERS)
    if contract is not None and contract.customer_id != customer.pk:
        raise ValidationFailed(_("The contract belongs to another customer."), field="contract")
    if site is not None and site.customer_id != customer.pk:
        raise ValidationFailed(_("The site belongs to another customer."), field="site")
    if purchaser is not None and purchaser.customer_id != customer.pk:
        raise ValidationFailed(_("The contact belongs to another customer."), field="purchaser")
    if not lines:
        raise ValidationFailed(_("A delivery needs at least one line."), field="lines")
    clean_lines = []
    seen: set[str] = set()
    for index, line in enumerate(lines):
        product = line.get("product")
        if not isinstance(product, Product):
            raise ValidationFailed(_("Unknown product."), field="lines")
        quantity = line.get("quantity")
        if not isinstance(quantity, int) or quantity < 1:
            raise ValidationFailed(_("The quantity must be a positive number."), field="lines")
        serials = [str(s).strip() for s in line.get("serials") or [] if str(s).strip()]
        if len(serials) > quantity:
            raise ValidationFailed(_("More serial numbers than units on a line."), field="lines")
        duplicate = seen.intersection(serials) or (len(set(serials)) != len(serials))
        if duplicate:
            raise ValidationFailed(_("A serial number appears twice."), field="lines")
        seen.update(serials)
        clean_lines.append((index, product, quantity, serials))
    delivery = Delivery.objects.create(
        customer=customer,
        contract=contract,
        project=_text("project", project, max_length=200),
        site=site,
        delivery_date=delivery_date,
        acceptance_team=_text("acceptance_team", acceptance_team, max_length=300),
        purchaser=purchaser,
        supplier=_text("supplier", supplier, max_length=200),
        supplier_email=_text("supplier_email", supplier_email, max_length=254),
        created_by=by,
        created_at=clock.now(),
    )
    for index, product, quantity, serials in clean_lines:
        DeliveryLine.objects.create(
            delivery=delivery, product=product, quantity=quantity, serials=serials, position=index
        )
    return delivery


def _lock(delivery: Delivery) -> Delivery:
    return Delivery.objects.select_for_update().get(pk=delivery.pk)


def _sign_stage(
    *,
    delivery: Delivery,
    stage: str,
    by: User,
    signer_name: str,
    signer_role: str,
    signature: str,
    notes: str,
) -> tuple[Inspection, bytes]:
    name = _text("signer_name", signer_name, required=True, max_length=100)
    role = _text("signer_role", signer_role, required=True, max_length=100)
    png = signature_png(signature)
    inspection = Inspection(
        delivery=delivery,
        stage=stage,
        signed_by=by,
        signer_name=name,
        signer_role=role,
        signed_at=clock.now(),
        notes=_text("notes", notes),
    )
    return inspection, png


def _save_signed(inspection: Inspection, png: bytes) -> Inspection:
    inspection.signature.save(
        f"{inspection.delivery_id}-{inspection.stage}.png", ContentFile(png), save=False
    )
    inspection.save(force_insert=True)
    return inspection


def _checks_by_line(delivery: Delivery, checks: list[dict[str, Any]]) -> dict[int, Any]:
    lines = {line.pk: line for line in delivery.lines.select_related("product")}
    result: dict[int, Any] = {}
    for check in checks:
        line_id = check.get("line")
        if line_id not in lines:
            raise ValidationFailed(_("No such line on this delivery."), field="checks")
        result.setdefault(line_id, []).append(check)
    return {"lines": lines, "checks": result}


@transaction.atomic
def initial_inspection_sign(
    *,
    delivery: Delivery,
    by: User,
    checks: list[dict[str, Any]],
    signer_name: str,
    signer_role: str,
    signature: str,
    notes: str = "",
) -> Inspection:
    """Sign the initial inspection (初步检验): per line the quantity counted, the appearance and
    the documents present. A shortfall, damage or a missing required document makes the line
    non-conforming with the reason."""
    _require(by, _ORGANISERS)
    delivery = _lock(delivery)
    if delivery.status != DeliveryStatus.EXPECTED:
        raise Conflict(_("The initial inspection is already signed."), code="already_signed")
    found = _checks_by_line(delivery, checks)
    lines, by_line = found["lines"], found["checks"]
    missing_lines = set(lines) - set(by_line)
    if missing_lines or any(len(v) > 1 for v in by_line.values()):
        raise ValidationFailed(_("Give exactly one check for every line."), field="checks")
    inspection, png = _sign_stage(
        delivery=delivery,
        stage=Stage.INITIAL,
        by=by,
        signer_name=signer_name,
        signer_role=signer_role,
        signature=signature,
        notes=notes,
    )
    rows = []
    for line_id, (check,) in by_line.items():
        line = lines[line_id]
        counted = check.get("quantity_counted")
        if not isinstance(counted, int) or counted < 0:
            raise ValidationFailed(_("Count the units of every line."), field="checks")
        appearance_ok = check.get("appearance_ok")
        if not isinstance(appearance_ok, bool):
            raise ValidationFailed(_("Record the appearance of every line."), field="checks")
        note = _text("checks", check.get("appearance_note"), max_length=300)
        present = [str(d).strip() for d in check.get("documents_present") or []]
        reasons = []
        if counted < line.quantity:
            reasons.append(
                _("Short delivery: %(counted)d of %(expected)d counted.")
                % {"counted": counted, "expected": line.quantity}
            )
        if not appearance_ok:
            reasons.append(_("Appearance: %(note)s") % {"note": note or _("damaged")})
        for document in required_documents(line.product.category):
            if document not in present:
                reasons.append(_("Missing document: %(doc)s") % {"doc": document})
        rows.append(
            LineCheck(
                line=line,
                quantity_counted=counted,
                appearance_ok=appearance_ok,
                appearance_note=note,
                documents_present=present,
                verdict=Verdict.FAIL if reasons else Verdict.PASS,
                reasons="\n".join(reasons),
            )
        )
    _save_signed(inspection, png)
    for row in rows:
        row.inspection = inspection
        row.save(force_insert=True)
        if row.verdict == Verdict.FAIL:
            _line_verdict(row.line, Verdict.FAIL, row.reasons)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.INITIAL_DONE)
    return inspection


def _line_verdict(line: DeliveryLine, verdict: str, reasons: str) -> None:
    DeliveryLine.objects.filter(pk=line.pk).update(verdict=verdict, reasons=reasons)


def _decimal(value: Any) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("A measured value must be a number."), field="checks") from None
    if not result.is_finite():
        raise ValidationFailed(_("A measured value must be a number."), field="checks")
    return result


@transaction.atomic
def professional_inspection_sign(
    *,
    delivery: Delivery,
    by: User,
    checks: list[dict[str, Any]],
    signer_name: str,
    signature: str,
    notes: str = "",
    files: list[dict[str, Any]] | None = None,
) -> Inspection:
    """Sign the professional inspection (专业检验), only by a quality inspector.

    ``checks``: per line (and serial, optional) the measured values of the category's checklist
    (``{"item": id, "value": n}``), a ``verdict`` (pass/fail) and ``reasons`` (required for a
    failure). A value outside its limits fails the check whatever verdict was given. The signed
    summary is e-mailed to the purchaser and the supplier after commit.
    """
    if not _role_in(by, {R.INSPECTOR}):
        raise NotAllowed(_("Only quality inspectors sign professional inspections."))
    delivery = _lock(delivery)
    if delivery.status != DeliveryStatus.INITIAL_DONE:
        raise Conflict(
            _("The professional inspection follows the signed initial inspection, once."),
            code="wrong_stage",
        )
    found = _checks_by_line(delivery, checks)
    lines, by_line = found["lines"], found["checks"]
    if set(lines) - set(by_line):
        raise ValidationFailed(_("Give a check for every line."), field="checks")
    inspection, png = _sign_stage(
        delivery=delivery,
        stage=Stage.PROFESSIONAL,
        by=by,
        signer_name=signer_name,
        signer_role=str(R.INSPECTOR.label),
        signature=signature,
        notes=notes,
    )
    rows: list[LineCheck] = []
    for line_id, line_checks in by_line.items():
        line = lines[line_id]
        items = {i.pk: i for i in ChecklistItem.objects.filter(category=line.product.category)}
        for check in line_checks:
            serial = _text("checks", check.get("serial"), max_length=80)
            if serial and serial not in line.serials:
                raise ValidationFailed(_("No such serial number on the line."), field="checks")
            given = {m.get("item"): m.get("value") for m in check.get("measurements") or []}
            if set(given) - set(items):
                raise ValidationFailed(_("Unknown checklist item."), field="checks")
            if set(items) - set(given):
                raise ValidationFailed(_("Measure every checklist item."), field="checks")
            measurements, reasons = [], []
            for item_id, item in items.items():
                value = _decimal(given[item_id])
                ok = (item.lower is None or value >= item.lower) and (
                    item.upper is None or value <= item.upper
                )
                measurements.append(
                    {
                        "item": item.pk,
                        "name": item.name,
                        "unit": item.unit,
                        "value": str(value),
                        "lower": None if item.lower is None else str(item.lower),
                        "upper": None if item.upper is None else str(item.upper),
                        "ok": ok,
                    }
                )
                if not ok:
                    reasons.append(
                        _("%(name)s out of limits: %(value)s") % {"name": item.name, "value": value}
                    )
            verdict = check.get("verdict")
            if verdict not in Verdict.values:
                raise ValidationFailed(_("The verdict is pass or fail."), field="checks")
            given_reasons = _text("checks", check.get("reasons"))
            if verdict == Verdict.FAIL and not given_reasons:
                raise ValidationFailed(_("Say why the goods fail."), field="checks")
            if given_reasons:
                reasons.insert(0, given_reasons)
            if reasons:
                verdict = Verdict.FAIL
            rows.append(
                LineCheck(
                    line=line,
                    serial=serial,
                    measurements=measurements,
                    verdict=verdict,
                    reasons="\n".join(reasons),
                )
            )
    uploads = []
    for item in files or []:
        line_id = item.get("line")
        if line_id is not None and line_id not in lines:
            raise ValidationFailed(_("No such line on this delivery."), field="files")
        kind = item.get("kind") or InspectionFile.Kind.OTHER
        if kind not in InspectionFile.Kind.values:
            raise ValidationFailed(_("Unknown kind of file."), field="files")
        upload = item["file"]
        _check_file(upload, "files")
        uploads.append((line_id, kind, upload))
    _save_signed(inspection, png)
    for row in rows:
        row.inspection = inspection
        row.save(force_insert=True)
    for line_id, line_checks in _group(rows).items():
        failed = [c for c in line_checks if c.verdict == Verdict.FAIL]
        previous = lines[line_id]
        if failed:
            reasons = [c.reasons for c in failed]
            if previous.verdict == Verdict.FAIL:  # keep what the initial inspection found
                reasons.insert(0, previous.reasons)
            _line_verdict(previous, Verdict.FAIL, "\n".join(reasons))
        elif previous.verdict != Verdict.FAIL:  # a failed initial inspection stays failed
            _line_verdict(previous, Verdict.PASS, "")
    for line_id, kind, upload in uploads:
        InspectionFile.objects.create(
            inspection=inspection,
            line_id=line_id,
            kind=kind,
            file=File(upload, upload.name),
            name=str(upload.name)[:200],
        )
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PROFESSIONAL_DONE)
    transaction.on_commit(lambda: summary_send(inspection.pk))
    return inspection


def _check_file(upload: Any, field: str) -> None:
    """The limits of case attachments apply (size, and type by content): the files may become
    a case's evidence."""
    check_upload(upload, field=field)


def _group(rows: list[LineCheck]) -> dict[int, list[LineCheck]]:
    grouped: dict[int, list[LineCheck]] = {}
    for row in rows:
        grouped.setdefault(row.line_id, []).append(row)
    return grouped


def summary_send(inspection_id: int) -> int:
    """E-mail the signed professional summary to the purchaser and the supplier."""
    inspection = Inspection.objects.select_related("delivery__purchaser", "delivery__customer").get(
        pk=inspection_id
    )
    delivery = inspection.delivery
    recipients = [
        e
        for e in (delivery.purchaser.email if delivery.purchaser else "", delivery.supplier_email)
        if e
    ]
    if not recipients:
        return 0
    lines = []
    for line in delivery.lines.select_related("product"):
        verdict = Verdict(line.verdict).label if line.verdict else ""
        lines.append(f"- {line.product.name} × {line.quantity}: {verdict} {line.reasons}".strip())
    subject = _("Professional inspection of delivery %(number)s signed") % {"number": delivery}
    body = "\n".join(
        [
            _("Customer: %(name)s") % {"name": delivery.customer.name},
            _("Signed by %(name)s at %(at)s")
            % {"name": inspection.signer_name, "at": inspection.signed_at.isoformat()},
            "",
            *lines,
        ]
    )
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=getattr(settings, "NOTIFICATIONS_FROM_EMAIL", settings.DEFAULT_FROM_EMAIL),
        to=recipients,
    )
    try:
        return message.send()
    except OSError:  # the mail server is down: the form stays signed; say so in the log
        logger.exception("Could not e-mail the inspection summary of %s", delivery)
        return 0


# --- Disputes ---------------------------------------------------------------------------------


@transaction.atomic
def dispute_open(*, line: DeliveryLine, by: User, report: str) -> Dispute:
    """Write a report to the quality supervisor when inspectors disagree or cannot judge."""
    _require(by, {R.INSPECTOR, R.SUPERVISOR, R.ADMIN})
    report = _text("report", report, required=True)
    if line.delivery.status != DeliveryStatus.PROFESSIONAL_DONE:
        raise Conflict(
            _("A dispute is raised on the signed professional inspection, before acceptance."),
            code="wrong_stage",
        )
    if line.disputes.exclude(status=DisputeStatus.DECIDED).exists():
        raise Conflict(_("This line already has an open dispute."), code="dispute_open")
    return Dispute.objects.create(line=line, report=report, raised_by=by, raised_at=clock.now())


@transaction.atomic
def dispute_refer(*, dispute: Dispute, by: User, appraisal_body: str) -> Dispute:
    """The quality supervisor refers the dispute to an authoritative appraisal body."""
    _require(by, _SUPERVISORS)
    body = _text("appraisal_body", appraisal_body, required=True, max_length=200)
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.status != DisputeStatus.OPEN:
        raise Conflict(_("Only an open dispute can be referred."), code="wrong_state")
    dispute.status = DisputeStatus.REFERRED
    dispute.appraisal_body = body
    dispute.referred_at = clock.now()
    dispute.save(update_fields=["status", "appraisal_body", "referred_at"])
    return dispute


@transaction.atomic
def dispute_decide(
    *, dispute: Dispute, by: User, verdict: str, decision: str, appraisal_report: Any = None
) -> Dispute:
    """Decide the line's verdict: the supervisor's call, or — once referred — the appraisal
    body's report, which must then be attached."""
    _require(by, _SUPERVISORS)
    if verdict not in Verdict.values:
        raise ValidationFailed(_("The verdict is pass or fail."), field="verdict")
    decision = _text("decision", decision, required=True)
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.status == DisputeStatus.DECIDED:
        raise Conflict(_("The dispute is already decided."), code="wrong_state")
    if dispute.status == DisputeStatus.REFERRED and not appraisal_report:
        raise ValidationFailed(
            _("Attach the appraisal body's report: it decides the verdict."),
            field="appraisal_report",
        )
    if appraisal_report:
        _check_file(appraisal_report, "appraisal_report")
        dispute.appraisal_report.save(
            str(appraisal_report.name), File(appraisal_report), save=False
        )
    dispute.status = DisputeStatus.DECIDED
    dispute.verdict = verdict
    dispute.decision = decision
    dispute.decided_by = by
    dispute.decided_at = clock.now()
    dispute.save()
    _line_verdict(dispute.line, verdict, "" if verdict == Verdict.PASS else decision)
    return dispute


# --- Final inspection, assets, cases, final acceptance ----------------------------------------


def may_sign_final(user: User, delivery: Delivery) -> bool:
    if _role_in(user, {R.CUSTOMER_CONTACT}):
        return user.customer_id == delivery.customer_id
    return has_capability(user, Capability.MANAGE_CUSTOMERS)


@transaction.atomic
def final_inspection_sign(
    *,
    delivery: Delivery,
    by: User,
    signer_name: str,
    signature: str,
    signer_role: str = "",
    notes: str = "",
    rejected: list[dict[str, Any]] | None = None,
) -> Inspection:
    """The purchaser's final check before warehousing (入库前的最后检验).

    Every conforming line's units become the customer's assets (serials, delivery date, the
    acceptance date kept with the unit). ``rejected`` (``[{"line", "reason"}]``) lists the lines
    the purchaser refuses at this check: they become non-conforming with the reason. Needs the
    professional stage signed, no open dispute and the serial numbers of every conforming unit.
    """
    if not may_sign_final(by, delivery):
        raise NotAllowed(_("Only the purchaser signs the final inspection."))
    delivery = _lock(delivery)
    if delivery.status != DeliveryStatus.PROFESSIONAL_DONE:
        raise Conflict(
            _("The final inspection follows the signed professional inspection, once."),
            code="wrong_stage",
        )
    lines = list(delivery.lines.select_related("product"))
    if (
        Dispute.objects.filter(line__delivery=delivery)
        .exclude(status=DisputeStatus.DECIDED)
        .exists()
    ):
        raise Conflict(_("A dispute on this delivery is still open."), code="dispute_open")
    refusals: dict[int, str] = {}
    by_id = {line.pk: line for line in lines}
    for item in rejected or []:
        if not isinstance(item, dict) or item.get("line") not in by_id:
            raise ValidationFailed(_("No such line on this delivery."), field="rejected")
        refusals[item["line"]] = _text("rejected", item.get("reason"), required=True)
    for line_id, reason in refusals.items():
        line = by_id[line_id]
        line.verdict = Verdict.FAIL
        line.reasons = "\n".join(r for r in (line.reasons, reason) if r)
    passing = [line for line in lines if line.verdict == Verdict.PASS]
    for line in passing:
        if len(line.serials) != line.quantity:
            raise ValidationFailed(
                _("Record the serial number of every unit of %(product)s first.")
                % {"product": line.product.name},
                field="serials",
            )
    taken = set(
        Asset.objects.filter(
            serial_number__in=[s for line in passing for s in line.serials]
        ).values_list("serial_number", flat=True)
    )
    if taken:
        raise ValidationFailed(
            _("Already registered as assets: %(serials)s") % {"serials": ", ".join(sorted(taken))},
            field="serials",
        )
    role = signer_role or (
        _("Purchaser") if by.role == R.CUSTOMER_CONTACT else str(R(by.role).label)
    )
    inspection, png = _sign_stage(
        delivery=delivery,
        stage=Stage.FINAL,
        by=by,
        signer_name=signer_name,
        signer_role=role,
        signature=signature,
        notes=notes,
    )
    _save_signed(inspection, png)
    today = clock.today()
    for line in lines:
        LineCheck(
            inspection=inspection,
            line=line,
            verdict=line.verdict or Verdict.FAIL,
            reasons=refusals.get(line.pk, ""),
        ).save(force_insert=True)
        if line.pk in refusals:
            _line_verdict(line, Verdict.FAIL, line.reasons)
    for line in passing:
        for serial in line.serials:
            asset = asset_create(
                by=None,
                serial_number=serial,
                product=line.product,
                customer=delivery.customer,
                site=delivery.site,
                contract=delivery.contract,
                purchase_date=delivery.delivery_date,
                delivery_date=delivery.delivery_date,
                notes=_("Accepted on %(date)s (delivery %(number)s).")
                % {"date": today.isoformat(), "number": delivery},
            )
            AcceptedUnit.objects.create(line=line, asset=asset, accepted_on=today)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.ACCEPTED)
    return inspection


@transaction.atomic
def nonconformity_case_open(
    *, line: DeliveryLine, by: User, case_type: str = "return_exchange", summary: str = ""
) -> Any:
    """Open a case for replacement (return_exchange) or repair (fault) of a failed line, with
    the inspection's evidence files attached and the line linked to it."""
    if case_type not in ("return_exchange", "fault"):
        raise ValidationFailed(_("The case type is return_exchange or fault."), field="case_type")
    if line.verdict != Verdict.FAIL:
        raise Conflict(_("Only non-conforming goods open a case."), code="not_failed")
    if line.cases.exists():
        raise Conflict(_("A case is already open for this line."), code="case_exists")
    delivery = line.delivery
    summary = (
        _text("summary", summary, max_length=200)
        or (
            _("Non-conforming delivery %(number)s: %(product)s")
            % {"number": delivery, "product": line.product.name}
        )[:200]
    )
    case = case_create(
        by=by,
        customer=delivery.customer,
        case_type=case_type,
        channel="api",
        severity="C-3",
        summary=summary,
        description=line.reasons,
        contact=delivery.purchaser,
        site=delivery.site,
        contract=delivery.contract,
    )
    NonConformityCase.objects.create(line=line, case=case)
    for evidence in InspectionFile.objects.filter(inspection__delivery=delivery).filter(
        line__in=[line.pk, None]
    ):
        evidence.file.open("rb")
        try:
            upload = File(evidence.file, evidence.name)
            attachment_add(case=case, by=by, upload=upload, public=True)
        finally:
            evidence.file.close()
    return case


@transaction.atomic
def project_final_accept(*, delivery: Delivery, by: User, date: datetime.date) -> int:
    """Record the project's final acceptance (终验): set the date on every asset accepted from
    the deliveries of the same customer and project (or contract). Returns how many changed."""
    if not has_capability(by, Capability.MANAGE_CONTRACTS):
        raise NotAllowed(_("Your role does not allow this."))
    if date < delivery.delivery_date:
        raise ValidationFailed(_("Final acceptance cannot precede the delivery."), field="date")
    deliveries = Delivery.objects.filter(customer=delivery.customer)
    if delivery.project:
        deliveries = deliveries.filter(project=delivery.project)
    elif delivery.contract_id:
        deliveries = deliveries.filter(contract=delivery.contract)
    else:
        deliveries = deliveries.filter(pk=delivery.pk)
    deliveries.update(final_acceptance_date=date)
    assets = Asset.objects.filter(acceptance__line__delivery__in=deliveries)
    return assets.update(final_acceptance_date=date)


@transaction.atomic
def addendum_add(*, inspection: Inspection, by: User, text: str, reason: str) -> Addendum:
    """Append a correction (who, why) to a signed stage; the stage itself stays as signed."""
    if not (by and by.is_authenticated and by.is_service_staff):
        raise NotAllowed(_("Your role does not allow this."))
    return Addendum.objects.create(
        inspection=inspection,
        text=_text("text", text, required=True),
        reason=_text("reason", reason, required=True),
        by=by,
        at=clock.now(),
    )
