"""The 采购货物收货情况检验表 of a delivery: a printable PDF (WeasyPrint, CJK font) and Excel."""

from __future__ import annotations

import base64
import io

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales.inspection.models import Delivery, Inspection, Stage, Verdict
from aftersales.inspection.selectors import delivery_form

FORM_TITLE = "采购货物收货情况检验表"  # the form's own name in the quality rules, not translated


def _signature_url(inspection: Inspection) -> str:
    with inspection.signature.open("rb") as fh:
        return "data:image/png;base64," + base64.b64encode(fh.read()).decode()


def _context(delivery: Delivery) -> dict:
    form = delivery_form(delivery)
    by_stage = {}
    for item, inspection in zip(
        form["inspections"], Inspection.objects.filter(delivery=delivery), strict=True
    ):
        item["signature_url"] = _signature_url(inspection)
        item["stage_label"] = Stage(item["stage"]).label
        for check in item["checks"]:
            check["verdict_label"] = Verdict(check["verdict"]).label
        by_stage[item["stage"]] = item
    for line in form["lines"]:
        line["verdict_label"] = str(Verdict(line["verdict"]).label) if line["verdict"] else ""
        line["initial"] = _check(by_stage.get("initial"), line["id"])
        line["professional"] = [
            c
            for c in (by_stage.get("professional") or {}).get("checks", [])
            if c["line"] == line["id"]
        ]
    return {"form": form, "stages": by_stage, "title": FORM_TITLE}


def _check(stage: dict | None, line_id: int) -> dict | None:
    for check in (stage or {}).get("checks", []):
        if check["line"] == line_id:
            return check
    return None


def form_pdf(delivery: Delivery) -> bytes:
    """Render the inspection form of ``delivery`` as PDF bytes (in Chinese)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"], fail_on_errors=True)
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("inspection/pdf.html", _context(delivery))
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


def form_xlsx(delivery: Delivery) -> bytes:
    """The same form as an Excel workbook: one row per line check of every stage."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    context = _context(delivery)
    form = context["form"]
    book = Workbook()
    sheet = book.active
    sheet.title = str(delivery)
    sheet.append([FORM_TITLE])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Customer"), form["customer"]["name"]])
    sheet.append([_("Project"), form["project"]])
    sheet.append([_("Delivery date"), form["delivery_date"]])
    sheet.append([_("Supplier"), form["supplier"]])
    sheet.append([_("Acceptance team"), form["acceptance_team"]])
    sheet.append([])
    header = [
        _("Stage"),
        _("Product"),
        _("Quantity"),
        _("Serial number"),
        _("Quantity counted"),
        _("Documents present"),
        _("Measurements"),
        _("Verdict"),
        _("Reasons"),
        _("Signed by"),
        _("Signed at"),
    ]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    lines = {line["id"]: line for line in form["lines"]}
    for stage in form["inspections"]:
        for check in stage["checks"]:
            line = lines[check["line"]]
            sheet.append(
                [
                    str(Stage(stage["stage"]).label),
                    line["product"]["name"],
                    line["quantity"],
                    check["serial"] or ", ".join(line["serials"]),
                    check["quantity_counted"],
                    "、".join(check["documents_present"]),
                    "; ".join(
                        f"{m['name']} {m['value']}{m['unit']}" for m in check["measurements"]
                    ),
                    str(Verdict(check["verdict"]).label),
                    check["reasons"],
                    stage["signer_name"],
                    stage["signed_at"],
                ]
            )
    for column, width in zip(
        "ABCDEFGHIJK", (14, 24, 8, 20, 10, 30, 30, 10, 40, 12, 26), strict=True
    ):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
