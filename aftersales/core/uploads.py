"""One check for every uploaded file: its size, and its real type read from its bytes.

A file's name says what it claims to be; its first bytes say what it is. Both must agree with a
type we accept: a photo must be an image of that format, a ``.pdf`` a PDF, an office document
the right container (OOXML and OpenDocument files are zip archives with their own manifest, the
older ones OLE2 compound files), a ``.log`` or ``.csv`` plain text. An executable, a web page or
a script renamed to something harmless is refused, and so is any text file that is really a web
page. Signatures are sniffed with ``filetype`` (pure Python, no libmagic needed); plain text has
no signature, so it is recognised by decoding it.

Every upload point (case attachments from the API, console and portal, mail-in attachments,
inspection evidence and appraisal reports, service-report and inspection signatures, calendar
imports, files added in the admin) calls :func:`check_upload` or :func:`check_bytes` before
anything is stored.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

from aftersales.core.errors import ValidationFailed

# How much of the file is read to recognise it (text is judged on this sample too).
SNIFF_BYTES = 64 * 1024

# Types that run code where they are opened: never accepted under any name.
EXECUTABLE_MIMES = frozenset(
    {
        "application/x-msdownload",
        "application/x-executable",
        "application/x-shockwave-flash",
        "application/wasm",
        "application/x-google-chrome-extension",
        "application/x-deb",
        "application/x-rpm",
        "application/x-sqlite3",
    }
)

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PCAP = (b"\xa1\xb2\xc3\xd4", b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x4d\x3c\xb2\xa1")
_PCAPNG = b"\x0a\x0d\x0d\x0a"
_ELF_OR_MACHO = (
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)
# A text file that is really a web page or an SVG image (both run script in a browser).
_MARKUP = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    rb"<(?:!doctype\s+(?:html|svg)|html|head|body|script|svg|iframe|object|embed|meta|xsl:)",
    re.IGNORECASE | re.DOTALL,
)
# Control characters that do not occur in text (tab, new line, carriage return, form feed and
# escape do: logs and terminal captures hold them).
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")


@dataclass(frozen=True)
class Checked:
    """What the check found: the clean file name, its extension, the type it is served as."""

    name: str
    extension: str
    content_type: str
    size: int


@dataclass(frozen=True)
class FileKind:
    """One accepted kind of file: its extensions, the type it is served as, how it is recognised."""

    extensions: frozenset[str]
    content_type: str
    matches: Callable[[bytes, Any], bool]


def _sniffed(head: bytes) -> str | None:
    kind = filetype.guess(head)
    return kind.mime if kind else None


def _is_mime(*mimes: str) -> Callable[[bytes, Any], bool]:
    def matches(head: bytes, _file: Any) -> bool:
        return _sniffed(head) in mimes

    return matches


def _starts(*prefixes: bytes) -> Callable[[bytes, Any], bool]:
    def matches(head: bytes, _file: Any) -> bool:
        return head.startswith(prefixes)

    return matches


def _zip_holding(*members: str) -> Callable[[bytes, Any], bool]:
    """A zip archive (readable to its central directory) holding one of ``members``
    (no members: any zip archive)."""

    def matches(head: bytes, file: Any) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return False
        finally:
            file.seek(0)
        return not members or any(m in names for m in members)

    return matches


def is_text(head: bytes) -> bool:
    """Return whether ``head`` (the start of a file) is plain text and not a web page."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = head.decode("utf-16")
        except UnicodeDecodeError:
            # The sample may end inside a character: judge what decodes.
            text = head[: len(head) - len(head) % 2].decode("utf-16", "ignore")
        sample = text.encode("utf-8")
    else:
        sample = head.removeprefix(codecs.BOM_UTF8)
        if not _decodes(sample):
            return False
    if _sniffed(sample) is not None or sample.startswith(_ELF_OR_MACHO + (b"MZ",)):
        return False
    if _CONTROL.search(sample):
        return False
    return not _MARKUP.match(sample)


def _decodes(sample: bytes) -> bool:
    """UTF-8, or GB18030 (Chinese Windows tools write their logs and CSV files in it)."""
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(sample, final=False)  # the sample may end inside a character
        except UnicodeDecodeError:
            continue
        return True
    return False


def _text(head: bytes, _file: Any) -> bool:
    return is_text(head)


def _kind(extensions: str, content_type: str, matches: Callable[[bytes, Any], bool]) -> FileKind:
    return FileKind(frozenset(extensions.split()), content_type, matches)


_OOXML = _zip_holding("[Content_Types].xml")
_ODF = _zip_holding("mimetype", "META-INF/manifest.xml")

KINDS: tuple[FileKind, ...] = (
    _kind(".jpg .jpeg", "image/jpeg", _is_mime("image/jpeg")),
    _kind(".png", "image/png", _is_mime("image/png", "image/apng")),
    _kind(".gif", "image/gif", _is_mime("image/gif")),
    _kind(".webp", "image/webp", _is_mime("image/webp")),
    _kind(".bmp", "image/bmp", _is_mime("image/bmp")),
    _kind(".tif .tiff", "image/tiff", _is_mime("image/tiff")),
    _kind(".heic", "image/heic", _is_mime("image/heic", "image/avif")),
    _kind(".pdf", "application/pdf", _is_mime("application/pdf")),
    _kind(".txt .log .cfg .conf .ini .yaml .yml .xml", "text/plain", _text),
    _kind(".csv", "text/csv", _text),
    _kind(".json", "application/json", _text),
    _kind(".ics .ical", "text/calendar", _text),
    _kind(".doc", "application/msword", _starts(_OLE2)),
    _kind(".xls", "application/vnd.ms-excel", _starts(_OLE2)),
    _kind(".ppt", "application/vnd.ms-powerpoint", _starts(_OLE2)),
    _kind(
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _OOXML,
    ),
    _kind(".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _OOXML),
    _kind(
        ".pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _OOXML,
    ),
    _kind(".odt", "application/vnd.oasis.opendocument.text", _ODF),
    _kind(".ods", "application/vnd.oasis.opendocument.spreadsheet", _ODF),
    _kind(".rtf", "application/rtf", _starts(b"{\\rtf")),
    _kind(".zip", "application/zip", _zip_holding()),
    _kind(".gz .tgz", "application/gzip", _starts(b"\x1f\x8b")),
    _kind(".7z", "application/x-7z-compressed", _starts(b"7z\xbc\xaf\x27\x1c")),
    _kind(".rar", "application/vnd.rar", _starts(b"Rar!\x1a\x07")),
    _kind(".pcap", "application/vnd.tcpdump.pcap", _starts(*_PCAP)),
    _kind(".pcapng", "application/vnd.tcpdump.pcap", _starts(_PCAPNG)),
    _kind(".mp4", "video/mp4", _is_mime("video/mp4", "video/x-m4v", "video/quicktime")),
    _kind(".mov", "video/quicktime", _is_mime("video/quicktime", "video/mp4")),
)
_BY_EXTENSION = {ext: kind for kind in KINDS for ext in kind.extensions}

# What people send with service requests: photos and scans, documents, logs and configurations,
# archives of them (every kind above but the calendar files).
ATTACHMENT_EXTENSIONS = frozenset(_BY_EXTENSION) - {".ics", ".ical"}
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"})
CALENDAR_EXTENSIONS = frozenset({".csv", ".ics", ".ical", ".txt"})


def attachment_max_bytes() -> int:
    """Return the largest accepted attachment in bytes (``CASES_ATTACHMENT_MAX_BYTES``)."""
    return int(settings.CASES_ATTACHMENT_MAX_BYTES)


def _refuse(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, field=field)


def _read_head(file: Any) -> bytes:
    with contextlib.suppress(AttributeError, OSError, ValueError):
        file.seek(0)
    head = file.read(SNIFF_BYTES) or b""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        file.seek(0)
    if isinstance(head, str):  # a text-mode file: judge its UTF-8 bytes
        head = head.encode("utf-8")
    return bytes(head)


def check_upload(
    upload: Any,
    *,
    field: str = "file",
    accept: Iterable[str] | None = None,
    max_bytes: int | None = None,
) -> Checked:
    """Check an uploaded file (a Django ``File``) and return what it is.

    ``accept`` is the set of accepted extensions (default: case attachments), ``max_bytes`` the
    size limit (default ``CASES_ATTACHMENT_MAX_BYTES``). The file is left at position 0.

    Raises ValidationFailed (no name, empty, too large, an extension not accepted, content that
    is not what the extension says or not an accepted type at all).
    """
    name = PurePath(str(getattr(upload, "name", "") or "").replace("\\", "/")).name.strip()
    if not name:
        raise _refuse(_("The file has no name."), field)
    size = getattr(upload, "size", None)
    if size is None:
        raise _refuse(_("The file is empty."), field)
    limit = attachment_max_bytes() if max_bytes is None else max_bytes
    if size > limit:
        raise _refuse(
            _("The file is %(size).1f MB; the limit is %(limit).0f MB.")
            % {"size": size / 1_048_576, "limit": limit / 1_048_576},
            field,
        )
    if size == 0:
        raise _refuse(_("The file is empty."), field)
    accepted = ATTACHMENT_EXTENSIONS if accept is None else frozenset(accept)
    extension = PurePath(name).suffix.lower()
    kind = _BY_EXTENSION.get(extension)
    if kind is None or extension not in accepted:
        raise _refuse(
            _("Files of type “%(ext)s” are not accepted.") % {"ext": extension or name}, field
        )
    head = _read_head(upload)
    if not head:
        raise _refuse(_("The file is empty."), field)
    sniffed = _sniffed(head)
    if sniffed in EXECUTABLE_MIMES or head.startswith(_ELF_OR_MACHO) or _MARKUP.match(head):
        raise _refuse(
            _("“%(name)s” is a program or a web page, not a %(ext)s file; it was not accepted.")
            % {"name": name, "ext": extension},
            field,
        )
    if not kind.matches(head, upload):
        raise _refuse(
            _("The content of “%(name)s” is not a %(ext)s file; it was not accepted.")
            % {"name": name, "ext": extension},
            field,
        )
    return Checked(name=name, extension=extension, content_type=kind.content_type, size=size)


def check_bytes(
    data: bytes,
    *,
    name: str,
    field: str = "file",
    accept: Iterable[str] | None = None,
    max_bytes: int | None = None,
) -> Checked:
    """Check ``data`` as if it were uploaded under ``name``; see :func:`check_upload`."""
    from django.core.files.base import ContentFile

    return check_upload(
        ContentFile(data, name=name), field=field, accept=accept, max_bytes=max_bytes
    )


@deconstructible
class UploadValidator:
    """The same check for Django form and model file fields (the admin's file inputs)."""

    def __init__(self, accept: Iterable[str] | None = None, max_bytes: int | None = None) -> None:
        self.accept = sorted(accept) if accept is not None else None
        self.max_bytes = max_bytes

    def __call__(self, value: Any) -> None:
        if value is None or getattr(value, "_committed", False):
            return  # a file stored earlier: it passed when it was uploaded
        try:
            check_upload(value, accept=self.accept, max_bytes=self.max_bytes)
        except ValidationFailed as exc:
            raise ValidationError(exc.message, code="upload") from None

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, UploadValidator)
            and self.accept == other.accept
            and self.max_bytes == other.max_bytes
        )


class CheckedUploadsAdminMixin:
    """Admin mixin: every file input of the model's form goes through :class:`UploadValidator`.

    ``upload_accept`` maps a field name to its accepted extensions (default: attachments).
    """

    upload_accept: dict[str, Iterable[str]] = {}

    def formfield_for_dbfield(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        from django.db import models

        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and isinstance(db_field, models.FileField):
            field.validators.append(UploadValidator(self.upload_accept.get(db_field.name)))
        return field
