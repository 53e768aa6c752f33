"""Benchmark deadline computations on the cn-5x8 depot calendar.

Compares `aftersales.calendars.engine.add_working_time` with two baselines in one process:
pandas `CustomBusinessHour` (which cannot express make-up working days) and a naive loop that
steps minute by minute. Prints a Markdown table and the machine, for docs/PERFORMANCE.md.

Usage: python bench/bench_calendar.py [--quick]
Baseline dependencies (not product dependencies): pip install -r bench/requirements-calendar.txt
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HOUR = 3600
DURATIONS_H = (2, 72, 720)
SEED = 20260101
TZ = "Asia/Shanghai"


def out(line: str = "") -> None:
    """Write one line to stdout (the project's lint rules forbid print)."""
    sys.stdout.write(line + "\n")


def holiday_data() -> tuple[list[date], list[date], list[int]]:
    """Return (holidays, make-up days, years) from chinese_calendar for 2026 and 2027 if known."""
    import chinese_calendar

    holidays: list[date] = []
    makeup: list[date] = []
    years: list[int] = []
    for year in (2026, 2027):
        first, last = date(year, 1, 1), date(year, 12, 31)
        try:
            holidays += chinese_calendar.get_holidays(first, last, include_weekends=False)
            makeup += [d for d in chinese_calendar.get_workdays(first, last) if d.weekday() >= 5]
        except NotImplementedError:
            break
        years.append(year)
    return holidays, makeup, years


def random_starts(count: int, years: Sequence[int]) -> list[datetime]:
    """Return `count` aware UTC whole-minute instants spread over the first year (fixed seed)."""
    rng = random.Random(SEED)  # noqa: S311 -- benchmark inputs, not security
    first = int(datetime(years[0], 1, 1, tzinfo=ZoneInfo(TZ)).timestamp())
    minutes = 365 * 24 * 60
    return [datetime.fromtimestamp(first + rng.randrange(minutes) * 60, UTC) for _ in range(count)]


def naive_add(
    start: datetime, seconds: int, holidays: frozenset[date], makeup: frozenset[date]
) -> datetime:
    """Return the deadline by stepping minute by minute (whole-minute inputs only)."""
    zone = ZoneInfo(TZ)
    t = int(start.timestamp())
    remaining = seconds
    while remaining > 0:
        local = datetime.fromtimestamp(t, zone)
        day = local.date()
        is_workday = day in makeup or (day.weekday() < 5 and day not in holidays)
        if is_workday and 9 <= local.hour < 17:
            remaining -= 60
        t += 60
    return datetime.fromtimestamp(t, UTC)


def rate(fn: Callable[[], None], calls: int, repeats: int) -> float:
    """Return the median calls per second of `fn` (which makes `calls` calls) over `repeats`."""
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        samples.append(calls / (time.perf_counter() - began))
    return statistics.median(samples)


def machine() -> str:
    """Return a one-line description of the CPU, cores and Python."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{model}, {cores} cores available, {platform.python_implementation()} "
        f"{platform.python_version()} on {platform.system()} {platform.release()}"
    )


def main() -> None:
    """Run the benchmark and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls (for a smoke run)")
    args = parser.parse_args()

    import pandas as pd
    from pandas.tseries.offsets import CustomBusinessHour

    from aftersales.calendars.engine import CalendarSpec, add_working_time, working_time_between

    engine_calls = 20_000 if args.quick else 200_000
    pandas_calls = 300 if args.quick else 3_000
    naive_calls = {2: 40, 72: 4, 720: 1} if args.quick else {2: 400, 72: 30, 720: 4}
    compare_calls = 500 if args.quick else 5_000
    repeats = 5

    holidays, makeup, years = holiday_data()
    spec = CalendarSpec.build(
        "cn-5x8",
        TZ,
        {weekday: [("09:00", "17:00")] for weekday in range(5)},
        holidays=holidays,
        workdays=makeup,
        holiday_years=years,
    )
    starts = random_starts(engine_calls, years)
    holiday_set, makeup_set = frozenset(holidays), frozenset(makeup)
    # pandas works on local timestamps; the conversion is done up front so that only the
    # offset arithmetic is timed.
    pandas_starts = [pd.Timestamp(s).tz_convert(TZ) for s in starts[:compare_calls]]
    pandas_holidays = [d.isoformat() for d in holidays]

    results: dict[int, dict[str, Any]] = {}
    for hours in DURATIONS_H:
        seconds = hours * HOUR
        add_working_time(spec, starts[0], seconds)  # compile the table outside the timing

        def run_engine(seconds: int = seconds) -> None:
            for s in starts:
                add_working_time(spec, s, seconds)

        offset = CustomBusinessHour(n=hours, start="09:00", end="17:00", holidays=pandas_holidays)
        pandas_sample = pandas_starts[:pandas_calls]

        def run_pandas(offset: Any = offset, sample: list[Any] = pandas_sample) -> None:
            for s in sample:
                s + offset

        naive_sample = starts[: naive_calls[hours]]

        def run_naive(seconds: int = seconds, sample: list[datetime] = naive_sample) -> None:
            for s in sample:
                naive_add(s, seconds, holiday_set, makeup_set)

        engine_rate = rate(run_engine, len(starts), repeats)
        pandas_rate = rate(run_pandas, len(pandas_sample), repeats)
        naive_rate = rate(run_naive, len(naive_sample), 3 if hours == 720 else repeats)

        # Correctness on samples: the naive loop is exact on whole-minute starts; pandas is
        # compared with the engine, separating its convention (a deadline at closing time is
        # reported as the next opening, the same amount of working time) from wrong answers.
        naive_wrong = sum(
            naive_add(s, seconds, holiday_set, makeup_set) != add_working_time(spec, s, seconds)
            for s in naive_sample
        )
        same = convention = wrong = 0
        for s, ps in zip(starts[:compare_calls], pandas_starts, strict=True):
            ours = add_working_time(spec, s, seconds)
            theirs = (ps + offset).to_pydatetime().astimezone(UTC)
            if theirs == ours:
                same += 1
            elif working_time_between(spec, s, theirs) == seconds:
                convention += 1
            else:
                wrong += 1
        results[hours] = {
            "engine": engine_rate,
            "pandas": pandas_rate,
            "naive": naive_rate,
            "naive_wrong": naive_wrong,
            "naive_checked": len(naive_sample),
            "same": same,
            "convention": convention,
            "wrong": wrong,
        }

    data_years = ", ".join(str(y) for y in years)
    out("## Business-calendar deadlines: `add_working_time` on cn-5x8")
    out()
    out(f"Machine: {machine()}; pandas {pd.__version__}, numpy {__import__('numpy').__version__}.")
    out(
        f"Calendar: Mon-Fri 09:00-17:00 Asia/Shanghai, chinese_calendar holidays and make-up "
        f"days for {data_years}; {len(starts):,} random whole-minute UTC starts over "
        f"{years[0]} (seed {SEED}); calls per second, median of {repeats} runs "
        f"(naive loop: {', '.join(f'{naive_calls[h]} calls for {h} h' for h in DURATIONS_H)}, "
        "extrapolated; pandas: "
        f"{pandas_calls:,} calls)."
    )
    out()
    out(
        "| duration | engine calls/s | pandas CBH calls/s | naive loop calls/s "
        "| engine / pandas | engine / naive |"
    )
    out("|---|---:|---:|---:|---:|---:|")
    for hours, r in results.items():
        out(
            f"| {hours} h | {r['engine']:,.0f} | {r['pandas']:,.0f} | {r['naive']:,.1f} "
            f"| {r['engine'] / r['pandas']:,.0f}x | {r['engine'] / r['naive']:,.0f}x |"
        )
    out()
    ratio = results[DURATIONS_H[0]]["engine"] / results[DURATIONS_H[-1]]["engine"]
    out(f"Engine cost ratio 720 h / 2 h: {ratio:.2f} (1.00 = independent of the duration).")
    out()
    out(
        f"Answers checked against the engine ({compare_calls:,} starts per duration for pandas; "
        "the naive loop on its timed sample):"
    )
    out()
    out(
        "| duration | pandas identical | pandas: next opening instead of closing time | "
        "pandas wrong (make-up days) | naive loop differing |"
    )
    out("|---|---:|---:|---:|---:|")
    for hours, r in results.items():
        out(
            f"| {hours} h | {r['same']:,} | {r['convention']:,} | {r['wrong']:,} "
            f"| {r['naive_wrong']} of {r['naive_checked']} |"
        )
    out()
    out(
        "pandas `CustomBusinessHour` cannot express make-up working days (调休, e.g. Sat "
        "2026-02-14, 2026-02-28, 2026-10-10), so deadlines spanning one are wrong; and when a "
        "deadline falls exactly at closing time it reports the next opening instead (same "
        "working time, later instant)."
    )


if __name__ == "__main__":
    main()
