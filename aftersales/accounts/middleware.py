"""Administrators must pass a second factor before anything else, when settings require it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.accounts import twofactor
from aftersales.core.middleware import session_user


class TwoFactorRequiredMiddleware:
    """With TWO_FACTOR_REQUIRED_FOR_ADMINS, an administrator's session that has not passed a
    second factor reaches only the two-factor pages (to enrol or to enter a code) and sign-out.
    API calls with a token are not sessions and are not affected."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = session_user(request)
        if (
            user is not None
            and user.is_authenticated
            and twofactor.two_factor_required(user)  # type: ignore[arg-type]
            and not user.is_verified()  # type: ignore[union-attr]
            and not self._exempt(request.path)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "detail": _("Administrators must complete two-factor sign-in first."),
                        "code": "two_factor_required",
                    },
                    status=403,
                )
            target = (
                "two-factor-verify" if twofactor.has_two_factor(user) else "two-factor"  # type: ignore[arg-type]
            )
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        allowed = [
            reverse("two-factor"),
            reverse("logout"),
            reverse("language"),
            "/i18n/",
            "/" + settings.STATIC_URL.lstrip("/"),
        ]
        return any(path.startswith(p) for p in allowed)
