"""Project-level guarantees: OpenAPI schema, production checklist, CLI, time helpers."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from aftersales.core import clock

ROOT = Path(__file__).resolve().parents[3]


def test_openapi_schema_generates_without_warnings(capsys):
    # drf-spectacular reports problems on stderr; --fail-on-warn turns them into an error.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", os.devnull)
    assert "Warning" not in capsys.readouterr().err


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/cases/{number}/transition/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DEBUG="false",
        SECRET_KEY="x" * 20 + "-production-only-Secret-0123456789abcdefghijk",
        ALLOWED_HOSTS="service.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        AFTERSALES_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="aftersales.config.settings",
    )
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "aftersales.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "-m", "aftersales.cli", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_cli_is_manage_py(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "aftersales.cli", "help", "createtoken"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "aftersales.config.settings_test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "token" in result.stdout


def test_clock_override_is_scoped_and_needs_aware_time():
    at = datetime.datetime(2026, 10, 1, 9, 0, tzinfo=datetime.UTC)
    with clock.override(at):
        assert clock.now() == at
    assert clock.now() != at
    naive = datetime.datetime(2026, 10, 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="aware"), clock.override(naive):
        pass
