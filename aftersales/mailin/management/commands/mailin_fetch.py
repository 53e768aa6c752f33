"""Fetch new mail now: every active mailbox, or the one named."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from aftersales.mailin.models import Mailbox
from aftersales.mailin.services import mailbox_fetch, quarantine_retry_due


class Command(BaseCommand):
    help = "Fetch new mail from the active mailboxes (or one) and retry due quarantined mail."
    # Run from cron or a supervisor every minute: no URL or template checks on each start.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--mailbox", help="name of one mailbox (default: every active one)")
        parser.add_argument("--limit", type=int, default=None, help="messages per mailbox")
        parser.add_argument(
            "--no-retry", action="store_true", help="do not retry quarantined messages"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] >= 2
        mailboxes = Mailbox.objects.filter(is_active=True).order_by("pk")
        if options["mailbox"]:
            mailboxes = Mailbox.objects.filter(name=options["mailbox"])
            if not mailboxes.exists():
                raise CommandError(f"no mailbox named {options['mailbox']!r}")

        def progress(stage: str, uid: int) -> None:
            if verbose:
                self.stdout.write(f"{stage} {uid}")
                self.stdout.flush()

        failed = False
        for mailbox in mailboxes:
            result = mailbox_fetch(mailbox=mailbox, limit=options["limit"], progress=progress)
            if result.error:
                failed = True
                self.stderr.write(f"{mailbox.name}: {result.error}")
            else:
                self.stdout.write(
                    f"{mailbox.name}: {result.fetched} fetched, {result.new} new, "
                    f"{result.duplicates} already recorded, {result.quarantined} quarantined "
                    f"({result.too_large} too large, not downloaded)"
                )
        if not options["no_retry"]:
            retried = quarantine_retry_due()
            if retried:
                self.stdout.write(f"{retried} quarantined message(s) processed on retry")
        if failed:
            raise CommandError("some mailboxes could not be fetched")
