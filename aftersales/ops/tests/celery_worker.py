"""A real Celery worker in a subprocess, for the crash tests that SIGKILL it mid-task."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


class CeleryWorker:
    """``celery worker --pool=solo`` on the project, optionally on its own ``queue``; ``ready``
    is set once it consumes, ``lines`` holds what it printed."""

    def __init__(self, env: dict[str, str], queue: str | None = None):
        self.ready = threading.Event()
        self.lines: list[str] = []
        command = [sys.executable, "-m", "celery", "-A", "aftersales.config", "worker"]
        command += ["--pool=solo", "--without-heartbeat", "--without-gossip", "--without-mingle"]
        command += ["--loglevel=INFO"]
        if queue:
            command += ["-Q", queue, "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h"]
        self.process = subprocess.Popen(  # noqa: S603 - our own worker
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if " ready." in line:
                self.ready.set()

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return "".join(self.lines[-60:])

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)
