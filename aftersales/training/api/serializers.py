from __future__ import annotations

from rest_framework import serializers

from aftersales.accounts.models import User
from aftersales.customers.models import Customer
from aftersales.training.choices import TrainingResult
from aftersales.training.models import Course, CustomerTrainingSession, StaffTraining


class StaffTrainingSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all())
    course = serializers.SlugRelatedField(slug_field="code", queryset=Course.objects.all())
    result = serializers.ChoiceField(choices=TrainingResult.choices)

    class Meta:
        model = StaffTraining
        fields = ["id", "user", "course", "held_on", "trainer", "result", "certificate_expires_on"]
        read_only_fields = ["id"]


class AttendeeInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact = serializers.IntegerField(required=False)
    result = serializers.ChoiceField(choices=TrainingResult.choices, required=False)


class SessionSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField(slug_field="code", queryset=Course.objects.all())
    customer = serializers.SlugRelatedField(slug_field="code", queryset=Customer.objects.all())
    attendees = AttendeeInputSerializer(many=True, write_only=True)
    attendee_names = serializers.SerializerMethodField()

    class Meta:
        model = CustomerTrainingSession
        fields = [
            "id",
            "course",
            "customer",
            "held_on",
            "location",
            "notes",
            "attendees",
            "attendee_names",
        ]
        read_only_fields = ["id"]

    def get_attendee_names(self, obj: CustomerTrainingSession) -> list[str]:
        return [a.name for a in obj.attendees.all()]
