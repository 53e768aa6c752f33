"""``aftersales parts_check``: prove stock on hand equals the ledger (exit 1 otherwise)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from aftersales.parts.selectors import ledger_mismatches


class Command(BaseCommand):
    help = "Check that every stock quantity equals the sum of its ledger rows."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = ledger_mismatches()
        for p in problems:
            self.stderr.write(
                f"depot={p['depot']} part={p['part']} condition={p['condition']}: "
                f"ledger {p['ledger']}, stock {p['stock']}"
            )
        if problems:
            self.stderr.write(f"{len(problems)} mismatch(es)")
            sys.exit(1)
        self.stdout.write("stock matches the ledger")
