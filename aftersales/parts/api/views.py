"""The spare-parts API under /api/v1/ (see docs/API.md, "Spare parts")."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.cases.selectors import case_list_visible_to
from aftersales.core.errors import NotAllowed, ValidationFailed
from aftersales.customers.models import Region
from aftersales.parts import selectors, services
from aftersales.parts.api import serializers as s
from aftersales.parts.choices import RequestStatus
from aftersales.parts.models import (
    Depot,
    ExchangeRepair,
    MinimumLevel,
    Part,
    Replacement,
    ReplenishmentRequest,
)


def _staff_only(request: Request) -> None:
    if getattr(request.user, "role", None) == "customer_contact":
        raise NotAllowed(_("Your role does not allow this."))


def _part(number: str, field: str = "part_number") -> Part:
    part = Part.objects.filter(part_number=number).first()
    if part is None:
        raise ValidationFailed(_("Unknown part number."), field=field)
    return part


def _depot(code: str, field: str = "depot") -> Depot:
    depot = Depot.objects.select_related("calendar").filter(code=code).first()
    if depot is None:
        raise ValidationFailed(_("Unknown depot."), field=field)
    return depot


def _case(request: Request, number: str) -> Any:
    case = case_list_visible_to(user=request.user).filter(number=number).first()
    if case is None:
        raise ValidationFailed(_("Unknown case."), field="case")
    return case


class DepotsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.DepotSerializer(many=True))
    def get(self, request: Request) -> Response:
        _staff_only(request)
        return Response(s.DepotSerializer(selectors.depot_list(), many=True).data)

    @extend_schema(request=s.DepotInputSerializer, responses={201: s.DepotSerializer})
    def post(self, request: Request) -> Response:
        data = s.DepotInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        region = None
        if values.get("region"):
            region = Region.objects.filter(code=values["region"]).first()
            if region is None:
                raise ValidationFailed(_("Unknown region."), field="region")
        values["region"] = region
        depot = services.depot_create(by=request.user, **values)
        return Response(s.DepotSerializer(depot).data, status=status.HTTP_201_CREATED)


class PartsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.SparePartSerializer(many=True))
    def get(self, request: Request) -> Response:
        _staff_only(request)
        return Response(s.SparePartSerializer(selectors.part_list(), many=True).data)

    @extend_schema(request=s.SparePartInputSerializer, responses={201: s.SparePartSerializer})
    def post(self, request: Request) -> Response:
        data = s.SparePartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["substitutes"] = [_part(n, "substitutes") for n in values["substitutes"]]
        part = services.part_create(by=request.user, **values)
        return Response(s.SparePartSerializer(part).data, status=status.HTTP_201_CREATED)


class DepotStockView(APIView):
    """GET: the depot's stock by part and condition; POST: one stock move (default a receipt)."""

    permission_classes = [IsAuthenticated]

    def _depot(self, request: Request, code: str) -> Depot:
        _staff_only(request)
        depot = Depot.objects.filter(code=code).first()
        if depot is None:
            raise Http404
        return depot

    @extend_schema(responses=s.StockRowSerializer(many=True))
    def get(self, request: Request, code: str) -> Response:
        depot = self._depot(request, code)
        rows = [
            {
                "part_number": r["part"].part_number,
                "minimum": r["minimum"],
                **{c: r[c] for c in services.C.values},
            }
            for r in selectors.stock_table(depot=depot)
        ]
        return Response(rows)

    @extend_schema(request=s.StockMoveInputSerializer, responses={201: s.MovementSerializer})
    def post(self, request: Request, code: str) -> Response:
        depot = self._depot(request, code)
        data = s.StockMoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        part = _part(v.pop("part_number"))
        to_depot = _depot(v.pop("to_depot"), "to_depot") if v.get("to_depot") else None
        v.pop("to_depot", None)
        if v["kind"] == "receipt" and not v["from_condition"] and not v["to_condition"]:
            v["to_condition"] = "good"
        move = services.stock_move(by=request.user, depot=depot, part=part, to_depot=to_depot, **v)
        return Response(s.MovementSerializer(move).data, status=status.HTTP_201_CREATED)


class ReplacementsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.ReplacementSerializer(many=True))
    def get(self, request: Request) -> Response:
        qs = selectors.replacements_visible(user=request.user).order_by("-id")[:200]
        return Response(s.ReplacementSerializer(qs, many=True).data)

    @extend_schema(request=s.ReplacementInputSerializer, responses={201: s.ReplacementSerializer})
    def post(self, request: Request) -> Response:
        data = s.ReplacementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if not services.may_request_parts(request.user):
            raise NotAllowed(_("Your role does not allow this."))
        replacement = services.replacement_create(
            by=request.user,
            case=_case(request, v["case"]),
            part=_part(v["part_number"]),
            depot=_depot(v["depot"]),
            fault_confirmed_at=v["fault_confirmed_at"],
        )
        return Response(s.ReplacementSerializer(replacement).data, status=status.HTTP_201_CREATED)


def _replacement(request: Request, number: str) -> Replacement:
    r = selectors.replacements_visible(user=request.user).filter(number=number).first()
    if r is None:
        raise Http404
    return r


class ReplacementView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.ReplacementSerializer)
    def get(self, request: Request, number: str) -> Response:
        return Response(s.ReplacementSerializer(_replacement(request, number)).data)


class ReplacementStepView(APIView):
    permission_classes = [IsAuthenticated]
    step = ""

    @extend_schema(request=None, responses=s.ReplacementSerializer)
    def post(self, request: Request, number: str) -> Response:
        r = _replacement(request, number)
        if self.step == "ship":
            data = s.ShipInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            r = services.replacement_ship(by=request.user, replacement=r, **data.validated_data)
        elif self.step == "deliver":
            data = s.DeliverInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            r = services.replacement_deliver(by=request.user, replacement=r, **data.validated_data)
        elif self.step == "return":
            data = s.ReturnInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            r = services.replacement_receive_return(
                by=request.user, replacement=r, **data.validated_data
            )
        else:
            r = services.replacement_cancel(by=request.user, replacement=r)
        return Response(s.ReplacementSerializer(r).data)


class ExchangesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.ExchangeSerializer(many=True))
    def get(self, request: Request) -> Response:
        qs = selectors.exchanges_visible(user=request.user).order_by("due_at")[:200]
        return Response(s.ExchangeSerializer(qs, many=True).data)

    @extend_schema(request=s.ExchangeInputSerializer, responses={201: s.ExchangeSerializer})
    def post(self, request: Request) -> Response:
        data = s.ExchangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if not services.may_request_parts(request.user):
            raise NotAllowed(_("Your role does not allow this."))
        order = services.exchange_create(
            by=request.user,
            case=_case(request, v["case"]),
            part=_part(v["part_number"]),
            depot=_depot(v["depot"]),
            received_at=v["received_at"],
        )
        return Response(s.ExchangeSerializer(order).data, status=status.HTTP_201_CREATED)


def _exchange(request: Request, number: str) -> ExchangeRepair:
    o = selectors.exchanges_visible(user=request.user).filter(number=number).first()
    if o is None:
        raise Http404
    return o


class ExchangeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.ExchangeSerializer)
    def get(self, request: Request, number: str) -> Response:
        return Response(s.ExchangeSerializer(_exchange(request, number)).data)


class ExchangeStatusView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.ExchangeStatusInputSerializer, responses=s.ExchangeSerializer)
    def post(self, request: Request, number: str) -> Response:
        o = _exchange(request, number)
        data = s.ExchangeStatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        used = [
            (_part(u["part_number"], "parts_used"), u["quantity"])
            for u in data.validated_data["parts_used"]
        ]
        o = services.exchange_advance(
            by=request.user, order=o, status=data.validated_data["status"], parts_used=used
        )
        return Response(s.ExchangeSerializer(o).data)


# --- Minimum levels, low stock and replenishment requests -----------------------------------------


def _may_write(request: Request) -> None:
    """Parts clerks and administrators change minimums and requests (403 otherwise)."""
    _staff_only(request)
    if not services.may_move_stock(request.user):
        raise NotAllowed(_("Your role does not allow this."))


def _filter_depot(request: Request) -> Depot | None:
    code = request.query_params.get("depot", "")
    return _depot(code) if code else None


def _filter_part(request: Request) -> Part | None:
    number = request.query_params.get("part_number", "")
    return _part(number) if number else None


class MinimumLevelsView(GenericAPIView):
    """GET: minimum levels with good stock (``?depot=``, ``?part_number=``); POST: a new one."""

    queryset = MinimumLevel.objects.none()  # for the schema; lists come from the selectors
    permission_classes = [IsAuthenticated]
    serializer_class = s.MinimumLevelSerializer
    cursor_ordering = "id"

    @extend_schema(
        operation_id="minimum_levels_list",
        parameters=[
            OpenApiParameter("depot", str, description="A depot code."),
            OpenApiParameter("part_number", str),
        ],
        responses=s.MinimumLevelSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        _staff_only(request)
        qs = selectors.minimum_levels(depot=_filter_depot(request), part=_filter_part(request))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.MinimumLevelSerializer(page, many=True).data)

    @extend_schema(
        operation_id="minimum_levels_create",
        request=s.MinimumLevelInputSerializer,
        responses={201: s.MinimumLevelSerializer},
    )
    def post(self, request: Request) -> Response:
        _may_write(request)
        data = s.MinimumLevelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        level = services.minimum_create(
            by=request.user,
            depot=_depot(v["depot"]),
            part=_part(v["part_number"]),
            minimum=v["minimum"],
        )
        level = selectors.minimum_levels().get(pk=level.pk)
        return Response(s.MinimumLevelSerializer(level).data, status=status.HTTP_201_CREATED)


class MinimumLevelView(GenericAPIView):
    """GET, PATCH ``{minimum}`` or DELETE the minimum of one part at one depot."""

    queryset = MinimumLevel.objects.none()  # for the schema; lists come from the selectors
    permission_classes = [IsAuthenticated]
    serializer_class = s.MinimumLevelSerializer

    def _level(self, request: Request, depot: str, part_number: str) -> Any:
        _staff_only(request)
        level = (
            selectors.minimum_levels()
            .filter(depot__code=depot, part__part_number=part_number)
            .first()
        )
        if level is None:
            raise Http404
        return level

    @extend_schema(operation_id="minimum_level_retrieve", responses=s.MinimumLevelSerializer)
    def get(self, request: Request, depot: str, part_number: str) -> Response:
        return Response(s.MinimumLevelSerializer(self._level(request, depot, part_number)).data)

    @extend_schema(
        operation_id="minimum_level_update",
        request=s.MinimumLevelUpdateSerializer,
        responses=s.MinimumLevelSerializer,
    )
    def patch(self, request: Request, depot: str, part_number: str) -> Response:
        level = self._level(request, depot, part_number)
        _may_write(request)
        data = s.MinimumLevelUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.minimum_set(
            by=request.user,
            depot=level.depot,
            part=level.part,
            minimum=data.validated_data["minimum"],
        )
        level = selectors.minimum_levels().get(pk=level.pk)
        return Response(s.MinimumLevelSerializer(level).data)

    @extend_schema(operation_id="minimum_level_destroy", responses={204: None})
    def delete(self, request: Request, depot: str, part_number: str) -> Response:
        level = self._level(request, depot, part_number)
        _may_write(request)
        services.minimum_delete(by=request.user, level=level)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LowStockView(GenericAPIView):
    """GET: the minimum levels whose good stock is below the minimum (``?depot=``)."""

    queryset = MinimumLevel.objects.none()  # for the schema; lists come from the selectors
    permission_classes = [IsAuthenticated]
    serializer_class = s.MinimumLevelSerializer
    cursor_ordering = "id"

    @extend_schema(
        operation_id="low_stock_list",
        parameters=[OpenApiParameter("depot", str, description="A depot code.")],
        responses=s.MinimumLevelSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        _staff_only(request)
        page = self.paginate_queryset(selectors.low_stock_levels(depot=_filter_depot(request)))
        return self.get_paginated_response(s.MinimumLevelSerializer(page, many=True).data)


class ReplenishmentRequestsView(GenericAPIView):
    """GET: requests to the manufacturer, newest first (``?status=``, ``?depot=``,
    ``?part_number=``); POST: a new request (status ``open``)."""

    queryset = ReplenishmentRequest.objects.none()  # for the schema; lists come from the selectors
    permission_classes = [IsAuthenticated]
    serializer_class = s.ReplenishmentRequestSerializer

    @extend_schema(
        operation_id="replenishment_requests_list",
        parameters=[
            OpenApiParameter("status", str, enum=RequestStatus.values),
            OpenApiParameter("depot", str, description="A depot code."),
            OpenApiParameter("part_number", str),
        ],
        responses=s.ReplenishmentRequestSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        _staff_only(request)
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in RequestStatus.values:
            raise ValidationFailed(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(RequestStatus.values)},
                field="status",
            )
        qs = selectors.replenishment_requests(
            depot=_filter_depot(request), part=_filter_part(request), status=wanted
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.ReplenishmentRequestSerializer(page, many=True).data)

    @extend_schema(
        operation_id="replenishment_requests_create",
        request=s.ReplenishmentInputSerializer,
        responses={201: s.ReplenishmentRequestSerializer},
    )
    def post(self, request: Request) -> Response:
        _may_write(request)
        data = s.ReplenishmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        req = services.replenishment_request(
            by=request.user,
            depot=_depot(v["depot"]),
            part=_part(v["part_number"]),
            quantity=v["quantity"],
            note=v["note"],
        )
        return Response(s.ReplenishmentRequestSerializer(req).data, status=status.HTTP_201_CREATED)


def _replenishment(request: Request, pk: int) -> ReplenishmentRequest:
    _staff_only(request)
    req = selectors.replenishment_requests().filter(pk=pk).first()
    if req is None:
        raise Http404
    return req


class ReplenishmentRequestView(GenericAPIView):
    queryset = ReplenishmentRequest.objects.none()  # for the schema; lists come from the selectors
    permission_classes = [IsAuthenticated]
    serializer_class = s.ReplenishmentRequestSerializer

    @extend_schema(
        operation_id="replenishment_request_retrieve", responses=s.ReplenishmentRequestSerializer
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.ReplenishmentRequestSerializer(_replenishment(request, pk)).data)


class ReplenishmentStatusView(GenericAPIView):
    """POST ``{status}``: open → ordered | cancelled, ordered → received | cancelled."""

    queryset = ReplenishmentRequest.objects.none()  # for the schema; lists come from the selectors
    permission_classes = [IsAuthenticated]
    serializer_class = s.ReplenishmentRequestSerializer

    @extend_schema(
        operation_id="replenishment_request_status",
        request=s.ReplenishmentStatusInputSerializer,
        responses=s.ReplenishmentRequestSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        req = _replenishment(request, pk)
        _may_write(request)
        data = s.ReplenishmentStatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        req = services.replenishment_set_status(
            by=request.user, request=req, status=data.validated_data["status"]
        )
        req = selectors.replenishment_requests().get(pk=req.pk)
        return Response(s.ReplenishmentRequestSerializer(req).data)
