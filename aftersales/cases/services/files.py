"""Files on cases: add them with size and type limits, find them for who may see them."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases.choices import CaseEventKind
from aftersales.cases.models import Attachment, Case, Comment
from aftersales.cases.services.common import ensure_can_view, record_event
from aftersales.core import clock
from aftersales.core.errors import NotAllowed, ValidationFailed

# What people send with service requests: photos and scans, documents, logs and configurations,
# archives of them. Executables and web pages are refused.
ALLOWED_EXTENSIONS = frozenset(
    {
        ".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".heic",
        ".pdf", ".txt", ".log", ".csv", ".json", ".xml", ".cfg", ".conf", ".ini", ".yaml", ".yml",
        ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".rtf",
        ".zip", ".gz", ".tgz", ".7z", ".rar", ".pcap", ".pcapng", ".mp4", ".mov",
    }
)  # fmt: skip


def attachment_limits() -> tuple[int, frozenset[str]]:
    """Return the largest accepted file size in bytes and the accepted file extensions."""
    return settings.CASES_ATTACHMENT_MAX_BYTES, ALLOWED_EXTENSIONS


def _check_upload(upload: Any) -> tuple[str, str]:
    name = PurePath(str(upload.name or "")).name.strip()
    if not name:
        raise ValidationFailed(_("The file has no name."), field="file")
    max_bytes, allowed = attachment_limits()
    if upload.size > max_bytes:
        raise ValidationFailed(
            _("The file is %(size).1f MB; the limit is %(limit).0f MB.")
            % {"size": upload.size / 1_048_576, "limit": max_bytes / 1_048_576},
            field="file",
        )
    if upload.size == 0:
        raise ValidationFailed(_("The file is empty."), field="file")
    extension = PurePath(name).suffix.lower()
    if extension not in allowed:
        raise ValidationFailed(
            _("Files of type “%(ext)s” are not accepted.") % {"ext": extension or name},
            field="file",
        )
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return name, content_type


@transaction.atomic
def attachment_add(
    *,
    case: Case,
    by: User,
    upload: Any,
    public: bool = True,
    comment: Comment | None = None,
) -> Attachment:
    """Attach an uploaded file to ``case``; customers' files are always public.

    Raises NotAllowed, ValidationFailed (too large, empty, a refused type).
    """
    ensure_can_view(user=by, case=case)
    if not has_capability(by, Capability.COMMENT_CASES):
        raise NotAllowed(_("You may not add files to cases."))
    if not public and not has_capability(by, Capability.INTERNAL_COMMENTS):
        raise ValidationFailed(_("You may only add files the customer can see."), field="public")
    name, content_type = _check_upload(upload)
    now = clock.now()
    attachment = Attachment(
        case=case,
        comment=comment,
        name=name,
        content_type=content_type,
        size=upload.size,
        is_public=public,
        uploaded_by=by,
        uploaded_at=now,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save(force_insert=True)
    record_event(
        case,
        CaseEventKind.ATTACHED,
        by=by,
        at=now,
        is_public=public,
        new_value=name,
        data={"attachment": attachment.pk, "size": attachment.size},
    )
    return attachment
