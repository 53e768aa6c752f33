"""Case files on S3-compatible storage, end to end against a real S3 server on loopback.

moto's standalone server speaks the S3 protocol over HTTP on 127.0.0.1; boto3 and django-storages
talk to it exactly as they talk to MinIO or Ceph in production. The storage configuration is the
one settings.py builds from S3_BUCKET, S3_ENDPOINT_URL, S3_REGION, S3_ACCESS_KEY and S3_SECRET_KEY
(``settings.s3_storage``), with this server's values; the last tests run the production settings
in a subprocess with those variables set.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3Storage

from aftersales.cases.models import Attachment
from aftersales.config.settings import s3_storage
from aftersales.core.tests.test_project import ROOT, _production_env
from aftersales.exports.services import export_request, export_run, exports_purge
from aftersales.ops.backup import FILES, backup
from aftersales.servicereports.models import ServiceReport

# The service reports' own fixtures (a finished visit, a drawn signature, a frozen clock).
from aftersales.servicereports.tests.conftest import frozen, signature, visit  # noqa: F401

ACCESS_KEY, SECRET_KEY, REGION = "aftersales-test", "aftersales-test-secret", "us-east-1"
PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class S3:
    """The server, one empty bucket of this test's own, and a boto3 client to look inside it."""

    endpoint: str
    bucket: str
    client: Any

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket)
        return sorted(o["Key"] for o in listing.get("Contents", []))

    def body(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def anonymous_get(self, key: str) -> tuple[int, bytes]:
        """GET the object's plain URL with no credentials, as anyone on the network could."""
        return http_get(f"{self.endpoint}/{self.bucket}/{quote(key)}")


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our loopback server
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint: str, settings: Any) -> S3:
    """A new private bucket, and the default storage pointed at it as settings.py would."""
    bucket = f"case-files-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(
            bucket=bucket,
            endpoint_url=s3_endpoint,
            region=REGION,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
        ),
    }
    assert isinstance(storages["default"], S3Storage)  # what default_storage now stands for
    return S3(endpoint=s3_endpoint, bucket=bucket, client=client)


def upload(name: str, content: bytes) -> ContentFile:
    return ContentFile(content, name=name)


def attach(client: Any, case: Any, name: str, content: bytes, **fields: Any) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/cases/{case.number}/attachments/",
        {"file": upload(name, content), **fields},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


def streamed(response: Any) -> bytes:
    """The body of a download (the test client closes the response, and the S3 file, at its end)."""
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def test_an_api_upload_is_a_private_object_served_only_through_the_authorising_view(
    s3, client_for, client, agent, contact_user, other_contact_user, make_case
):
    case = make_case()
    # 3 MB: over FILE_UPLOAD_MAX_MEMORY_SIZE, so the upload goes through a temporary file.
    content = PNG + os.urandom(3 * 1024 * 1024)
    body = attach(client_for(agent), case, "机房照片.png", content)
    attachment = Attachment.objects.get(pk=body["id"])

    # The object is in the bucket, under the case, with exactly the uploaded bytes.
    key = str(attachment.file.name)
    assert s3.keys() == [key]
    assert key.startswith(f"cases/{case.pk}/")
    assert key.endswith("/机房照片.png")
    assert s3.body(key) == content
    assert attachment.size == len(content)

    # Private: only the owner holds a grant, and the server refuses an anonymous GET...
    grants = s3.client.get_object_acl(Bucket=s3.bucket, Key=key)["Grants"]
    assert [(g["Grantee"]["Type"], g["Permission"]) for g in grants] == [
        ("CanonicalUser", "FULL_CONTROL")
    ]
    status, _body = s3.anonymous_get(key)
    assert status == 403
    # ...though it serves the same object to a signed request, and a public-read object to anyone
    # (the refusal is the private ACL's, not a server that refuses everyone).
    assert http_get(default_storage.url(key)) == (200, content)
    s3.client.put_object(Bucket=s3.bucket, Key="public.txt", Body=b"open", ACL="public-read")
    assert s3.anonymous_get("public.txt") == (200, b"open")

    # /files/<id>/ streams the exact bytes to someone who may see the case, as a download...
    client.force_login(contact_user)
    response = client.get(f"/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert streamed(response) == content
    # ...so does the API's download, to staff...
    response = client_for(agent).get(body["url"])
    assert response.status_code == 200
    assert streamed(response) == content
    # ...and a customer contact of another organisation gets 404 from both.
    client.force_login(other_contact_user)
    assert client.get(f"/files/{attachment.pk}/").status_code == 404
    assert client_for(other_contact_user).get(body["url"]).status_code == 404


def test_an_internal_file_is_not_served_to_the_customer(
    s3, client_for, client, agent, contact_user, make_case
):
    case = make_case()
    body = attach(client_for(agent), case, "debug.log", b"stack trace", public="false")
    attachment = Attachment.objects.get(pk=body["id"])
    assert s3.body(attachment.file.name) == b"stack trace"
    client.force_login(contact_user)
    assert client.get(f"/files/{attachment.pk}/").status_code == 404
    client.force_login(agent)
    assert streamed(client.get(f"/files/{attachment.pk}/")) == b"stack trace"


def test_the_same_name_twice_makes_two_objects_and_never_overwrites(
    s3, client_for, agent, make_case
):
    case = make_case()
    staff = client_for(agent)
    first = attach(staff, case, "log.txt", b"first upload")
    second = attach(staff, case, "log.txt", b"second upload")
    names = [str(Attachment.objects.get(pk=b["id"]).file.name) for b in (first, second)]
    assert names[0] != names[1]
    assert s3.keys() == sorted(names)
    assert [streamed(staff.get(b["url"])) for b in (first, second)] == [
        b"first upload",
        b"second upload",
    ]
    # The storage itself never overwrites either (file_overwrite=False): the same key twice gets
    # a new name and leaves the first object as it was.
    one = default_storage.save("probe/same.txt", ContentFile(b"one"))
    two = default_storage.save("probe/same.txt", ContentFile(b"two"))
    assert one == "probe/same.txt"
    assert two != one
    assert two.startswith("probe/same")
    assert (s3.body(one), s3.body(two)) == (b"one", b"two")


@pytest.mark.usefixtures("frozen")
def test_a_signed_service_report_stores_its_signature_and_pdf_in_the_bucket(
    s3, client_for, contact_user, other_contact_user, request
):
    done = request.getfixturevalue("visit")
    staff = client_for(done.engineer)
    response = staff.post(
        f"/api/v1/cases/{done.case.number}/reports/",
        {"visit": done.pk, "solution": "更换光模块"},
        format="json",
    )
    assert response.status_code == 201, response.content
    rid = response.json()["id"]
    response = staff.post(
        f"/api/v1/reports/{rid}/sign/",
        {"signer_name": "王主任", "signature": request.getfixturevalue("signature")},
        format="json",
    )
    assert response.status_code == 200, response.content
    report = ServiceReport.objects.get(pk=rid)
    assert s3.keys() == sorted([str(report.signature.name), str(report.pdf.name)])
    stored_pdf = s3.body(report.pdf.name)
    assert stored_pdf.startswith(b"%PDF")
    assert s3.anonymous_get(report.pdf.name)[0] == 403
    mine = client_for(contact_user).get(f"/api/v1/reports/{rid}/pdf/")
    assert mine.status_code == 200
    assert streamed(mine) == stored_pdf
    assert client_for(other_contact_user).get(f"/api/v1/reports/{rid}/pdf/").status_code == 404


def test_the_export_purge_deletes_the_object_from_the_bucket(s3, supervisor, settings):
    settings.EXPORTS_KEEP_DAYS = 7
    job = export_request(
        by=supervisor,
        report="kpi.cases",
        params={"from": "2026-11-01", "to": "2026-11-30"},
        fmt="csv",
    )
    export_run(job_id=job.pk)
    job.refresh_from_db()
    assert s3.keys() == [job.file.name]
    assert s3.body(job.file.name).lstrip(b"\xef\xbb\xbf")  # the CSV, header row at least
    assert job.finished_at is not None
    later = job.finished_at + dt.timedelta(days=8)
    assert exports_purge(now=later) == 1
    assert s3.keys() == []


# Committed data, as test_backup.py does: SQLite's online backup waits on an open transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_says_the_files_are_in_the_bucket_and_copies_none(
    s3, make_case, agent, client_for, tmp_path
):
    attach(client_for(agent), make_case(), "photo.png", PNG + b"\x00" * 64)
    manifest = backup(tmp_path / "backup")
    assert manifest["files"] == {"stored": "external", "count": 0, "bytes": 0}
    assert not (tmp_path / "backup" / FILES).exists()


def _s3_env(tmp_path: Path, s3: S3) -> dict[str, str]:
    return {
        **_production_env(tmp_path),
        "S3_BUCKET": s3.bucket,
        "S3_ENDPOINT_URL": s3.endpoint,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY": ACCESS_KEY,
        "S3_SECRET_KEY": SECRET_KEY,
    }


def _aftersales(env: dict[str, str], *args: str, prelude: str = "") -> subprocess.CompletedProcess:
    code = (
        f"{prelude}import sys; from aftersales.cli import main; "
        f"sys.argv = ['aftersales', *{args!r}]; main()"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_from_the_environment_store_in_the_bucket(s3, tmp_path):
    env = _s3_env(tmp_path, s3)
    check = _aftersales(env, "check", "--deploy", "--fail-level", "WARNING")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no issues" in check.stdout
    saved = _aftersales(
        env,
        "shell",
        "-c",
        "from django.core.files.base import ContentFile;"
        "from django.core.files.storage import default_storage as s;"
        "print(s.save('probe/env.txt', ContentFile(b'from the environment')),"
        " type(s._wrapped).__name__)",
    )
    assert saved.returncode == 0, saved.stdout + saved.stderr
    assert saved.stdout.split()[-2:] == ["probe/env.txt", "S3Storage"]
    assert s3.keys() == ["probe/env.txt"]
    assert s3.body("probe/env.txt") == b"from the environment"


def test_s3_bucket_without_django_storages_is_refused_with_the_install_hint(s3, tmp_path):
    # django-storages is installed here: hide it from the subprocess, as on a server without it.
    result = _aftersales(
        _s3_env(tmp_path, s3), "check", prelude="import sys; sys.modules['storages'] = None; "
    )
    assert result.returncode != 0
    assert "pip install 'aftersales[s3]'" in result.stderr
