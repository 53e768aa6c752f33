"""``aftersales restore DIR``: a backup into a new, empty database, then a comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `aftersales backup` into the configured database, which must "
        "be empty, and the media folder; then compare the row counts with the backup's manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory")
        parser.add_argument("--media-root", help="restore the files here instead of MEDIA_ROOT")

    def handle(self, *args: Any, **options: Any) -> None:
        media = Path(options["media_root"]) if options["media_root"] else None
        try:
            report = restore(Path(options["directory"]), media_root=media)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if report["mismatches"]:
            raise CommandError(
                f"restored, but these differ from the backup: {report['mismatches']}"
            )
        rows = sum(expected for expected, _ in report["rows"].values())
        self.stdout.write(
            f"Restored {rows} rows in {len(report['rows'])} tables and {report['files']} files; "
            "every count matches the backup."
        )
