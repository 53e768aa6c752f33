from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aftersales.notifications import selectors, services
from aftersales.notifications.api.serializers import DeliverySerializer


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The delivery log of e-mails, SMS and webhooks (administrators; others see nothing).

    Filters: ``status``, ``channel``, ``kind``, ``case`` (number). ``POST …/{id}/retry/`` queues a
    failed delivery again.
    """

    serializer_class = DeliverySerializer
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = selectors.delivery_list(user=self.request.user)
        params = self.request.query_params
        for field in ("status", "channel", "kind"):
            if params.get(field):
                qs = qs.filter(**{field: params[field]})
        if params.get("case"):
            qs = qs.filter(case__number=params["case"])
        return qs

    @extend_schema(request=None, responses=DeliverySerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        delivery = services.delivery_retry(delivery=self.get_object(), by=request.user)
        return Response(self.get_serializer(delivery).data)
