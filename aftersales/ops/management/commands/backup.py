"""``aftersales backup [DIR]``: the database and the stored files into one directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.ops.backup import BackupError, backup, default_target


class Command(BaseCommand):
    help = "Back up the database and the stored files (default: data/backups/<timestamp>/)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", help="a new or empty directory")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["directory"]) if options["directory"] else default_target()
        try:
            manifest = backup(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["rows"].values())
        files = manifest["files"]
        self.stdout.write(
            f"Backed up {rows} rows in {len(manifest['rows'])} tables and "
            f"{files['count']} files ({files['bytes']} bytes) to {target}"
        )
