"""Reading deliveries: who sees which, and the whole inspection form as plain data."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from aftersales.accounts.models import User
from aftersales.inspection.models import Delivery, Dispute, Inspection


def delivery_list_visible_to(*, user: User) -> QuerySet[Delivery]:
    """Staff see every delivery; a customer's contact only their organisation's."""
    qs = Delivery.objects.select_related("customer", "site", "contract", "purchaser")
    if user.is_authenticated and user.is_customer_contact:
        return qs.filter(customer_id=user.customer_id)
    if user.is_authenticated and user.is_service_staff:
        return qs
    return qs.none()


def delivery_visible_to(*, user: User, pk: int) -> Delivery | None:
    return delivery_list_visible_to(user=user).filter(pk=pk).first()


def delivery_form(delivery: Delivery) -> dict[str, Any]:
    """The 采购货物收货情况检验表 of ``delivery`` as plain data (API, pages, PDF, Excel)."""
    lines = list(delivery.lines.select_related("product"))
    inspections = list(
        Inspection.objects.filter(delivery=delivery)
        .select_related("signed_by")
        .prefetch_related("checks", "files", "addenda__by")
    )
    disputes = Dispute.objects.filter(line__delivery=delivery)
    return {
        "id": delivery.pk,
        "number": str(delivery),
        "customer": {"id": delivery.customer_id, "name": delivery.customer.name},
        "contract": delivery.contract.number if delivery.contract else None,
        "project": delivery.project,
        "site": delivery.site.name if delivery.site else None,
        "delivery_date": delivery.delivery_date.isoformat(),
        "acceptance_team": delivery.acceptance_team,
        "purchaser": delivery.purchaser.name if delivery.purchaser else None,
        "supplier": delivery.supplier,
        "status": delivery.status,
        "final_acceptance_date": (
            delivery.final_acceptance_date.isoformat() if delivery.final_acceptance_date else None
        ),
        "lines": [
            {
                "id": line.pk,
                "product": {
                    "id": line.product_id,
                    "code": line.product.code,
                    "name": line.product.name,
                    "category": line.product.category,
                },
                "quantity": line.quantity,
                "serials": line.serials,
                "verdict": line.verdict,
                "reasons": line.reasons,
                "cases": [link.case.number for link in line.cases.select_related("case")],
                "assets": [u.asset.serial_number for u in line.units.select_related("asset")],
            }
            for line in lines
        ],
        "inspections": [
            {
                "id": i.pk,
                "stage": i.stage,
                "signer_name": i.signer_name,
                "signer_role": i.signer_role,
                "signed_by": i.signed_by.username,
                "signed_at": i.signed_at.isoformat(),
                "notes": i.notes,
                "checks": [
                    {
                        "line": c.line_id,
                        "serial": c.serial,
                        "quantity_counted": c.quantity_counted,
                        "appearance_ok": c.appearance_ok,
                        "appearance_note": c.appearance_note,
                        "documents_present": c.documents_present,
                        "measurements": c.measurements,
                        "verdict": c.verdict,
                        "reasons": c.reasons,
                    }
                    for c in i.checks.all()
                ],
                "files": [
                    {"id": f.pk, "line": f.line_id, "kind": f.kind, "name": f.name}
                    for f in i.files.all()
                ],
                "addenda": [
                    {
                        "by": a.by.username,
                        "at": a.at.isoformat(),
                        "text": a.text,
                        "reason": a.reason,
                    }
                    for a in i.addenda.all()
                ],
            }
            for i in inspections
        ],
        "disputes": [
            {
                "id": d.pk,
                "line": d.line_id,
                "report": d.report,
                "status": d.status,
                "appraisal_body": d.appraisal_body,
                "has_appraisal_report": bool(d.appraisal_report),
                "verdict": d.verdict,
                "decision": d.decision,
            }
            for d in disputes
        ],
    }
