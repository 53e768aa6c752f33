"""Backup, then restore into an empty database and an empty folder, and compare everything."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from aftersales.cases.services import attachment_add
from aftersales.ops.backup import row_counts

ROOT = Path(__file__).resolve().parents[3]


def _checksums_pg(dsn: str, tables: list[str]) -> dict[str, str]:
    sums = {}
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), '')) "  # noqa: S608
                f'FROM "{table}" t'
            )
            sums[table] = cursor.fetchone()[0]
    return sums


def _checksums_sqlite(conn: sqlite3.Connection, tables: list[str]) -> dict[str, str]:
    sums = {}
    for table in tables:
        rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
        sums[table] = hashlib.md5(  # noqa: S324 - a comparison, not security
            "\n".join(sorted(repr(r) for r in rows)).encode()
        ).hexdigest()
    return sums


def _restore_env(database_url: str, media: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aftersales.config.settings",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
        "SECRET_KEY": "restore-test",
        "DEBUG": "true",
        "AFTERSALES_SCHEDULER_ENABLED": "false",
    }


def _restore(env: dict[str, str], source: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "aftersales.cli", "restore", str(source)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def some_data(make_case, agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cases = [make_case(summary=f"备份测试 {i}") for i in range(3)]
    attachment_add(
        case=cases[0],
        by=agent,
        upload=SimpleUploadedFile("日志.txt", "端口 up/down 反复切换".encode(), "text/plain"),
    )
    return cases


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_and_restore_into_an_empty_database_give_the_same_data(some_data, tmp_path):
    media = Path(tmp_path / "media")
    saved = tmp_path / "backup"
    call_command("backup", str(saved))
    assert (saved / "manifest.json").exists()
    assert (saved / "files.tar.gz").exists()
    before = row_counts()
    assert before["cases_case"] == 3
    assert before["cases_attachment"] == 1
    tables = sorted(before)
    restored_media = tmp_path / "restored-media"
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
        server = f"postgres://{db['USER']}@{host}:{port}"
        empty = f"{db['NAME']}_restore"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{empty}"')
            admin.execute(f'CREATE DATABASE "{empty}"')
        try:
            done = _restore(_restore_env(f"{server}/{empty}", restored_media), saved)
            assert done.returncode == 0, done.stderr
            assert "every count matches" in done.stdout
            assert _checksums_pg(f"{server}/{db['NAME']}", tables) == _checksums_pg(
                f"{server}/{empty}", tables
            )
            # a second restore into the now-filled database is refused and changes nothing
            again = _restore(_restore_env(f"{server}/{empty}", tmp_path / "m2"), saved)
            assert again.returncode != 0
            assert "not empty" in again.stderr
        finally:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)')
    else:
        target = tmp_path / "restored.sqlite3"
        done = _restore(_restore_env(f"sqlite:///{target}", restored_media), saved)
        assert done.returncode == 0, done.stderr
        connection.ensure_connection()
        original = sqlite3.connect(":memory:")  # plain rows, without Django's type converters
        connection.connection.backup(original)
        with sqlite3.connect(target) as restored:
            assert _checksums_sqlite(original, tables) == _checksums_sqlite(restored, tables)
        original.close()
        again = _restore(_restore_env(f"sqlite:///{target}", tmp_path / "m2"), saved)
        assert again.returncode != 0
        assert "not empty" in again.stderr
    originals = sorted(p.relative_to(media) for p in media.rglob("*") if p.is_file())
    copies = sorted(p.relative_to(restored_media) for p in restored_media.rglob("*") if p.is_file())
    assert originals == copies
    assert len(originals) == 1
    assert (restored_media / copies[0]).read_bytes() == (media / originals[0]).read_bytes()


@pytest.mark.django_db
def test_backup_refuses_a_directory_that_is_not_empty(tmp_path):
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]
