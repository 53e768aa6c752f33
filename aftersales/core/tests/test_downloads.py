"""No user content runs in our origin: every download has an allow-listed type, is an attachment
(inline only for safe images and PDFs), is never sniffed, and is sandboxed."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse, HttpResponse

from aftersales.cases.models import Attachment
from aftersales.cases.services import attachment_add
from aftersales.core import clock
from aftersales.core.downloads import DOWNLOAD_CSP, harden, safe_content_type

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def assert_safe(response, *, disposition: str = "attachment") -> None:
    assert response.status_code == 200
    assert response["Content-Disposition"].split(";")[0] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == DOWNLOAD_CSP
    base = response["Content-Type"].split(";")[0]
    assert base not in {"text/html", "image/svg+xml", "application/javascript", "text/xml"}


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("text/html; charset=utf-8", "application/octet-stream"),
        ("image/svg+xml", "application/octet-stream"),
        ("application/javascript", "application/octet-stream"),
        ("application/xhtml+xml", "application/octet-stream"),
        ("text/xml", "application/octet-stream"),
        ("", "application/octet-stream"),
        ("IMAGE/PNG", "image/png"),
        ("text/csv; charset=utf-8", "text/csv; charset=utf-8"),
        ("text/plain; charset=utf-8; x=<script>", "text/plain"),
        ("application/pdf", "application/pdf"),
    ],
)
def test_content_types_come_from_the_allow_list(given, sent):
    assert safe_content_type(given) == sent


def test_an_inline_web_page_becomes_an_attachment_of_no_type():
    response = HttpResponse(b"<script>alert(1)</script>", content_type="text/html")
    response["Content-Disposition"] = 'inline; filename="x.html"'
    harden(response)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="x.html"'
    assert response["Content-Security-Policy"] == DOWNLOAD_CSP


def test_an_inline_png_stays_inline():
    response = FileResponse(ContentFile(PNG, name="s.png"), content_type="image/png")
    harden(response)
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_case_file_downloads_are_hardened_in_the_api_and_the_page(
    client, client_for, agent, make_case
):
    case = make_case()
    attachment = attachment_add(case=case, by=agent, upload=SimpleUploadedFile("a.png", PNG))
    api = client_for(agent).get(f"/api/v1/cases/{case.number}/attachments/{attachment.pk}/")
    assert_safe(api)
    assert api["Content-Type"] == "image/png"
    client.force_login(agent)
    page = client.get(f"/files/{attachment.pk}/")
    assert_safe(page)
    assert b"".join(page.streaming_content) == PNG


def test_a_stored_file_with_an_executable_type_is_served_as_bytes(client, agent, make_case):
    # given a row stored before the content check existed, claiming to be a web page
    case = make_case()
    attachment = Attachment(
        case=case,
        name="page.html",
        content_type="text/html",
        size=30,
        uploaded_by=agent,
        uploaded_at=clock.now(),
    )
    attachment.file.save("page.html", ContentFile(b"<script>alert(1)</script>"), save=False)
    attachment.save()
    client.force_login(agent)
    # when
    response = client.get(f"/files/{attachment.pk}/")
    # then
    assert_safe(response)
    assert response["Content-Type"] == "application/octet-stream"


def test_calendar_exports_are_hardened(client_for, admin_user):
    csv = client_for(admin_user).get("/api/v1/calendars/cn-5x8/export/")
    assert_safe(csv)
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    ics = client_for(admin_user).get("/api/v1/calendars/cn-5x8/export/", {"format": "ics"})
    assert_safe(ics)
    assert ics["Content-Type"] == "text/calendar"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_parts_exports_are_hardened(client, make_user, fmt):
    client.force_login(make_user("parts_clerk", username="clerk"))
    assert_safe(client.get(f"/parts/export/stock.{fmt}"))


def test_pages_and_api_answers_are_not_touched(client, agent):
    client.force_login(agent)
    page = client.get("/console/")
    assert page["Content-Type"].startswith("text/html")
    assert page["Content-Security-Policy"] != DOWNLOAD_CSP
    assert "Content-Disposition" not in page
