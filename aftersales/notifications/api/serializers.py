from __future__ import annotations

from rest_framework import serializers

from aftersales.notifications.models import Delivery


class DeliverySerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True, default=None)
    endpoint = serializers.CharField(source="endpoint.name", read_only=True, default=None)
    user = serializers.CharField(source="user.username", read_only=True, default=None)
    event = serializers.IntegerField(source="event_id", read_only=True)
    notification = serializers.IntegerField(source="notification_id", read_only=True)
    # Plain strings: the choice sets live in aftersales.notifications.choices (and their names
    # would collide with the cases' "status" and "channel" in the OpenAPI schema).
    kind = serializers.CharField(read_only=True)
    channel = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "kind",
            "channel",
            "case",
            "event",
            "notification",
            "user",
            "endpoint",
            "address",
            "language",
            "subject",
            "message_id",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
            "sent_at",
            "last_error",
            "response_code",
            "response_excerpt",
        ]
        read_only_fields = fields
