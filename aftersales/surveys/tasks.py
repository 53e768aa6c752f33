"""Background tasks of satisfaction surveys."""

from __future__ import annotations

from celery import shared_task

from aftersales.surveys.services import surveys_invite_resolved, surveys_remind_and_expire


@shared_task
def surveys_task() -> dict[str, int]:
    """Invite resolved cases' customers, remind once, expire the unanswered (every 5 minutes)."""
    invited = surveys_invite_resolved()
    reminded, expired = surveys_remind_and_expire()
    return {"invited": invited, "reminded": reminded, "expired": expired}
