"""Field validators shared by several apps."""

from __future__ import annotations

import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@functools.cache
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    """Accept an IANA time-zone name such as ``Asia/Shanghai``."""
    if not value:
        return
    # Looked up in the list of known zones, never as a file name (a name of 300 characters
    # would make ZoneInfo raise OSError "file name too long").
    if value not in known_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})
