from __future__ import annotations

from rest_framework import serializers

from aftersales.accounts.models import User
from aftersales.core.api import BoundedDateTimeField
from aftersales.dispatch.choices import VisitKind
from aftersales.dispatch.models import Visit, VisitPart


class CandidateSerializer(serializers.Serializer):
    engineer = serializers.CharField()
    name = serializers.CharField()
    score = serializers.IntegerField()
    eta = BoundedDateTimeField(allow_null=True)
    distance = serializers.CharField()
    open_cases = serializers.IntegerField()
    capacity = serializers.IntegerField()
    on_call = serializers.BooleanField()
    skilled = serializers.BooleanField()
    available = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class DispatchInputSerializer(serializers.Serializer):
    engineer = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all())
    planned_at = BoundedDateTimeField(required=False)
    kind = serializers.ChoiceField(choices=VisitKind.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class VisitPartSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitPart
        fields = ["part", "serial_out", "serial_in"]


class VisitSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    engineer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    parts = VisitPartSerializer(many=True, read_only=True)
    minutes_on_site = serializers.IntegerField(read_only=True, allow_null=True)
    minutes_travelling = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "case",
            "kind",
            "engineer",
            "status",
            "planned_at",
            "travel_started_at",
            "arrived_at",
            "departed_at",
            "minutes_travelling",
            "minutes_on_site",
            "work_performed",
            "parts",
            "created_at",
        ]
        read_only_fields = fields


class StepInputSerializer(serializers.Serializer):
    at = BoundedDateTimeField(required=False)


class DepartInputSerializer(StepInputSerializer):
    work_performed = serializers.CharField(max_length=20000)
    parts = VisitPartSerializer(many=True, required=False)


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class OnCallShiftSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(source="user.username")
    name = serializers.SerializerMethodField()
    phone = serializers.CharField(source="user.phone")
    region = serializers.CharField(source="region.code", allow_null=True, default=None)
    team = serializers.CharField(source="team.code", allow_null=True, default=None)
    starts_at = BoundedDateTimeField()
    ends_at = BoundedDateTimeField()

    def get_name(self, obj) -> str:  # type: ignore[no-untyped-def]
        return obj.user.get_full_name() or obj.user.username


class OnCallQuerySerializer(serializers.Serializer):
    at = BoundedDateTimeField(required=False)
    region = serializers.CharField(required=False)


class SwapInputSerializer(serializers.Serializer):
    to_user = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all())
    reason = serializers.CharField(max_length=300)


class ChecklistItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    text = serializers.CharField()
    done_at = BoundedDateTimeField(allow_null=True)
    done_by = serializers.CharField(source="done_by.username", allow_null=True, default=None)
    note = serializers.CharField()


class TickInputSerializer(serializers.Serializer):
    done = serializers.BooleanField(default=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class LoanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = serializers.CharField(source="unit.serial_number")
    product = serializers.CharField(source="unit.product.code")
    issued_at = BoundedDateTimeField()
    due_back = serializers.DateField()
    returned_at = BoundedDateTimeField(allow_null=True)
    condition = serializers.CharField()


class LoanInputSerializer(serializers.Serializer):
    unit = serializers.CharField(max_length=80)
    due_back = serializers.DateField()


class LoanReturnInputSerializer(serializers.Serializer):
    condition = serializers.CharField(required=False, allow_blank=True, max_length=300)


class FeedbackInputSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    score = serializers.IntegerField(required=False, min_value=1, max_value=5)


class AcceptanceInputSerializer(serializers.Serializer):
    on = serializers.DateField(required=False)


class AcceptanceResultSerializer(serializers.Serializer):
    asset = serializers.CharField()
    final_acceptance_date = serializers.DateField()
