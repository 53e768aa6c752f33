from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from aftersales.calendars.models import BusinessCalendar
from aftersales.core.api import BoundedDateTimeField, ImmutableFieldsMixin, render_datetime
from aftersales.sla.choices import EscalationRecipient
from aftersales.sla.models import (
    Escalation,
    EscalationRule,
    SlaClock,
    SlaClockEvent,
    SlaPolicy,
    SlaTarget,
)
from aftersales.sla.selectors import clock_remaining_seconds


class SlaClockSerializer(serializers.ModelSerializer):
    """A clock as API.md shapes it, with time left (working seconds; negative when overdue)."""

    calendar = serializers.SlugRelatedField(slug_field="code", read_only=True)
    policy = serializers.SlugRelatedField(slug_field="code", read_only=True)
    remaining_seconds = serializers.SerializerMethodField()
    paused = serializers.BooleanField(source="is_paused", read_only=True)

    class Meta:
        model = SlaClock
        fields = [
            "target",
            "due_at",
            "state",
            "calendar",
            "met_at",
            "started_at",
            "breached_at",
            "warned_at",
            "paused",
            "remaining_seconds",
            "duration_seconds",
            "elapsed_seconds",
            "escalation_level",
            "policy",
        ]
        read_only_fields = fields

    def get_remaining_seconds(self, obj: SlaClock) -> int | None:
        return clock_remaining_seconds(obj)

    def to_representation(self, instance: SlaClock) -> dict[str, Any]:
        # Hand-written for speed (every case in every list has several clocks); it answers
        # exactly what DRF's generic rendering of the declared fields answers (tested).
        if type(self) is not SlaClockSerializer:
            return super().to_representation(instance)
        return self.represent(instance, timezone.get_current_timezone())

    def represent(self, instance: SlaClock, zone: Any) -> dict[str, Any]:
        """``to_representation`` with the current time zone at hand."""
        return {
            "target": instance.target,
            "due_at": render_datetime(instance.due_at, zone),
            "state": instance.state,
            "calendar": instance.calendar.code,
            "met_at": render_datetime(instance.met_at, zone),
            "started_at": render_datetime(instance.started_at, zone),
            "breached_at": render_datetime(instance.breached_at, zone),
            "warned_at": render_datetime(instance.warned_at, zone),
            "paused": instance.is_paused,
            "remaining_seconds": clock_remaining_seconds(instance),
            "duration_seconds": instance.duration_seconds,
            "elapsed_seconds": instance.elapsed_seconds,
            "escalation_level": instance.escalation_level,
            "policy": instance.policy.code,
        }

    def generic_representation(self, instance: SlaClock) -> dict[str, Any]:
        """Return DRF's own rendering of the declared fields (the reference for tests)."""
        return super().to_representation(instance)


class SlaClockEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SlaClockEvent
        fields = ["kind", "at", "actor", "status", "reason", "due_at", "data"]
        read_only_fields = fields


class SlaClockHistorySerializer(SlaClockSerializer):
    history = SlaClockEventSerializer(source="events", many=True, read_only=True)

    class Meta(SlaClockSerializer.Meta):
        fields = [*SlaClockSerializer.Meta.fields, "cancelled_at", "history"]
        read_only_fields = fields


class EscalationSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    target = serializers.CharField(source="clock.target", read_only=True, default=None)
    manual = serializers.SerializerMethodField()

    class Meta:
        model = Escalation
        fields = ["level", "reason", "actor", "at", "recipients", "target", "manual"]
        read_only_fields = fields

    def get_manual(self, obj: Escalation) -> bool:
        return obj.clock_id is None


class EscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ArrivalSerializer(serializers.Serializer):
    arrived_at = BoundedDateTimeField(required=False)


class SlaTargetSerializer(serializers.ModelSerializer):
    calendar = serializers.SlugRelatedField(
        slug_field="code", queryset=BusinessCalendar.objects.all()
    )
    hours = serializers.SerializerMethodField()

    class Meta:
        model = SlaTarget
        fields = ["target", "severity", "minutes", "hours", "calendar", "warning_percent"]

    def get_hours(self, obj: SlaTarget) -> float:
        return round(obj.minutes / 60, 4)


class SlaPolicySerializer(ImmutableFieldsMixin, serializers.ModelSerializer):
    targets = SlaTargetSerializer(many=True, required=False)
    immutable_fields = ("code",)

    class Meta:
        model = SlaPolicy
        fields = [
            "code",
            "name",
            "description",
            "service_level",
            "warranty",
            "case_type",
            "severity",
            "is_default",
            "is_active",
            "order",
            "targets",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def validate_targets(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        keys = [(t["target"], t.get("severity", "")) for t in value]
        if len(keys) != len(set(keys)):
            raise serializers.ValidationError(_("Each target and severity may appear once."))
        return value


class EscalationRuleSerializer(serializers.ModelSerializer):
    recipients = serializers.ListField(
        child=serializers.ChoiceField(choices=EscalationRecipient.choices), allow_empty=False
    )

    class Meta:
        model = EscalationRule
        fields = ["id", "severity", "target", "level", "after_minutes", "recipients", "is_active"]
        read_only_fields = ["id"]
