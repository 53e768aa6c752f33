"""core.api.render_datetime answers exactly what DRF's DateTimeField answers."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from rest_framework import serializers

from aftersales.core.api import render_datetime

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
VALUES = [
    dt.datetime(2026, 11, 26, 3, 4, 5, 123456, tzinfo=dt.UTC),
    dt.datetime(2026, 11, 26, 3, 4, 5, tzinfo=SHANGHAI),
    dt.datetime(2026, 2, 14, 23, 59, 59, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
    dt.datetime(2026, 11, 26, 3, 4, 5),  # naive: DRF makes it aware in the current zone
    dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC),  # out of range in +08:00: DRF's own error
]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "Europe/Berlin"])
@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_render_datetime_answers_as_drf_does(zone, value):
    field = serializers.DateTimeField()
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        expected = _drf(field, value)
        assert _ours(value) == expected
        assert _ours(value, timezone.get_current_timezone()) == expected
    if zone == "UTC" and value.tzinfo is not None and value.year > 1:
        assert expected.endswith("Z")


def _drf(field, value):
    try:
        return field.to_representation(value)
    except serializers.ValidationError as error:
        return ("error", error.detail)


def _ours(value, zone=None):
    try:
        return render_datetime(value, zone)
    except serializers.ValidationError as error:
        return ("error", error.detail)


def test_none_is_none():
    assert render_datetime(None) is None
