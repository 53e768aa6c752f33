"""Case files: limits, visibility, downloads only for those who may see the case."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from aftersales.cases.models import Attachment
from aftersales.cases.services import attachment_add
from aftersales.core.errors import ValidationFailed

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def upload(name="photo.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


def test_attach_records_the_file_and_a_timeline_entry(make_case, contact_user):
    case = make_case()
    attachment = attachment_add(case=case, by=contact_user, upload=upload("机房照片.png"))
    assert (attachment.name, attachment.size, attachment.content_type, attachment.is_public) == (
        "机房照片.png",
        len(PNG),
        "image/png",
        True,
    )
    assert attachment.file.read() == PNG
    event = case.events.get(kind="attached")
    assert (event.new_value, event.is_public, event.actor) == ("机房照片.png", True, contact_user)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("run.exe", b"MZ...", "not accepted"),
        ("page.html", b"<script>", "not accepted"),
        ("empty.log", b"", "empty"),
        ("noextension", b"x", "not accepted"),
    ],
)
def test_refused_files_write_nothing(make_case, agent, name, content, message, english):
    case = make_case()
    with pytest.raises(ValidationFailed) as info:
        attachment_add(case=case, by=agent, upload=upload(name, content))
    assert message in str(info.value.message)
    assert Attachment.objects.count() == 0
    assert not case.events.filter(kind="attached").exists()


def test_size_limit_is_clear(make_case, agent, settings, english):
    settings.CASES_ATTACHMENT_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationFailed) as info:
        attachment_add(
            case=make_case(), by=agent, upload=upload("big.log", b"x" * (2 * 1024 * 1024))
        )
    assert str(info.value.message) == "The file is 2.0 MB; the limit is 1 MB."


def test_customers_cannot_add_internal_files(make_case, contact_user):
    with pytest.raises(ValidationFailed):
        attachment_add(case=make_case(), by=contact_user, upload=upload(), public=False)


def test_api_upload_list_and_download(
    client_for, agent, contact_user, other_contact_user, make_case
):
    case = make_case()
    staff = client_for(agent)
    url = f"/api/v1/cases/{case.number}/attachments/"
    public = staff.post(url, {"file": upload("a.png")}, format="multipart")
    internal = staff.post(
        url, {"file": upload("内部.log", b"debug"), "public": "false"}, format="multipart"
    )
    assert (public.status_code, internal.status_code) == (201, 201)
    assert [a["name"] for a in staff.get(url).json()] == ["a.png", "内部.log"]
    customer = client_for(contact_user)
    assert [a["name"] for a in customer.get(url).json()] == ["a.png"]
    download = customer.get(public.json()["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    # the internal file and another organisation's customer: 404, as if it did not exist
    assert customer.get(internal.json()["url"]).status_code == 404
    other = client_for(other_contact_user)
    assert other.get(public.json()["url"]).status_code == 404
    assert other.get(url).status_code == 404
    assert staff.get(f"{url}999999/").status_code == 404


def test_api_rejects_a_bad_file_with_400(client_for, agent, make_case):
    case = make_case()
    response = client_for(agent).post(
        f"/api/v1/cases/{case.number}/attachments/",
        {"file": upload("x.exe", b"MZ")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "file" in response.json()
