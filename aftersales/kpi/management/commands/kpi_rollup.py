"""``aftersales kpi_rollup``: bring the daily KPI rollups up to date, or rebuild them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date

from aftersales.kpi import rollups


class Command(BaseCommand):
    help = (
        "Update the daily KPI rollups (the days of cases changed since the last run and the "
        "days closed since), or rebuild them with --rebuild [--since DATE]."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="build every day again")
        parser.add_argument(
            "--since", help="with --rebuild: only the days from this date (YYYY-MM-DD) on"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            try:
                since = parse_date(options["since"])
            except ValueError:
                since = None
            if since is None:
                raise CommandError("--since needs a date as YYYY-MM-DD.")
            if not options["rebuild"]:
                raise CommandError("--since goes with --rebuild.")
        result = rollups.rebuild(since=since) if options["rebuild"] else rollups.refresh()
        self.stdout.write(f"{result['days']} days, {result['rows']} rows in {result['seconds']} s")
