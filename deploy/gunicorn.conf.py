"""gunicorn settings (``gunicorn -c deploy/gunicorn.conf.py aftersales.config.wsgi``).

Every value can be overridden by the environment variable named beside it.
"""

import multiprocessing
import os
import shutil

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two sync workers per core is the usual start; the load test in bench/ shows where a machine
# saturates (docs/PERFORMANCE.md).
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Prometheus figures of all workers (see aftersales/ops/metrics.py): an empty directory per start.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):  # noqa: ARG001 - gunicorn's hook signature
    if _metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
        os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):  # noqa: ARG001
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
