"""Files on cases: add them with size and type limits (checked by content), find them for who
may see them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases.choices import CaseEventKind
from aftersales.cases.models import Attachment, Case, Comment
from aftersales.cases.services.common import ensure_can_view, record_event
from aftersales.core import clock, uploads
from aftersales.core.errors import NotAllowed, ValidationFailed


def attachment_limits() -> tuple[int, frozenset[str]]:
    """Return the largest accepted file size in bytes and the accepted file extensions."""
    return uploads.attachment_max_bytes(), uploads.ATTACHMENT_EXTENSIONS


def _check_upload(upload: Any) -> tuple[str, str]:
    """Size and type, the type read from the file's bytes (aftersales.core.uploads)."""
    checked = uploads.check_upload(upload, field="file")
    return checked.name, checked.content_type


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
