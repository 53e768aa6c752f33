"""Background tasks of the e-mail intake: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from aftersales.mailin.services import mailboxes_fetch_all, quarantine_retry_due


@shared_task
def mailin_fetch_task() -> dict[str, int]:
    """Fetch every active mailbox, then retry the quarantined messages that are due."""
    results = mailboxes_fetch_all()
    retried = quarantine_retry_due()
    return {
        "mailboxes": len(results),
        "failed_mailboxes": sum(1 for r in results if r.error),
        "new": sum(r.new for r in results),
        "quarantined": sum(r.quarantined for r in results),
        "too_large": sum(r.too_large for r in results),
        "released_from_quarantine": retried,
    }
