"""API authentication that also switches to the user's chosen language.

Kept apart from ``core.api`` because DRF imports these classes while it loads its own views.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from rest_framework.authentication import SessionAuthentication, TokenAuthentication


def activate_user_language(user: Any) -> None:
    """Switch to the user's own language when they chose one (else Accept-Language holds)."""
    language = getattr(user, "language", "")
    if language:
        translation.activate(language)


class LocalizedTokenAuthentication(TokenAuthentication):
    """Token authentication that then speaks the user's language."""

    def authenticate(self, request):  # type: ignore[no-untyped-def]
        result = super().authenticate(request)
        if result is not None:
            activate_user_language(result[0])
        return result


class LocalizedSessionAuthentication(SessionAuthentication):
    """Session authentication that then speaks the user's language."""

    def authenticate(self, request):  # type: ignore[no-untyped-def]
        result = super().authenticate(request)
        if result is not None:
            activate_user_language(result[0])
        return result
