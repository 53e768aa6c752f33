"""Print the figures of a ``make fuzz`` run from the per-shard reports ``test_api_fuzz`` wrote
(``FUZZ_REPORT_DIR``). No Django needed."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def summarise(report_dir: str) -> str:
    """The figures of a ``make fuzz`` run, from the per-shard reports the test wrote."""
    rows = [json.loads(p.read_text()) for p in sorted(Path(report_dir).glob("*.json"))]
    lines = []
    for role in sorted({r["role"] for r in rows}):
        mine = [r for r in rows if r["role"] == role]
        statuses: dict[str, int] = {}
        for r in mine:
            for code, n in r["statuses"].items():
                statuses[code] = statuses.get(code, 0) + n
        codes = ", ".join(f"{c}: {n}" for c, n in sorted(statuses.items()))
        lines.append(
            f"{role}: {sum(r['operations'] for r in mine)} operations, "
            f"{sum(r['calls'] for r in mine)} requests ({codes}), "
            f"{sum(r['failures'] for r in mine)} failing operations"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(summarise(sys.argv[1]) + "\n")
