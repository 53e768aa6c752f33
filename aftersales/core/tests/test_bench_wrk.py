"""The case-creation benchmark's wrk load generator sends the benchmark's request and counts
every response by its status.

bench/bench_case_create.py loads the served applications with wrk when it is installed
(``Target._http_wrk`` with bench/wrk_count.lua): a request sent wrong, or a response miscounted,
would measure something else. These tests serve a loopback HTTP server that records what
arrives and answers as told, closing the connection after every response as gunicorn's sync
workers do.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

BODY = {"customer": "BENCH-SH-RMYY", "summary": "核心交换机端口频繁掉线"}


# The status to answer the n-th request with; 0: close the connection without an answer.
Answer = Callable[[int], int]


@pytest.fixture
def server() -> Iterator[Callable[[Answer], tuple[int, list[dict[str, Any]]]]]:
    """Start a recording server that answers the n-th request with ``answer(n)``."""
    servers: list[ThreadingHTTPServer] = []

    def start(answer: Answer) -> tuple[int, list[dict[str, Any]]]:
        seen: list[dict[str, Any]] = []
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with lock:
                    number = len(seen)
                    seen.append(
                        {
                            "method": self.command,
                            "path": self.path,
                            "authorization": self.headers.get("Authorization"),
                            "content_type": self.headers.get("Content-Type"),
                            "body": body,
                        }
                    )
                status = answer(number)
                self.close_connection = True
                if not status:
                    return
                payload = b'{"ok": true}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer  # noqa: N815 - the handler's method names

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        servers.append(httpd)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return httpd.server_address[1], seen

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def _target(bench: Any, tmp_path: Path, port: int, **kwargs: Any) -> Any:
    path = kwargs.pop("path", "/api/v1/cases/")
    target = bench.Target(
        "t", "target", Path(sys.executable), [], {}, "settings", None, path, BODY,
        "tok123", tmp_path, **kwargs,
    )  # fmt: skip
    target.port = port
    return target


needs_wrk = pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)


@needs_wrk
def test_sends_the_benchmark_request_and_counts_the_created(
    bench: Any, server: Any, tmp_path: Path
) -> None:
    port, seen = server(lambda n: 201)
    result = _target(bench, tmp_path, port).http(1, 0, 4, loadgen="wrk")

    assert result["non_201"] == 0
    assert result["statuses"] == {"201": result["created"]}
    # wrk stops at the end of the window: requests then in flight reached the server uncounted.
    assert len(seen) - 4 <= result["created"] <= len(seen)
    assert result["created"] > 10
    assert result["rate"] == pytest.approx(result["created"] / result["elapsed"])
    assert 0.9 < result["elapsed"] < 2
    assert 0 < result["p50_ms"] <= result["p95_ms"]
    body = json.dumps(BODY, ensure_ascii=False).encode()
    assert {
        (r["method"], r["path"], r["authorization"], r["content_type"], r["body"]) for r in seen
    } == {("POST", "/api/v1/cases/", "Token tok123", "application/json", body)}


@needs_wrk
def test_every_other_status_counts_against_the_run(bench: Any, server: Any, tmp_path: Path) -> None:
    port, seen = server(lambda n: 201 if n % 3 else 400)
    result = _target(bench, tmp_path, port).http(1, 0, 4, loadgen="wrk")

    statuses = result["statuses"]
    assert set(statuses) == {"201", "400"}
    assert result["created"] == statuses["201"]
    assert result["non_201"] == statuses["400"] > 0
    assert len(seen) - 4 <= statuses["201"] + statuses["400"] <= len(seen)


@needs_wrk
def test_a_get_without_body_and_its_own_expected_status(
    bench: Any, server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, seen = server(lambda n: 200)
    after_runs: list[int] = []
    run = bench.subprocess.run

    def counting_run(*args: Any, **kwargs: Any) -> Any:
        done = run(*args, **kwargs)
        after_runs.append(len(seen))
        return done

    monkeypatch.setattr(bench.subprocess, "run", counting_run)
    target = _target(bench, tmp_path, port, path="/healthz", method="GET", expect=200)
    result = target.http(1, 1, 2, loadgen="wrk")  # with a warm-up run before the window

    warmed, total = after_runs
    assert warmed > 0
    assert result["non_201"] == 0
    # Only the measured run's responses count, not the warm-up's.
    assert total - warmed - 2 <= result["created"] <= total - warmed
    assert {(r["method"], r["path"], r["content_type"], r["body"]) for r in seen} == {
        ("GET", "/healthz", None, b"")
    }


@needs_wrk
def test_a_server_that_is_not_there_stops_the_run(bench: Any, tmp_path: Path) -> None:
    target = _target(bench, tmp_path, bench.free_port())
    with pytest.raises(SystemExit, match="unable to connect"):
        target.http(1, 0, 2, loadgen="wrk")


@needs_wrk
def test_a_server_that_goes_away_counts_as_failures(
    bench: Any, server: Any, tmp_path: Path
) -> None:
    def answer(n: int) -> int:
        return 201 if n < 20 else 0  # then every connection closes without an answer

    port, seen = server(answer)
    result = _target(bench, tmp_path, port).http(1, 0, 2, loadgen="wrk")

    assert result["created"] == 20
    assert result["non_201"] > 0
    assert result["non_201"] == sum(result["socket_errors"].values())
    assert result["statuses"] == {"201": 20}


def test_wrk_output_and_durations(bench: Any) -> None:
    report = "Running 1s test\n  2 threads\n" + json.dumps(
        {"statuses": {"201": 5}, "duration_us": 1000, "requests": 5}
    )
    assert bench.parse_wrk(report)["statuses"] == {"201": 5}
    with pytest.raises(SystemExit, match="wrk printed no result"):
        bench.parse_wrk("PANIC: unprotected error in call to Lua API\n")
    assert [bench.wrk_seconds(s) for s in (0.2, 1.0, 2.4, 2.5, 10)] == [1, 1, 3, 3, 10]


def test_wrk_threads_divide_the_connections(bench: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # wrk gives each thread connections // threads and drops the rest.
    monkeypatch.setattr(bench.os, "cpu_count", lambda: 4)
    assert [bench.wrk_threads(c) for c in (1, 2, 6, 8, 16, 7)] == [1, 2, 3, 4, 4, 1]
    monkeypatch.setattr(bench.os, "cpu_count", lambda: 2)
    assert [bench.wrk_threads(c) for c in (1, 8, 9)] == [1, 2, 1]


def test_responses_the_script_did_not_see_count_against_the_run(
    bench: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """wrk's own count of completed requests is checked against the statuses the script
    counted, and a late response (a timeout in wrk's terms) is not counted twice."""
    printed = {
        "statuses": {"201": 90, "500": 2},
        "duration_us": 2_000_000,
        "requests": 95,
        "p50_us": 1500,
        "p95_us": 4000,
        "errors": {"connect": 1, "read": 2, "write": 0, "status": 2, "timeout": 4},
    }

    def fake_run(cmd: list[str], **kwargs: Any) -> Any:
        assert cmd[0] == "wrk"
        return bench.subprocess.CompletedProcess(cmd, 0, json.dumps(printed) + "\n", "")

    monkeypatch.setattr(bench.subprocess, "run", fake_run)
    result = _target(bench, tmp_path, 1).http(2, 0, 8, loadgen="wrk")

    assert result["created"] == 90
    assert result["rate"] == 45
    assert result["non_201"] == 2 + 3 + 3  # the 500s, the socket errors, three unseen
    assert result["timeouts"] == 4
    assert (result["p50_ms"], result["p95_ms"]) == (1.5, 4.0)
