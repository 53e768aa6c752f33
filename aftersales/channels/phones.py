"""Phone numbers: one canonical form for matching callers and SMS senders to contacts.

Pure functions, no database. Contacts type numbers any way they like ("138-0013-8000",
"+86 138 0013 8000", "021-6234 5678 转 801", "（021）62345678"); call-center systems send them in
their own way ("8613800138000", "013800138000", "62345678" for a local call). All of these must
meet in one form, which is what ``normalize`` returns and what the directory of known numbers
(``KnownNumber``) stores:

- a mainland mobile: ``+86`` and its 11 digits (``+8613800138000``);
- a mainland landline: ``+86``, the area code without its trunk ``0``, the subscriber number
  (``+862162345678``); an extension (转, 分机, ext, x, #, or a third dash group after a complete
  landline) is dropped, since the call arrives on the main number;
- 400/800 service numbers: ``+86`` and the 10 digits;
- other countries: ``+`` and the digits as dialled internationally;
- a 7 or 8 digit number without an area code is a local landline: with a configured local area
  code (``CHANNELS_LOCAL_AREA_CODE``, e.g. ``21`` for Shanghai) it becomes a full landline,
  otherwise it stays as its bare digits (and still matches the same bare digits).

Anything else (fewer than 5 digits, letters only) is not a number: ``""``.

The full rules of every country would need libphonenumber (the ``phonenumbers`` package); the
mainland rules above are what the product's users dial, and they are small enough to keep here.
"""

from __future__ import annotations

import re
import unicodedata

# An extension marker and everything after it.
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|extension|x|#|,|;|p|w).*$", re.IGNORECASE)
_DIGIT_GROUPS = re.compile(r"\d+")
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Two-digit area codes: Beijing 10 and 20-29 (Guangzhou, Shanghai, Tianjin, Chongqing, ...).
_TWO_DIGIT_AREA = re.compile(r"(?:10|2\d)")


def normalize(raw: str | None, *, local_area_code: str = "") -> str:
    """Return the canonical form of the phone number ``raw`` (see the module docstring), or ""
    when it is not a phone number.

    ``local_area_code`` (digits, without the trunk 0) completes a 7 or 8 digit local landline.
    """
    text = unicodedata.normalize("NFKC", raw or "").strip()  # full-width ＋８６ → +86
    text = _EXTENSION.sub("", text).replace("(0)", "")
    groups = _DIGIT_GROUPS.findall(text)
    if not groups:
        return ""
    # "021-62345678-801": a complete landline followed by an extension group.
    if (
        len(groups) >= 3
        and groups[0].startswith("0")
        and not groups[0].startswith("00")
        and 3 <= len(groups[0]) <= 4
        and 7 <= len(groups[1]) <= 8
        and len(groups[2]) <= 6
    ):
        groups = groups[:2]
    digits = "".join(groups)
    international = text.lstrip("（(").startswith("+")
    if not international and digits.startswith("00"):
        international, digits = True, digits[2:]
    had_trunk_zero = False
    if international:
        if not digits.startswith("86"):
            return f"+{digits}" if 6 <= len(digits) <= 15 else ""
        national = digits[2:]
    else:
        national = digits
        if len(national) == 13 and national.startswith("861"):
            national = national[2:]  # 86 + a mobile, without the plus
    if national.startswith("0"):
        national, had_trunk_zero = national[1:], True
    if _MOBILE.fullmatch(national):
        return f"+86{national}"
    if len(national) == 10 and national.startswith(("400", "800")):
        return f"+86{national}"
    if (international or had_trunk_zero) and 9 <= len(national) <= 11:
        return f"+86{national}"
    if not international and not had_trunk_zero and len(national) in (7, 8):
        area = (local_area_code or "").strip().lstrip("0")
        if area.isdigit() and 2 <= len(area) <= 3:
            return f"+86{area}{national}"
        return national
    if not international and 5 <= len(national) <= 12:
        return national  # a short service number or something local: matched as written
    return ""


def display(canonical: str) -> str:
    """Return a canonical number the way people in mainland China write it.

    ``+8613800138000`` → ``138 0013 8000``; ``+862162345678`` → ``021-6234 5678``; anything else
    unchanged.
    """
    if not canonical.startswith("+86"):
        return canonical
    national = canonical[3:]
    if _MOBILE.fullmatch(national):
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    if len(national) == 10 and national.startswith(("400", "800")):
        return f"{national[:3]}-{national[3:6]}-{national[6:]}"
    area_len = 2 if _TWO_DIGIT_AREA.match(national) else 3
    area, subscriber = national[:area_len], national[area_len:]
    if len(subscriber) == 8:
        subscriber = f"{subscriber[:4]} {subscriber[4:]}"
    return f"0{area}-{subscriber}"
