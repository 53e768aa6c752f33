"""Shapes of the spare-parts API (docs/API.md, "Spare parts")."""

from __future__ import annotations

from rest_framework import serializers

from aftersales.core.api import BoundedDateTimeField
from aftersales.parts.choices import Condition, ExchangeStatus, MoveKind, RequestStatus
from aftersales.parts.models import (
    Depot,
    ExchangeRepair,
    MinimumLevel,
    Part,
    Replacement,
    ReplenishmentRequest,
    StockMovement,
)
from aftersales.parts.services import MAX_MINIMUM


class DepotSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    calendar = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Depot
        fields = ["code", "name", "region", "calendar", "address"]


class DepotInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    region = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    calendar = serializers.CharField(required=False, default="cn-5x8")
    address = serializers.CharField(required=False, allow_blank=True, default="")


class SparePartSerializer(serializers.ModelSerializer):
    substitutes = serializers.SlugRelatedField(slug_field="part_number", many=True, read_only=True)

    class Meta:
        model = Part
        fields = ["part_number", "name", "serial_tracked", "unit_cost", "substitutes"]


class StockRowSerializer(serializers.Serializer):
    part_number = serializers.CharField()
    minimum = serializers.IntegerField(allow_null=True)
    good = serializers.IntegerField()
    reserved = serializers.IntegerField()
    faulty = serializers.IntegerField()
    in_repair = serializers.IntegerField()
    scrapped = serializers.IntegerField()


class SparePartInputSerializer(serializers.Serializer):
    part_number = serializers.CharField(max_length=60)
    name = serializers.CharField(max_length=200)
    serial_tracked = serializers.BooleanField(required=False, default=False)
    unit_cost = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, default=0, min_value=0
    )
    substitutes = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class StockMoveInputSerializer(serializers.Serializer):
    part_number = serializers.CharField()
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    kind = serializers.ChoiceField(choices=MoveKind.choices, default=MoveKind.RECEIPT)
    from_condition = serializers.ChoiceField(
        choices=Condition.choices, required=False, allow_blank=True, default=""
    )
    to_condition = serializers.ChoiceField(
        choices=Condition.choices, required=False, allow_blank=True, default=""
    )
    to_depot = serializers.CharField(required=False, allow_blank=True, default="")
    serial_numbers = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class MovementSerializer(serializers.ModelSerializer):
    depot = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_depot = serializers.SlugRelatedField(slug_field="code", read_only=True)
    part_number = serializers.CharField(source="part.part_number", read_only=True)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "at",
            "kind",
            "depot",
            "part_number",
            "from_condition",
            "to_condition",
            "to_depot",
            "quantity",
            "serial_numbers",
            "reference",
            "note",
        ]


class ReplacementSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    depot = serializers.CharField(source="depot.code", read_only=True)

    class Meta:
        model = Replacement
        fields = [
            "number",
            "case",
            "part_number",
            "depot",
            "status",
            "serial_number",
            "fault_confirmed_at",
            "ship_by",
            "shipped_at",
            "carrier",
            "tracking_number",
            "delivered_at",
            "return_due",
            "returned_at",
        ]


class ReplacementInputSerializer(serializers.Serializer):
    case = serializers.CharField()
    part_number = serializers.CharField()
    depot = serializers.CharField()
    fault_confirmed_at = BoundedDateTimeField()


class ShipInputSerializer(serializers.Serializer):
    shipped_at = BoundedDateTimeField()
    carrier = serializers.CharField(max_length=100)
    tracking_number = serializers.CharField(max_length=100)


class DeliverInputSerializer(serializers.Serializer):
    delivered_at = BoundedDateTimeField()


class ReturnInputSerializer(serializers.Serializer):
    received_at = BoundedDateTimeField()
    serial_number = serializers.CharField(required=False, allow_blank=True, default="")


class ExchangeSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    depot = serializers.CharField(source="depot.code", read_only=True)

    class Meta:
        model = ExchangeRepair
        fields = [
            "number",
            "case",
            "part_number",
            "depot",
            "status",
            "received_at",
            "warn_at",
            "due_at",
            "completed_at",
            "warned",
            "breached",
        ]


class ExchangeInputSerializer(serializers.Serializer):
    case = serializers.CharField()
    part_number = serializers.CharField()
    depot = serializers.CharField()
    received_at = BoundedDateTimeField()


class PartUsedSerializer(serializers.Serializer):
    part_number = serializers.CharField()
    quantity = serializers.IntegerField(min_value=1, max_value=1000, default=1)


class ExchangeStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ExchangeStatus.choices)
    parts_used = PartUsedSerializer(many=True, required=False, default=list)


class MinimumLevelSerializer(serializers.ModelSerializer):
    """A minimum level with the good stock on hand (``below``: good < minimum)."""

    depot = serializers.CharField(source="depot.code", read_only=True)
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    part_name = serializers.CharField(source="part.name", read_only=True)
    good = serializers.IntegerField(read_only=True)
    below = serializers.SerializerMethodField()

    class Meta:
        model = MinimumLevel
        fields = ["depot", "part_number", "part_name", "minimum", "good", "below", "low_since"]

    def get_below(self, obj: MinimumLevel) -> bool:
        return bool(obj.good < obj.minimum)


class MinimumLevelInputSerializer(serializers.Serializer):
    depot = serializers.CharField(max_length=40)
    part_number = serializers.CharField(max_length=60)
    minimum = serializers.IntegerField(min_value=0, max_value=MAX_MINIMUM)


class MinimumLevelUpdateSerializer(serializers.Serializer):
    minimum = serializers.IntegerField(min_value=0, max_value=MAX_MINIMUM)


class ReplenishmentRequestSerializer(serializers.ModelSerializer):
    depot = serializers.CharField(source="depot.code", read_only=True)
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReplenishmentRequest
        fields = [
            "id",
            "depot",
            "part_number",
            "quantity",
            "status",
            "note",
            "created_at",
            "created_by",
            "updated_at",
        ]


class ReplenishmentInputSerializer(serializers.Serializer):
    depot = serializers.CharField(max_length=40)
    part_number = serializers.CharField(max_length=60)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_MINIMUM)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ReplenishmentStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RequestStatus.choices)
