"""Probes, metrics, JSON logs and the answer while the database is away."""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from aftersales.cases.models import Case
from aftersales.ops.logging import JsonFormatter
from aftersales.sla.tasks import sla_sweep_task


def _metric(body: str, line_start: str) -> float | None:
    for line in body.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_healthz_answers_without_authentication(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_checks_database_and_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "cache"}  # eager tasks: no broker to check
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["detail"] == connection.vendor


@pytest.mark.django_db
def test_readyz_checks_a_real_redis_broker_and_fails_on_a_dead_one(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json()
    assert ready.json()["checks"]["broker"]["ok"] is True
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down["Retry-After"] == "5"
    assert down.json()["status"] == "unavailable"
    assert down.json()["checks"]["broker"]["ok"] is False
    assert down.json()["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_metrics_count_requests_by_route_and_report_the_installation(client, make_case, settings):
    settings.OPS_METRICS_CACHE_SECONDS = 0
    make_case()
    before = _metric(
        client.get("/metrics").content.decode(),
        'aftersales_http_requests_total{method="GET",route="healthz",status="200"}',
    )
    for _ in range(3):
        client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    after = _metric(
        body, 'aftersales_http_requests_total{method="GET",route="healthz",status="200"}'
    )
    assert after == (before or 0) + 3
    assert (
        'aftersales_http_request_duration_seconds_bucket{le="0.005",method="GET",route="healthz"}'
        in body
    )
    assert _metric(body, "aftersales_cases_open ") == Case.objects.count() == 1
    assert _metric(body, 'aftersales_sla_clocks{state="running"}') >= 1
    assert _metric(body, 'aftersales_metrics_source_up{source="database"}') == 1


@pytest.mark.django_db
def test_metrics_report_the_last_sla_sweep(client, settings):
    settings.OPS_METRICS_CACHE_SECONDS = 0
    runs_before = _metric(
        client.get("/metrics").content.decode(), 'aftersales_sla_sweep_total{what="runs"}'
    )
    sla_sweep_task.delay()
    body = client.get("/metrics").content.decode()
    assert _metric(body, 'aftersales_sla_sweep_total{what="runs"}') == (runs_before or 0) + 1
    assert _metric(body, "aftersales_sla_sweep_last_duration_seconds ") >= 0
    assert _metric(body, "aftersales_sla_sweep_last_run_timestamp_seconds ") > 1.7e9


@pytest.mark.django_db
def test_metrics_token_is_required_when_set(client, settings):
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


def test_json_log_lines_carry_the_message_and_extra_fields():
    record = logging.makeLogRecord(
        {
            "name": "aftersales.cases",
            "levelname": "WARNING",
            "msg": "案件 %s 超时",
            "args": ("SR-1",),
        }
    )
    record.case = "SR-1"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "案件 SR-1 超时"
    assert line["level"] == "WARNING"
    assert line["logger"] == "aftersales.cases"
    assert line["case"] == "SR-1"
    assert line["time"].endswith("+00:00")


@contextmanager
def database_away():
    """Point the connection at a port nothing listens on: every query fails to connect, for
    real, until the block ends (PostgreSQL only)."""
    original = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        yield
    finally:
        connection.settings_dict["PORT"] = original
        connection.close()


pytestmark_pg = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a server database that can go away"
)


@pytestmark_pg
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_api_answers_503_while_the_database_is_away_and_a_retry_creates_one_case(
    client_for, agent, customer
):
    api = client_for(agent)
    api.raise_request_exception = False
    payload = {
        "customer": customer.code,
        "case_type": "fault",
        "channel": "phone",
        "severity": "C-2",
        "summary": "数据库重启期间提交的请求",
        "description": "重试应当只产生一个案件。",
    }
    with database_away():
        refused = api.post("/api/v1/cases/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-503")
        assert refused.status_code == 503
        assert refused["Retry-After"] == "5"
        assert refused.json()["code"] == "service_unavailable"
    assert Case.objects.count() == 0
    first = api.post("/api/v1/cases/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-503")
    again = api.post("/api/v1/cases/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-503")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["number"] == again.json()["number"]
    assert Case.objects.count() == 1


@pytestmark_pg
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_and_readiness_answer_503_while_the_database_is_away(agent):
    browser = Client(raise_request_exception=False)
    browser.force_login(agent)
    with database_away(), translation.override("en"):
        page = browser.get("/console/", HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 503
        assert page["Retry-After"] == "5"
        assert b"try again" in page.content
        probe = Client(raise_request_exception=False)  # a load balancer has no session
        ready = probe.get("/readyz")
        assert ready.status_code == 503
        assert ready["Retry-After"] == "5"
        assert ready.json()["checks"]["database"]["ok"] is False
        assert ready.json()["checks"]["cache"]["ok"] is True
        assert probe.get("/healthz").status_code == 200
    assert browser.get("/console/").status_code == 200
