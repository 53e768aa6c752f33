from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.calendars.choices import CalendarDayKind
from aftersales.calendars.models import BusinessCalendar
from aftersales.core.api import BoundedDateTimeField, ImmutableFieldsMixin

_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def minutes_to_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@extend_schema_field(
    {"type": "string", "pattern": "^([01][0-9]|2[0-4]):[0-5][0-9]$", "example": "09:00"}
)
class TimeOfDayField(serializers.Field):
    """A local time ``"HH:MM"``, with ``"24:00"`` for midnight at the end of the day."""

    default_error_messages = {"invalid": _("Use HH:MM, from 00:00 to 24:00.")}

    def to_representation(self, value: int) -> str:
        return minutes_to_hhmm(value)

    def to_internal_value(self, data: Any) -> int:
        match = _HHMM.match(str(data)) if isinstance(data, str) else None
        if not match:
            self.fail("invalid")
        hours, minutes = int(match.group(1)), int(match.group(2))
        if hours == 24 and minutes:
            self.fail("invalid")
        return hours * 60 + minutes


class WeeklyHoursSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    start = TimeOfDayField()
    end = TimeOfDayField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end must be after the start.")]})
        return attrs


class DaySerializer(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")


class CalendarSerializer(ImmutableFieldsMixin, serializers.ModelSerializer):
    weekly = WeeklyHoursSerializer(many=True, required=False)
    holidays = DaySerializer(many=True, required=False)
    workdays = DaySerializer(many=True, required=False)
    data_years = serializers.ListField(
        child=serializers.IntegerField(min_value=1900, max_value=2200), required=False
    )
    immutable_fields = ("code",)

    class Meta:
        model = BusinessCalendar
        fields = [
            "code",
            "name",
            "timezone",
            "observes_holidays",
            "description",
            "weekly",
            "holidays",
            "workdays",
            "data_years",
            "version",
            "updated_at",
        ]
        read_only_fields = ["version", "updated_at"]

    def to_representation(self, instance: BusinessCalendar) -> dict[str, Any]:
        days = list(instance.days.all())
        return {
            "code": instance.code,
            "name": instance.name,
            "timezone": instance.timezone,
            "observes_holidays": instance.observes_holidays,
            "description": instance.description,
            "weekly": [
                {
                    "weekday": w.weekday,
                    "start": minutes_to_hhmm(w.start_minute),
                    "end": minutes_to_hhmm(w.end_minute),
                }
                for w in instance.weekly.all()
            ],
            "holidays": [
                {"date": d.date.isoformat(), "name": d.name}
                for d in days
                if d.kind == CalendarDayKind.HOLIDAY
            ],
            "workdays": [
                {"date": d.date.isoformat(), "name": d.name}
                for d in days
                if d.kind == CalendarDayKind.WORKDAY
            ],
            "data_years": sorted(y.year for y in instance.data_years.all()),
            "version": instance.version,
            "updated_at": BoundedDateTimeField().to_representation(instance.updated_at),
        }

    def to_service_data(self) -> dict[str, Any]:
        """Return the validated data shaped as the calendar services take it."""
        data = dict(self.validated_data)
        if "weekly" in data:
            data["weekly"] = sorted((w["weekday"], w["start"], w["end"]) for w in data["weekly"])
        for key in ("holidays", "workdays"):
            if key in data:
                data[key] = [(d["date"], d["name"]) for d in data[key]]
        return data


class BusinessDateTimeField(serializers.DateTimeField):
    """A timestamp within the years business calendars are asked about (1900-2200)."""

    def to_internal_value(self, value: Any) -> Any:
        result = super().to_internal_value(value)
        if not 1900 <= result.year <= 2200:
            raise serializers.ValidationError(_("Use a date between the years 1900 and 2200."))
        return result


class DueQuerySerializer(serializers.Serializer):
    start = BusinessDateTimeField()
    hours = serializers.FloatField(min_value=0, max_value=24 * 366 * 10)


class ElapsedQuerySerializer(serializers.Serializer):
    start = BusinessDateTimeField()
    end = BusinessDateTimeField()


class DueAnswerSerializer(serializers.Serializer):
    due_at = BoundedDateTimeField()
    calendar = serializers.CharField()
    warnings = serializers.ListField(child=serializers.CharField())


class ElapsedAnswerSerializer(serializers.Serializer):
    seconds = serializers.IntegerField()
    hours = serializers.FloatField()
    calendar = serializers.CharField()
    warnings = serializers.ListField(child=serializers.CharField())


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()
