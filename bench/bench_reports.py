"""Benchmark the service-report PDF: how long signing spends rendering it.

What the script does, in one run:

1. Builds a service report in memory (no database: unsaved model instances): a case with a
   Chinese summary, every text field filled with Chinese text, 10 parts replaced and a drawn
   signature (a 1,000 x 480 PNG, the size a phone's canvas sends at device-pixel ratio 3).
2. Baseline, measured in the same run: WeasyPrint rendering a one-line Chinese page with the
   same font (the fixed cost of any PDF: font loading and subsetting, layout, PDF writing).
3. Times `rendering.report_pdf` for the signed report (1 page) and for the same report with 20
   addenda (what an addendum re-renders, 2-3 pages), `--repeat` times each after one warm-up.
4. Prints a Markdown table for docs/PERFORMANCE.md (medians, ranges, PDF sizes, the ratio to
   the baseline) and writes bench/results/reports.json.

Usage (from the repository root):
    .venv/bin/python bench/bench_reports.py [--repeat 20] [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
RESULTS = BENCH / "results" / "reports.json"


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import weasyprint

    return (
        f"{cpu or platform.processor()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, WeasyPrint "
        f"{weasyprint.__version__}"
    )


def signature_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (1000, 480), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(60, 380), (240, 90), (420, 400), (660, 120), (960, 300)], fill="black", width=9)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def build(addenda: int) -> tuple:
    from aftersales.accounts.models import User
    from aftersales.cases.models import Case
    from aftersales.customers.models import Customer
    from aftersales.servicereports.models import ReportAddendum, ServiceReport

    tz = datetime.timezone(datetime.timedelta(hours=8))
    at = datetime.datetime(2026, 11, 2, 16, 0, tzinfo=tz)
    customer = Customer(name="上海市第一人民医院", address="上海市虹口区武进路 85 号")
    case = Case(number="SR-2026-000123", customer=customer, summary="CT 机房核心交换机端口掉线")
    engineer = User(username="eng_li", first_name="工", last_name="李")
    text = "更换光模块并重新插拔跳线，观察两小时无掉线；" * 6
    report = ServiceReport(
        pk=123,
        case=case,
        engineer=engineer,
        status="signed",
        problem="CT 机房核心交换机 3 号端口每小时掉线一次，影响影像传输。",
        diagnosis="光模块老化导致链路抖动，跳线端面有污损。" * 3,
        solution="更换光模块，清洁并更换跳线。",
        repair_process=text,
        parts=[
            {"part": f"光模块 SFP-10G 第 {i} 号", "serial_out": f"OLD-{i}", "serial_in": f"NEW-{i}"}
            for i in range(10)
        ],
        test_results="连续 ping 两小时零丢包，端口无掉线告警。",
        signer_name="王主任",
        signed_at=at,
    )
    rows = [
        ReportAddendum(
            report=report,
            text=f"补充说明 {i}：客户要求下周回访，复测结果正常。",
            author=engineer,
            at=at,
        )
        for i in range(addenda)
    ]
    return report, rows


def timed(fn, repeat: int) -> tuple[list[float], int]:
    fn()  # warm-up: fonts and caches
    runs, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = len(fn())
        runs.append(time.perf_counter() - start)
    return runs, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 3 if args.quick else args.repeat

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.config.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    from weasyprint import HTML

    from aftersales.servicereports.rendering import report_pdf

    png = signature_png()
    baseline_html = (
        "<html><body style=\"font-family: 'WenQuanYi Micro Hei'\">售后服务报告</body></html>"
    )
    cases = {
        "one-line Chinese page (baseline)": lambda: HTML(string=baseline_html).write_pdf(),
    }
    signed, _ = build(0)
    cases["signed report, 10 parts, signature"] = lambda: report_pdf(signed, signature_png=png)
    cases["same without the signature image"] = lambda: report_pdf(signed, signature_png=b"")
    amended, rows = build(20)
    cases["same with 20 addenda"] = lambda: report_pdf(amended, addenda=rows, signature_png=png)

    results = {}
    for name, fn in cases.items():
        runs, size = timed(fn, repeat)
        results[name] = {"runs": runs, "size": size}
        sys.stderr.write(f"{name}: median {statistics.median(runs) * 1000:.0f} ms\n")

    base = statistics.median(results["one-line Chinese page (baseline)"]["runs"])
    out("| PDF | render ms, median (range) | size KB | ÷ baseline |")
    out("|---|---:|---:|---:|")
    for name, r in results.items():
        med = statistics.median(r["runs"])
        out(
            f"| {name} | {med * 1000:.0f} ({min(r['runs']) * 1000:.0f}–{max(r['runs']) * 1000:.0f})"
            f" | {r['size'] / 1024:.0f} | {med / base:.1f}× |"
        )
    out()
    out(f"Machine: {machine()}; {repeat} runs each after one warm-up.")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
