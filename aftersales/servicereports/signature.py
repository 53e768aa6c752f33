"""Checking a signature drawn on a phone: a PNG data URL of sane size that is not blank."""

from __future__ import annotations

import base64
import binascii
import io

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from aftersales.core.errors import ValidationFailed
from aftersales.core.uploads import check_bytes

PREFIX = "data:image/png;base64,"
MAX_BYTES = 512 * 1024
MIN_SIDE, MAX_SIDE = 50, 4000
# A drawn signature covers at least this many ink pixels (a tap or a dot is not a signature).
MIN_INK_PIXELS = 30


def _fail(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="signature")


def signature_png(data_url: str) -> bytes:
    """Return the PNG bytes of ``data_url`` or raise ``ValidationFailed`` (field ``signature``)."""
    value = (data_url or "").strip()
    if not value:
        raise _fail(_("The customer's signature is missing."))
    if not value.startswith(PREFIX):
        raise _fail(_("The signature must be a PNG image (a data:image/png;base64 URL)."))
    encoded = value[len(PREFIX) :]
    if len(encoded) > MAX_BYTES * 4 // 3 + 4:
        raise _fail(_("The signature image is too large."))
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise _fail(_("The signature is not valid base64.")) from None
    try:  # the shared content check first: a PNG by its bytes, nothing executable
        check_bytes(raw, name="signature.png", field="signature", accept={".png"})
    except ValidationFailed:
        raise _fail(_("The signature is not a PNG image.")) from None
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != "PNG":
                raise _fail(_("The signature is not a PNG image."))
            width, height = image.size
            if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
                raise _fail(
                    _("The signature image must be between %(min)d and %(max)d pixels a side.")
                    % {"min": MIN_SIDE, "max": MAX_SIDE}
                )
            image.load()
            ink = _ink_pixels(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _fail(_("The signature image is damaged.")) from None
    if ink < MIN_INK_PIXELS:
        raise _fail(_("The signature is blank: ask the customer to sign in the box."))
    return raw


def _ink_pixels(image: Image.Image) -> int:
    """Count pixels that are neither transparent nor near-white."""
    rgba = image.convert("RGBA")
    # Flatten on white: transparent pixels become white.
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    gray = Image.alpha_composite(background, rgba).convert("L")
    histogram = gray.histogram()
    return sum(histogram[:200])
