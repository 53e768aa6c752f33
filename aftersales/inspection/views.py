"""Acceptance-inspection pages: staff list and form, the tablet checklist for each stage, the
PDF and Excel of the form, and the portal where the purchaser signs the final stage."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftersales.console.views import staff_required
from aftersales.core.errors import DomainError, ValidationFailed
from aftersales.core.pages import report_domain_error
from aftersales.inspection import rendering, selectors, services
from aftersales.inspection.models import ChecklistItem, Delivery, Stage
from aftersales.portal.views import contact_required


def _delivery(request: HttpRequest, pk: int) -> Delivery:
    delivery = selectors.delivery_visible_to(user=request.user, pk=pk)  # type: ignore[arg-type]
    if delivery is None:
        raise Http404
    return delivery


@staff_required
def delivery_list(request: HttpRequest) -> HttpResponse:
    deliveries = selectors.delivery_list_visible_to(user=request.user)[:200]  # type: ignore[arg-type]
    return render(request, "inspection/list.html", {"deliveries": deliveries, "portal": False})


@staff_required
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = _delivery(request, pk)
    return render(
        request,
        "inspection/detail.html",
        {"delivery": delivery, "form": selectors.delivery_form(delivery), "portal": False},
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _initial_checks(request: HttpRequest, delivery: Delivery) -> list[dict[str, Any]]:
    post = request.POST
    checks = []
    for line in delivery.lines.all():
        counted = _int(post.get(f"counted-{line.pk}"))
        if counted is None:
            raise ValidationFailed(_("Count the units of every line."), field="checks")
        checks.append(
            {
                "line": line.pk,
                "quantity_counted": counted,
                "appearance_ok": post.get(f"appearance-{line.pk}") == "ok",
                "appearance_note": post.get(f"appearance_note-{line.pk}", ""),
                "documents_present": post.getlist(f"documents-{line.pk}"),
            }
        )
    return checks


def _professional_checks(request: HttpRequest, delivery: Delivery) -> list[dict[str, Any]]:
    post = request.POST
    checks = []
    for line in delivery.lines.select_related("product"):
        items = list(ChecklistItem.objects.filter(category=line.product.category))
        # One check per known serial number (per unit), else one for the whole line.
        for index, serial in enumerate(line.serials or [""]):
            key = f"{line.pk}-{index}"
            checks.append(
                {
                    "line": line.pk,
                    "serial": serial,
                    "measurements": [
                        {"item": item.pk, "value": post.get(f"m-{key}-{item.pk}", "")}
                        for item in items
                    ],
                    "verdict": post.get(f"verdict-{key}", ""),
                    "reasons": post.get(f"reasons-{key}", ""),
                }
            )
    return checks


def _lines_for_page(delivery: Delivery) -> list[dict[str, Any]]:
    return [
        {
            "line": line,
            "documents": services.required_documents(line.product.category),
            "items": list(ChecklistItem.objects.filter(category=line.product.category)),
            "units": list(enumerate(line.serials or [""])),
        }
        for line in delivery.lines.select_related("product")
    ]


def _sign(request: HttpRequest, delivery: Delivery, stage: str) -> None:
    post = request.POST
    sign = {
        "signer_name": post.get("signer_name", ""),
        "signature": post.get("signature", ""),
        "notes": post.get("notes", ""),
    }
    if stage == Stage.INITIAL:
        services.initial_inspection_sign(
            delivery=delivery,
            by=request.user,  # type: ignore[arg-type]
            checks=_initial_checks(request, delivery),
            signer_role=post.get("signer_role", ""),
            **sign,
        )
    elif stage == Stage.PROFESSIONAL:
        files = [
            {"kind": "photo", "line": None, "file": upload}
            for upload in request.FILES.getlist("files")
        ]
        services.professional_inspection_sign(
            delivery=delivery,
            by=request.user,  # type: ignore[arg-type]
            checks=_professional_checks(request, delivery),
            files=files,
            **sign,
        )
    else:
        rejected = [
            {"line": line.pk, "reason": post.get(f"reject_reason-{line.pk}", "")}
            for line in delivery.lines.all()
            if post.get(f"reject-{line.pk}") == "on"
        ]
        services.final_inspection_sign(
            delivery=delivery,
            by=request.user,  # type: ignore[arg-type]
            signer_role=post.get("signer_role", ""),
            rejected=rejected,
            **sign,
        )


def _stage_page(request: HttpRequest, delivery: Delivery, stage: str, *, portal: bool) -> Any:
    if request.method == "POST":
        try:
            _sign(request, delivery, stage)
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(request, _("Signed."))
            return None
    return render(
        request,
        "inspection/stage.html",
        {
            "delivery": delivery,
            "stage": stage,
            "stage_label": Stage(stage).label,
            "lines": _lines_for_page(delivery),
            "portal": portal,
            "post": request.POST,
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def stage(request: HttpRequest, pk: int, stage: str) -> HttpResponse:
    """The tablet checklist of one stage, signed on the screen."""
    if stage not in Stage.values:
        raise Http404
    delivery = _delivery(request, pk)
    return _stage_page(request, delivery, stage, portal=False) or redirect(
        "inspection:delivery", pk=delivery.pk
    )


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def form_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    delivery = _delivery(request, pk)
    return _download(rendering.form_pdf(delivery), "application/pdf", f"{delivery}.pdf")


def form_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    delivery = _delivery(request, pk)
    return _download(
        rendering.form_xlsx(delivery),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{delivery}.xlsx",
    )


@contact_required
def portal_list(request: HttpRequest) -> HttpResponse:
    deliveries = selectors.delivery_list_visible_to(user=request.user)[:200]  # type: ignore[arg-type]
    return render(request, "inspection/list.html", {"deliveries": deliveries, "portal": True})


@contact_required
def portal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer's view of a delivery; the final stage is signed here."""
    delivery = _delivery(request, pk)
    if request.method == "POST":
        page = _stage_page(request, delivery, Stage.FINAL, portal=True)
        if page is not None:
            return page
        return redirect("inspection:portal-delivery", pk=delivery.pk)
    return render(
        request,
        "inspection/detail.html",
        {"delivery": delivery, "form": selectors.delivery_form(delivery), "portal": True},
    )
