"""Backup and restore of the database and the stored files.

A backup is a directory: ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or
``database.sqlite3`` (SQLite, the online backup API), ``files.tar.gz`` (the stored files when they
are on the local disk) and ``manifest.json`` (what was saved: row counts per table, file count and
bytes, the applied migrations). A restore goes into an EMPTY database and then compares the row
counts with the manifest.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.utils import timezone

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
FILES = "files.tar.gz"


class BackupError(Exception):
    """Something the operator must fix; the message says what."""


def _tables() -> list[str]:
    existing = set(connection.introspection.table_names())
    names = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    return sorted(names & existing)


def row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def _libpq() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["--host", db["HOST"] or "127.0.0.1", "--port", str(db["PORT"] or 5432)]
    if db["USER"]:
        args += ["--username", db["USER"]]
    env = {**os.environ}
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise BackupError(f"{cmd[0]} failed: {done.stderr.strip()[-2000:]}")


def _local_media() -> Path | None:
    if isinstance(default_storage, FileSystemStorage):
        return Path(default_storage.location)
    return None


def backup(target: Path) -> dict[str, Any]:
    """Write a backup into ``target`` (a new or empty directory); return the manifest."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    vendor = connection.vendor
    if vendor == "postgresql":
        args, env = _libpq()
        name = connection.settings_dict["NAME"]
        _run(
            ["pg_dump", *args, "--format=custom", "--no-owner", "--no-privileges",
             "--file", str(target / PG_DUMP), name],
            env,
        )  # fmt: skip
    elif vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(target / SQLITE_COPY) as copy:
            connection.connection.backup(copy)
        copy.close()
    else:
        raise BackupError(f"no backup for the {vendor} database backend")
    files = {"stored": "none", "count": 0, "bytes": 0}
    media = _local_media()
    if media is None:
        files["stored"] = "external"  # S3-compatible storage: versioning/replication of the bucket
    elif media.exists():
        count = size = 0
        with tarfile.open(target / FILES, "w:gz") as archive:
            for path in sorted(p for p in media.rglob("*") if p.is_file()):
                archive.add(path, arcname=str(path.relative_to(media)))
                count += 1
                size += path.stat().st_size
        files = {"stored": FILES, "count": count, "bytes": size}
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations: dict[str, str] = {}
        for app, name in cursor.fetchall():
            migrations[app] = max(migrations.get(app, ""), name)
    manifest = {
        "created_at": timezone.now().isoformat(),
        "vendor": vendor,
        "database": PG_DUMP if vendor == "postgresql" else SQLITE_COPY,
        "rows": row_counts(),
        "files": files,
        "migrations": migrations,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def _database_is_empty() -> bool:
    return not connection.introspection.table_names()


def restore(source: Path, *, media_root: Path | None = None) -> dict[str, Any]:
    """Restore the backup in ``source`` into the configured (empty) database and media folder;
    return ``{"rows": {table: (expected, restored)}, "mismatches": [...], "files": n}``."""
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{manifest_path} is missing: not a backup directory")
    manifest = json.loads(manifest_path.read_text())
    vendor = connection.vendor
    if manifest["vendor"] != vendor:
        raise BackupError(f"the backup is of {manifest['vendor']}, the database is {vendor}")
    if not _database_is_empty():
        raise BackupError("the database is not empty; restore only into a new, empty database")
    if vendor == "postgresql":
        args, env = _libpq()
        connection.close()
        _run(
            ["pg_restore", *args, "--no-owner", "--no-privileges", "--exit-on-error",
             "--dbname", connection.settings_dict["NAME"], str(source / PG_DUMP)],
            env,
        )  # fmt: skip
    else:
        name = connection.settings_dict["NAME"]
        if str(name).startswith(":memory:") or "mode=memory" in str(name):
            raise BackupError("restore needs a SQLite database file, not an in-memory one")
        connection.close()
        shutil.copyfile(source / SQLITE_COPY, name)
    restored_files = 0
    if manifest["files"]["stored"] == FILES:
        media = media_root or _local_media()
        if media is None:
            raise BackupError("the backup holds files but the storage is not a local folder")
        media.mkdir(parents=True, exist_ok=True)
        with tarfile.open(source / FILES, "r:gz") as archive:
            members = [m for m in archive.getmembers() if m.isfile()]
            for member in members:
                if (media / member.name).exists():
                    raise BackupError(f"{media / member.name} exists; restore into an empty folder")
            archive.extractall(media, members=members, filter="data")
            restored_files = len(members)
    counts = row_counts()
    rows = {t: (n, counts.get(t)) for t, n in manifest["rows"].items()}
    mismatches = [t for t, (expected, got) in rows.items() if expected != got]
    if restored_files != manifest["files"]["count"]:
        mismatches.append("files")
    return {"rows": rows, "mismatches": mismatches, "files": restored_files}


def default_target() -> Path:
    stamp = datetime.now(tz=timezone.get_default_timezone()).strftime("%Y%m%d-%H%M%S")
    return Path(settings.DATA_DIR) / "backups" / stamp
