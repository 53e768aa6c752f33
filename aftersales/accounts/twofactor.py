"""Two-factor sign-in for staff: an authenticator app (TOTP, django-otp) plus recovery codes.

A member of staff enrols by scanning a QR code (or typing the secret) into an authenticator app
and confirming with a first code; they then get ``TWO_FACTOR_RECOVERY_CODES`` one-time recovery
codes. From then on a correct password is followed by a code before the session starts. With
``TWO_FACTOR_REQUIRED_FOR_ADMINS`` administrators must enrol (``TwoFactorRequiredMiddleware``).
Customer contacts do not use it.
"""

from __future__ import annotations

import math
from datetime import datetime

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftersales.accounts.choices import STAFF_ROLES, UserRole
from aftersales.accounts.models import User
from aftersales.core.errors import NotAllowed, ValidationFailed

APP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery"


def may_use_two_factor(user: User) -> bool:
    """Staff may turn on two-factor sign-in; customer contacts may not."""
    return user.is_active and user.role in STAFF_ROLES


def two_factor_required(user: User) -> bool:
    """Whether this user must have a verified second factor (administrators, when configured)."""
    return bool(
        settings.TWO_FACTOR_REQUIRED_FOR_ADMINS
        and user.is_authenticated
        and (user.role == UserRole.ADMIN or user.is_superuser)
    )


def app_device(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    """The user's authenticator-app device (the confirmed one, or the one being enrolled)."""
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-pk").first()


def has_two_factor(user: User) -> bool:
    """Whether signing in as this user asks for a code after the password."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def enrolment_start(*, user: User) -> TOTPDevice:
    """Create a new (unconfirmed) authenticator secret for the user, replacing an unfinished one."""
    if not may_use_two_factor(user):
        raise NotAllowed(_("Two-factor sign-in is for service staff."))
    if has_two_factor(user):
        raise ValidationFailed(_("Two-factor sign-in is already on."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def enrolment_confirm(*, user: User, token: str) -> list[str]:
    """Confirm the enrolment with a first code from the app; return fresh recovery codes."""
    device = app_device(user, confirmed=False)
    if device is None:
        raise ValidationFailed(_("Start the set-up again: no authenticator is being set up."))
    _check_allowed(device)
    if not device.verify_token(_clean(token)):
        raise ValidationFailed(
            _("That code is not right. Check the time on your phone and enter the current code."),
            field="otp_token",
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return recovery_codes_regenerate(user=user)


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Replace the user's recovery codes with new ones and return them (shown once)."""
    if not has_two_factor(user):
        raise ValidationFailed(_("Turn on two-factor sign-in first."))
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _n in range(settings.TWO_FACTOR_RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def verify(*, user: User, token: str) -> Device:
    """Check a code from the app or a recovery code; return the device that accepted it.

    Wrong codes slow down further tries (django-otp doubles the wait after each failure).
    """
    token = _clean(token)
    app = app_device(user)
    if app is None:
        raise ValidationFailed(_("Two-factor sign-in is not on for this account."))
    _check_allowed(app)
    if token.isdigit() and len(token) == app.digits:
        if app.verify_token(token):
            return app
    else:
        for device in StaticDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(token):
                return device
        # A wrong recovery code counts against the app device too, so guessing is throttled.
        app.throttle_increment()
    raise ValidationFailed(_("That code is not right."), field="otp_token")


def disable(*, user: User, by: User | None = None) -> None:
    """Turn two-factor sign-in off: remove the app and the recovery codes.

    The user themself may do so unless it is required for them; an administrator may reset it
    for anyone who lost their phone (they then enrol again).
    """
    if (by is None or by.pk == user.pk) and two_factor_required(user):
        raise ValidationFailed(_("Two-factor sign-in is required for administrators."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URI as an SVG QR code (markup to embed in the page)."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2
    )
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :]


def secret_base32(device: TOTPDevice) -> str:
    """The secret for typing into an app by hand, in groups of four letters."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _clean(token: str) -> str:
    return "".join((token or "").split()).replace("-", "").lower()


def _check_allowed(device: TOTPDevice) -> None:
    allowed, info = device.verify_is_allowed()
    if not allowed:
        until: datetime | None = (info or {}).get("locked_until")
        seconds = max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 60
        raise ValidationFailed(
            ngettext(
                "Too many wrong codes. Wait %(seconds)d second and try again.",
                "Too many wrong codes. Wait %(seconds)d seconds and try again.",
                seconds,
            )
            % {"seconds": seconds},
            field="otp_token",
        )
