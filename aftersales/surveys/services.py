"""Record customers' ratings of resolved cases."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aftersales.cases.choices import CaseEventKind, CaseStatus
from aftersales.cases.services import ensure_can_view, record_event
from aftersales.core import clock
from aftersales.core.errors import Conflict, NotAllowed, ValidationFailed
from aftersales.surveys.models import Rating

MAX_COMMENT = 2000


@transaction.atomic
def case_rate(*, case: Any, by: Any, score: int, comment: str = "") -> Rating:
    """Record the customer's rating (1–5 and a comment) of a resolved or closed case, once.

    Only a contact of the case's organisation rates it. Raises NotAllowed, ValidationFailed,
    Conflict (already rated).
    """
    ensure_can_view(user=by, case=case)
    if not by.is_customer_contact:
        raise NotAllowed(_("Only the customer rates the service."))
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise ValidationFailed(_("A case can be rated once it is resolved."), field="score")
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed(_("Choose a score from 1 to 5."), field="score")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(
            _("Ensure this field has no more than %(limit)d characters.") % {"limit": MAX_COMMENT},
            field="comment",
        )
    now = clock.now()
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                case=case, score=score, comment=comment, rated_by=by, created_at=now
            )
    except IntegrityError:
        raise Conflict(_("This case has already been rated."), code="already_rated") from None
    record_event(
        case,
        CaseEventKind.RATED,
        by=by,
        at=now,
        new_value=str(score),
        note=comment,
        data={"score": score},
    )
    return rating
