"""Run every benchmark in bench/ one after the other and print their Markdown tables.

`make bench` runs this. `python bench/run.py --quick` runs the short versions (smoke test);
`python bench/run.py calendar sla_sweep` runs only the named ones. Results also land as JSON in
bench/results/ (git-ignored); copy the tables into docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = {
    "calendar": HERE / "bench_calendar.py",
    "case_create": HERE / "bench_case_create.py",
    "sla_sweep": HERE / "bench_sla_sweep.py",
    "console": HERE / "bench_console.py",
    "notifications": HERE / "bench_notifications.py",
    "channels": HERE / "bench_channels.py",
    "mailin": HERE / "bench_mailin.py",
    "reports": HERE / "bench_reports.py",
    "parts": HERE / "bench_parts.py",
    "kb": HERE / "bench_kb.py",
    "kpi": HERE / "bench_kpi.py",
    "load": HERE / "bench_load.py",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"any of {', '.join(BENCHES)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke test")
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHES)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    failed = []
    for name in args.names or list(BENCHES):
        script = BENCHES[name]
        print(f"\n===== {name} ({script.name}) =====", flush=True)
        command = [sys.executable, str(script), *(["--quick"] if args.quick else [])]
        if subprocess.run(command, cwd=HERE.parent, check=False).returncode != 0:  # noqa: S603
            failed.append(name)
    if failed:
        print(f"\nFailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
