"""Benchmark knowledge-base search with 10,000 and 100,000 articles on PostgreSQL and SQLite,
against a plain LIKE scan measured in the same run.

For each database (a fresh PostgreSQL database, a fresh SQLite file) the script runs the
migrations, then grows the article table to each size (bulk inserts of generated Chinese
articles whose bigram documents are computed by the product's ``search_document``; on SQLite the
migration's triggers fill the FTS5 table, on PostgreSQL the GIN index is maintained), ANALYZEs,
and times each query term, warmed up and then ``--repeat`` times:

- ours: ``selectors.article_search(..., limit=20)`` — the bigram index narrows, ``icontains``
  confirms, title hits first; a term with huge postings is answered from its title postings and
  a walk in rank order — first page of 20 rows, as the pages ask for it;
- before: the previous ``article_search`` (kept below as ``before``): the bigram index narrows,
  then every match is ranked, also 20 rows;
- baseline: the same filter and ordering without the index clause (a plain
  ``UPPER(col) LIKE '%term%'`` scan over title, body and solution), also 20 rows.

All three must return the same rows (checked). Terms: a rare 4-character phrase (~0.1 % of
articles), a 2-character term in ~1 %, an English word in ~1 %, a common 2-character term
(~30 %, in ~5 % of titles) and a term in every article but in no title. Each child process (one
per database) prints medians; the parent prints a Markdown table (median ms, before / ours,
baseline / ours) and the machine, and writes bench/results/kb.json. Databases are dropped at
the end.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):
    .venv/bin/python bench/bench_kb.py [--quick] [--sizes 10000,100000] [--repeat N]
        [--backends postgresql,sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "kb.json"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DB = "aftersales_bench_kb"

COMPONENTS = [
    "打印机",
    "交换机",
    "服务器",
    "存储阵列",
    "路由器",
    "防火墙",
    "电源模块",
    "硬盘",
    "主板",
    "风扇",
    "光模块",
    "控制器",
    "显示器",
    "扫描仪",
    "无线AP",
    "数据库",
    "备份软件",
    "操作系统",
    "网卡",
    "内存条",
]
SYMPTOMS = [
    "频繁卡纸",
    "端口掉线",
    "无法开机",
    "告警灯常亮",
    "温度过高",
    "噪音异常",
    "读写缓慢",
    "连接超时",
    "重启循环",
    "license过期",
    "配置丢失",
    "性能下降",
    "无法识别",
    "报错代码E05",
    "升级失败",
    "指示灯闪烁",
    "认证失败",
    "速率不匹配",
    "日志满",
    "时钟漂移",
]
FILLER = "请先确认设备型号与序列号，记录现场情况，必要时联系售后服务热线并提供照片。"
TERMS = {
    "rare_4char": "固件回滚",  # ~0.1 %
    "zh_2char_1pct": "熔断",  # ~1 %
    "en_word_1pct": "firmware",  # ~1 %
    "zh_2char_common": "卡纸",  # ~30 %, ~5 % of titles
    "zh_2char_no_title": "检查",  # every article's solution, no title
}


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def log(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu or platform.processor()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def make_text(rng: random.Random, i: int) -> tuple[str, str, str]:
    def phrase() -> str:
        return rng.choice(COMPONENTS) + rng.choice(SYMPTOMS)

    title = phrase() + "的处理"
    body = "；".join(phrase() for _ in range(6)) + "。" + FILLER
    solution = f"步骤{i % 7 + 1}：检查{rng.choice(COMPONENTS)}连接并重新上电。"
    if i % 1000 == 7:
        body += "必要时执行固件回滚。"
    if i % 100 == 3:
        solution += "检查保险丝是否熔断。"
    if i % 100 == 51:
        body += " Upgrade the firmware to the latest release."
    return title, body, solution


def child(backend: str, sizes: list[int], repeat: int) -> dict:  # noqa: PLR0915
    workdir = Path(tempfile.mkdtemp(prefix="aftersales-bench-kb-"))
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(
                f"CREATE DATABASE {PG_DB} TEMPLATE template0 ENCODING 'UTF8' "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            )
        url = f"{PG_SERVER}/{PG_DB}"
    else:
        url = f"sqlite:///{workdir / 'kb.sqlite3'}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "aftersales.config.settings",
            "DATABASE_URL": url,
            "MEDIA_ROOT": str(workdir / "media"),
            "SECRET_KEY": "bench-kb",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "localhost",
            "LOG_LEVEL": "WARNING",
            "AFTERSALES_SCHEDULER_ENABLED": "false",
            "CELERY_BROKER_URL": "",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Case, IntegerField, Q, Value, When

    log(f"[{backend}] migrating ...")
    call_command("migrate", verbosity=0, skip_checks=True)

    from aftersales.accounts.tests.factories import UserFactory
    from aftersales.core.search import query_grams
    from aftersales.knowledge import selectors, services
    from aftersales.knowledge.models import Article

    author = UserFactory(username="bench_kb_agent", role="agent")
    rng = random.Random(20261125)  # noqa: S311 - reproducible test data

    def ours(term: str) -> list[int]:
        found = selectors.article_search(Article.objects.all(), term, limit=20)
        return [a.pk for a in found[:20]]

    def before_qs(term: str):  # noqa: ANN202 - a QuerySet
        """The previous ``article_search``: the bigram index narrows, every match is ranked."""
        qs = Article.objects.all()
        grams = query_grams(term)
        if grams and connection.vendor == "postgresql":
            qs = qs.extra(  # noqa: S610
                where=["string_to_array(knowledge_article.search_grams, ' ') @> %s::text[]"],
                params=[grams],
            )
        elif grams and connection.vendor == "sqlite":
            match = " AND ".join(f'"{gram}"' for gram in grams)
            qs = qs.extra(  # noqa: S610
                where=[
                    "knowledge_article.id IN (SELECT rowid FROM knowledge_article_fts "
                    "WHERE knowledge_article_fts MATCH %s)"
                ],
                params=[match],
            )
        return (
            qs.filter(
                Q(title__icontains=term) | Q(body__icontains=term) | Q(solution__icontains=term)
            )
            .annotate(
                title_hit=Case(
                    When(title__icontains=term, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            .order_by("-title_hit", "-solved_count", "-rating_sum", "-updated_at", "-id")
        )

    def before(term: str) -> list[int]:
        return [a.pk for a in before_qs(term)[:20]]

    def baseline(term: str) -> list[int]:
        qs = (
            Article.objects.filter(
                Q(title__icontains=term) | Q(body__icontains=term) | Q(solution__icontains=term)
            )
            .annotate(
                title_hit=Case(
                    When(title__icontains=term, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            .order_by("-title_hit", "-solved_count", "-rating_sum", "-updated_at", "-id")
        )
        return [a.pk for a in qs[:20]]

    results: dict = {"backend": backend, "sizes": {}}
    have = 0
    for size in sizes:
        start = time.perf_counter()
        batch: list[Article] = []
        for i in range(have, size):
            title, body, solution = make_text(rng, i)
            article = Article(
                title=title,
                body=body,
                solution=solution,
                category="solution",
                audience="customer" if i % 2 else "internal",
                status="published",
                created_by=author,
            )
            article.search_grams = services.search_document(article)
            batch.append(article)
            if len(batch) == 2000:
                Article.objects.bulk_create(batch)
                batch = []
        if batch:
            Article.objects.bulk_create(batch)
        have = size
        with connection.cursor() as cursor:
            # What autovacuum does after a bulk load (on PostgreSQL it also merges the GIN
            # index's pending list).
            cursor.execute("VACUUM ANALYZE" if backend == "postgresql" else "ANALYZE")
        log(f"[{backend}] {size} articles loaded in {time.perf_counter() - start:.0f} s")
        per_term = {}
        for name, term in TERMS.items():
            found = ours(term)
            expected = baseline(term)
            if found != expected or before(term) != expected:
                raise SystemExit(f"{backend} {size} {term}: results differ {found} {expected}")
            matches = before_qs(term).count()
            timings: dict[str, list[float]] = {"ours": [], "before": [], "baseline": []}
            for _ in range(repeat):
                for label, fn in (("ours", ours), ("before", before), ("baseline", baseline)):
                    t0 = time.perf_counter()
                    fn(term)
                    timings[label].append((time.perf_counter() - t0) * 1000)
            per_term[name] = {
                "term": term,
                "matches": matches,
                "ours_ms": statistics.median(timings["ours"]),
                "before_ms": statistics.median(timings["before"]),
                "baseline_ms": statistics.median(timings["baseline"]),
            }
            log(f"[{backend}] {size} {term}: {per_term[name]}")
        results["sizes"][str(size)] = per_term
    connection.close()
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--quick", action="store_true", help="1,000 and 5,000 articles, 3 rounds")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeat = "1000,5000", 3
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child:
        print(json.dumps(child(args.child, sizes, args.repeat)))  # noqa: T201
        return 0
    runs = []
    for backend in args.backends.split(","):
        command = [
            sys.executable,
            __file__,
            "--child",
            backend,
            "--sizes",
            args.sizes,
            "--repeat",
            str(args.repeat),
        ]
        done = subprocess.run(  # noqa: S603 - our own script
            command, cwd=ROOT, check=True, capture_output=True, text=True
        )
        sys.stderr.write(done.stderr)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    out(
        "| database | articles | term | matches | before (ms) | ours (ms) | LIKE scan (ms) "
        "| before / ours | scan / ours |"
    )
    out("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        for size, per_term in run["sizes"].items():
            for row in per_term.values():
                ours_ms = row["ours_ms"] or float("nan")
                out(
                    f"| {run['backend']} | {int(size):,} | {row['term']} | {row['matches']:,} | "
                    f"{row['before_ms']:.1f} | {row['ours_ms']:.1f} | {row['baseline_ms']:.1f} | "
                    f"{row['before_ms'] / ours_ms:.1f}x | {row['baseline_ms'] / ours_ms:.1f}x |"
                )
    out()
    out(f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f} at the end.")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": machine(), "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
