"""Deliveries and their acceptance inspection under /api/v1/."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.catalog.models import Contract, Product
from aftersales.core.errors import ValidationFailed
from aftersales.customers.models import Contact, Customer, Site
from aftersales.inspection import selectors, services
from aftersales.inspection.models import DeliveryLine, Dispute, Inspection

SCHEMA = {"request": OpenApiTypes.OBJECT, "responses": OpenApiTypes.OBJECT}
LIST_SCHEMA = {"responses": {200: {"type": "array", "items": {"type": "object"}}}}


def _delivery(request: Request, pk: int) -> Any:
    delivery = selectors.delivery_visible_to(user=request.user, pk=pk)
    if delivery is None:
        raise Http404
    return delivery


def _form(delivery: Any) -> dict[str, Any]:
    delivery.refresh_from_db()
    return selectors.delivery_form(delivery)


def _data(request: Request) -> dict[str, Any]:
    """The JSON body, or a multipart form whose ``data`` field holds the JSON."""
    if not hasattr(request.data, "get"):  # a JSON body that is not an object: null, [], 3
        raise ValidationFailed("Expected an object.", field="data")
    if isinstance(request.data.get("data"), str):
        try:
            value = json.loads(request.data["data"])
        except ValueError:
            raise ValidationFailed("Malformed JSON.", field="data") from None
    else:
        value = request.data
    if not isinstance(value, dict):
        raise ValidationFailed("Expected an object.", field="data")
    return value


def _pk(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed("Expected an id.", field=field)
    return value


def _obj(model: Any, data: dict[str, Any], field: str, **scope: Any) -> Any:
    value = data.get(field)
    if value in (None, ""):
        return None
    found = model.objects.filter(pk=_pk(value, field), **scope).first()
    if found is None:
        raise ValidationFailed("No such object.", field=field)
    return found


def _date(value: Any, field: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed("Expected a date (YYYY-MM-DD).", field=field) from None


def _list(value: Any, field: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValidationFailed("Expected a list of objects.", field=field)
    return value


class DeliveriesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="deliveries_list", **LIST_SCHEMA)
    def get(self, request: Request) -> Response:
        """Deliveries the user may see (a customer's contacts: their own)."""
        qs = selectors.delivery_list_visible_to(user=request.user)[:200]
        return Response([selectors.delivery_form(d) for d in qs])

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        """Register a delivery: customer, delivery_date, lines [{product, quantity, serials}]."""
        data = _data(request)
        services._require(request.user, services._ORGANISERS)
        customer = _obj(Customer, data, "customer")
        if customer is None:
            raise ValidationFailed("This field is required.", field="customer")
        lines = []
        for line in _list(data.get("lines"), "lines"):
            product = _obj(Product, line, "product")
            serials = line.get("serials") or []
            if not isinstance(serials, list):
                raise ValidationFailed("Expected a list of serial numbers.", field="lines")
            lines.append({"product": product, "quantity": line.get("quantity"), "serials": serials})
        delivery = services.delivery_create(
            by=request.user,
            customer=customer,
            delivery_date=_date(data.get("delivery_date"), "delivery_date"),
            lines=lines,
            contract=_obj(Contract, data, "contract"),
            project=data.get("project", ""),
            site=_obj(Site, data, "site"),
            acceptance_team=data.get("acceptance_team", ""),
            purchaser=_obj(Contact, data, "purchaser"),
            supplier=data.get("supplier", ""),
            supplier_email=data.get("supplier_email", ""),
        )
        return Response(selectors.delivery_form(delivery), status=status.HTTP_201_CREATED)


class DeliveryView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(**SCHEMA)
    def get(self, request: Request, pk: int) -> Response:
        return Response(selectors.delivery_form(_delivery(request, pk)))


class StageView(APIView):
    """Sign one stage of a delivery (``stage`` in the URL)."""

    permission_classes = [IsAuthenticated]
    stage = ""

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        delivery = _delivery(request, pk)
        data = _data(request)
        sign = {
            "signer_name": data.get("signer_name", ""),
            "signature": data.get("signature", ""),
            "notes": data.get("notes", ""),
        }
        if self.stage == "initial":
            services.initial_inspection_sign(
                delivery=delivery,
                by=request.user,
                checks=_list(data.get("checks"), "checks"),
                signer_role=data.get("signer_role", ""),
                **sign,
            )
        elif self.stage == "professional":
            files = []
            for key, upload in request.FILES.items():
                # Field names: "<kind>" or "<kind>:<line id>", e.g. "photo:12".
                kind, _sep, line = key.partition(":")
                files.append(
                    {
                        "kind": kind,
                        "line": int(line) if line.isdigit() else None,
                        "file": upload,
                    }
                )
            services.professional_inspection_sign(
                delivery=delivery,
                by=request.user,
                checks=_list(data.get("checks"), "checks"),
                files=files,
                **sign,
            )
        else:
            services.final_inspection_sign(
                delivery=delivery,
                by=request.user,
                signer_role=data.get("signer_role", ""),
                rejected=_list(data.get("rejected") or [], "rejected"),
                **sign,
            )
        return Response(_form(delivery), status=status.HTTP_201_CREATED)


class FinalAcceptanceView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(**SCHEMA)
    def post(self, request: Request, pk: int) -> Response:
        """The project's final acceptance (终验): {"date": "YYYY-MM-DD"}."""
        delivery = _delivery(request, pk)
        data = _data(request)
        changed = services.project_final_accept(
            delivery=delivery, by=request.user, date=_date(data.get("date"), "date")
        )
        return Response({"assets_updated": changed, **_form(delivery)})


def _line(request: Request, pk: int) -> DeliveryLine:
    line = DeliveryLine.objects.filter(
        pk=pk, delivery__in=selectors.delivery_list_visible_to(user=request.user)
    ).first()
    if line is None:
        raise Http404
    return line


class LineDisputesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        """A written report to the quality supervisor: {"report": "..."}."""
        line = _line(request, pk)
        dispute = services.dispute_open(
            line=line, by=request.user, report=_data(request).get("report", "")
        )
        return Response({"id": dispute.pk, "status": dispute.status}, status=201)


class LineCaseView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        """Open the replacement/repair case of a non-conforming line: {"case_type"}."""
        line = _line(request, pk)
        data = _data(request)
        case = services.nonconformity_case_open(
            line=line,
            by=request.user,
            case_type=data.get("case_type", "return_exchange"),
            summary=data.get("summary", ""),
        )
        return Response({"case": case.number}, status=201)


def _dispute(request: Request, pk: int) -> Dispute:
    dispute = Dispute.objects.filter(
        pk=pk, line__delivery__in=selectors.delivery_list_visible_to(user=request.user)
    ).first()
    if dispute is None:
        raise Http404
    return dispute


class DisputeReferView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(**SCHEMA)
    def post(self, request: Request, pk: int) -> Response:
        """The supervisor refers the dispute: {"appraisal_body": "..."}."""
        dispute = services.dispute_refer(
            dispute=_dispute(request, pk),
            by=request.user,
            appraisal_body=_data(request).get("appraisal_body", ""),
        )
        return Response({"id": dispute.pk, "status": dispute.status})


class DisputeDecideView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(**SCHEMA)
    def post(self, request: Request, pk: int) -> Response:
        """Decide: {"verdict": "pass"|"fail", "decision"}; multipart with ``appraisal_report``
        (a file) when referred."""
        data = _data(request)
        dispute = services.dispute_decide(
            dispute=_dispute(request, pk),
            by=request.user,
            verdict=data.get("verdict", ""),
            decision=data.get("decision", ""),
            appraisal_report=request.FILES.get("appraisal_report"),
        )
        return Response({"id": dispute.pk, "status": dispute.status, "verdict": dispute.verdict})


class AddendaView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        """A correction to a signed stage: {"text", "reason"}."""
        inspection = Inspection.objects.filter(
            pk=pk, delivery__in=selectors.delivery_list_visible_to(user=request.user)
        ).first()
        if inspection is None:
            raise Http404
        data = _data(request)
        addendum = services.addendum_add(
            inspection=inspection,
            by=request.user,
            text=data.get("text", ""),
            reason=data.get("reason", ""),
        )
        return Response({"id": addendum.pk}, status=201)
