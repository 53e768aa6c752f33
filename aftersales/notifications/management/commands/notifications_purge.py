from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.notifications.models import Delivery, Notification, NotificationEvent
from aftersales.notifications.services import notifications_purge, retention_cutoff
from aftersales.notifications.services.purge import PURGE_BATCH


class Command(BaseCommand):
    help = (
        "Delete finished deliveries (sent, failed for good, skipped), staff notices and outbox "
        "events older than NOTIFICATIONS_RETENTION_DAYS (or --days); pending and retrying ones "
        "stay. The daily task notifications_purge_task does the same."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, help="retention in days (default: NOTIFICATIONS_RETENTION_DAYS)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
        )
        parser.add_argument(
            "--batch-size", type=int, default=PURGE_BATCH, help="rows per DELETE statement"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError(_("--days must be at least 1."))
        if options["batch_size"] < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        cutoff = retention_cutoff(days=days)
        if cutoff is None:
            self.stdout.write(_("NOTIFICATIONS_RETENTION_DAYS is 0: nothing is purged."))
            return
        result = notifications_purge(
            older_than=cutoff, batch_size=options["batch_size"], dry_run=options["dry_run"]
        )
        moment = timezone.localtime(cutoff).strftime("%Y-%m-%d %H:%M")
        if options["dry_run"]:
            header = _("Dry run, nothing deleted. Older than %(cutoff)s, a purge would delete:")
        else:
            header = _("Deleted, older than %(cutoff)s:")
        self.stdout.write(header % {"cutoff": moment})
        for model, count in (
            (Delivery, result.deliveries),
            (Notification, result.notifications),
            (NotificationEvent, result.events),
        ):
            self.stdout.write(f"  {model._meta.verbose_name_plural}: {count}")
