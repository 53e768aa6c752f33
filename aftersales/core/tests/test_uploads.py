"""Uploads are judged by their bytes: the shared check, and every upload point that uses it."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook
from PIL import Image

from aftersales.calendars.models import CalendarDay
from aftersales.cases.models import Attachment, Case, CaseEvent
from aftersales.core.errors import ValidationFailed
from aftersales.core.uploads import UploadValidator, check_bytes, check_upload, is_text

pytestmark = pytest.mark.django_db


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, format=fmt)
    return out.getvalue()


def xlsx() -> bytes:
    book = Workbook()
    book.active.append(["序列号", "故障"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zipped(**members: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in members.items():
            archive.writestr(name.replace("__", "/"), text)
    return out.getvalue()


PNG = image("PNG")
JPEG = image("JPEG")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
DOCX = zipped(**{"[Content_Types].xml": "<Types/>", "word__document.xml": "<w:document/>"})

ACCEPTED = {
    "png": ("现场.png", PNG, "image/png"),
    "jpeg": ("photo.JPG", JPEG, "image/jpeg"),
    "gif": ("a.gif", image("GIF"), "image/gif"),
    "pdf": ("manual.pdf", PDF, "application/pdf"),
    "xlsx": (
        "parts.xlsx",
        xlsx(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),  # noqa: E501
    "docx": (
        "report.docx",
        DOCX,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),  # noqa: E501
    "zip": ("logs.zip", zipped(**{"a.log": "x"}), "application/zip"),
    "log": ("system.log", b"2026-11-02 08:01:02 E-102 fan failure\r\n\tat slot 3\n", "text/plain"),
    "utf8-csv": ("serials.csv", "序列号,故障\nSN-1,风扇\n".encode(), "text/csv"),
    "gbk-csv": ("serials.csv", "序列号,故障\nSN-1,风扇\n".encode("gb18030"), "text/csv"),
    "utf16-txt": ("notes.txt", "备注 ok".encode("utf-16"), "text/plain"),
    "xml-config": (
        "router.xml",
        b'<?xml version="1.0"?><config><vlan id="3"/></config>',
        "text/plain",
    ),  # noqa: E501
    "json": ("dump.json", b'{"error": "E-102"}', "application/json"),
    "gzip": ("logs.tgz", b"\x1f\x8b\x08\x00" + b"\x00" * 20, "application/gzip"),
    "pcap": (
        "trace.pcap",
        b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + b"\x00" * 40,
        "application/vnd.tcpdump.pcap",
    ),  # noqa: E501
    "old-word": (
        "letter.doc",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
        "application/msword",
    ),  # noqa: E501
}

REFUSED = {
    "exe-as-pdf": ("invoice.pdf", EXE),
    "exe-as-png": ("photo.png", EXE),
    "elf-as-log": ("system.log", ELF),
    "html-as-pdf": ("manual.pdf", HTML),
    "html-as-png": ("photo.png", HTML),
    "html-as-txt": ("readme.txt", HTML),
    "svg-as-xml": ("drawing.xml", SVG),
    "png-as-jpg": ("photo.jpg", PNG),
    "pdf-as-docx": ("report.docx", PDF),
    "plain-zip-as-docx": ("report.docx", zipped(**{"a.txt": "x"})),
    "truncated-zip": ("logs.zip", b"PK\x03\x04" + b"\x00" * 40),
    "binary-as-csv": ("serials.csv", bytes(range(256)) * 4),
    "exe-as-exe": ("setup.exe", EXE),
    "html": ("page.html", HTML),
    "svg": ("logo.svg", SVG),
    "no-extension": ("README", b"hello"),
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    # The browser's claimed type is ignored: it says what the sender wants it to say.
    return SimpleUploadedFile(name, content, content_type="image/png")


# --- The check itself ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "served_as"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_a_file_whose_bytes_match_its_name_is_accepted(name, content, served_as):
    checked = check_upload(upload(name, content))
    assert (checked.name, checked.content_type, checked.size) == (name, served_as, len(content))


@pytest.mark.parametrize(("name", "content"), REFUSED.values(), ids=REFUSED.keys())
def test_a_file_whose_bytes_contradict_its_name_is_refused(name, content):
    with pytest.raises(ValidationFailed) as caught:
        check_upload(upload(name, content))
    assert caught.value.as_data()["file"][0].endswith(("not accepted.", "was not accepted."))


def test_the_refusal_says_what_the_file_really_is():
    with pytest.raises(ValidationFailed) as caught:
        check_bytes(EXE, name="invoice.pdf", field="files")
    assert caught.value.as_data() == {
        "files": ["“invoice.pdf” is a program or a web page, not a .pdf file; it was not accepted."]
    }
    with pytest.raises(ValidationFailed) as caught:
        check_bytes(PNG, name="photo.jpg")
    assert caught.value.as_data() == {
        "file": ["The content of “photo.jpg” is not a .jpg file; it was not accepted."]
    }


def test_size_is_checked_before_content(settings):
    settings.CASES_ATTACHMENT_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationFailed) as caught:
        check_bytes(b"x" * (2 * 1024 * 1024), name="big.log")
    assert caught.value.message == "The file is 2.0 MB; the limit is 1 MB."
    with pytest.raises(ValidationFailed) as caught:
        check_bytes(b"", name="empty.log")
    assert caught.value.message == "The file is empty."


def test_the_accepted_extensions_can_be_narrowed():
    assert check_bytes(PNG, name="s.png", accept={".png"}).content_type == "image/png"
    with pytest.raises(ValidationFailed):
        check_bytes(PDF, name="s.pdf", accept={".png"})


def test_a_path_in_the_name_is_dropped():
    assert check_bytes(PNG, name="..\\..\\etc/passwd/photo.png").name == "photo.png"


def test_text_recognition():
    assert is_text("日志\n".encode())
    assert is_text(b"\xef\xbb\xbfBOM first")
    assert not is_text(b"abc\x00def")
    assert not is_text(b"  <html><body>x</body></html>")
    assert not is_text(b"<!-- note --><script>alert(1)</script>")
    # a log that quotes a web page further down is still a log
    assert is_text(b"GET / 200\nbody: <html><script>x</script></html>\n")


def test_the_form_validator_raises_a_form_error():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        UploadValidator()(upload("photo.png", HTML))
    assert "was not accepted" in caught.value.messages[0]
    UploadValidator()(upload("photo.png", PNG))


# --- Upload points -------------------------------------------------------------------------------


def nothing_attached() -> bool:
    return (
        not Attachment.objects.exists() and not CaseEvent.objects.filter(kind="attached").exists()
    )


def test_api_case_attachment_refuses_a_program_named_pdf(client_for, agent, make_case):
    case = make_case()
    response = client_for(agent).post(
        f"/api/v1/cases/{case.number}/attachments/",
        {"file": upload("invoice.pdf", EXE)},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["file"] == [
        "“invoice.pdf” is a program or a web page, not a .pdf file; it was not accepted."
    ]
    assert nothing_attached()


def test_api_case_attachment_keeps_a_real_pdf_with_its_real_type(client_for, agent, make_case):
    case = make_case()
    response = client_for(agent).post(
        f"/api/v1/cases/{case.number}/attachments/",
        {"file": SimpleUploadedFile("manual.pdf", PDF, content_type="text/html")},
        format="multipart",
    )
    assert response.status_code == 201
    assert Attachment.objects.get().content_type == "application/pdf"


def test_console_attach_refuses_html_named_png(client, agent, make_case):
    client.force_login(agent)
    case = make_case()
    response = client.post(
        f"/console/cases/{case.number}/attach/",
        {"attach-attachment": upload("photo.png", HTML), "attach-public": "1"},
        follow=True,
    )
    assert response.status_code == 200
    assert nothing_attached()


def test_console_new_case_with_a_bad_file_registers_nothing(client, agent, customer):
    client.force_login(agent)
    response = client.post(
        "/console/cases/new/",
        {
            "customer": customer.code,
            "case_type": "fault",
            "channel": "fax",
            "severity": "C-3",
            "summary": "传真报修",
            "description": "见附件",
            "attachment": upload("fax.png", EXE),
        },
    )
    assert response.status_code in (200, 400)
    assert "attachment" in response.context["form"].errors
    assert Case.objects.count() == 0
    assert nothing_attached()


def test_console_reply_with_a_bad_file_adds_nothing(client, agent, make_case):
    client.force_login(agent)
    case = make_case()
    comments = case.comments.count()
    client.post(
        f"/console/cases/{case.number}/reply/",
        {
            "reply-body": "see file",
            "reply-public": "1",
            "reply-attachment": upload("trace.log", ELF),
        },
    )
    assert case.comments.count() == comments
    assert nothing_attached()


def test_portal_request_with_a_bad_file_registers_nothing(client, contact_user, asset):
    client.force_login(contact_user)
    response = client.post(
        "/portal/requests/new/",
        {
            "asset": asset.serial_number,
            "case_type": "fault",
            "severity": "C-3",
            "summary": "打印机卡纸",
            "description": "见照片",
            "files": [upload("photo.png", PNG), upload("photo2.png", HTML)],
        },
    )
    assert response.status_code == 200
    assert "photo2.png" in str(response.context["form"].errors["files"])
    assert Case.objects.count() == 0
    assert nothing_attached()


def test_portal_reply_with_a_bad_file_adds_nothing(client, contact_user, make_case):
    client.force_login(contact_user)
    case = make_case()
    comments = case.comments.count()
    client.post(
        f"/portal/cases/{case.number}/reply/",
        {"body": "照片见附件", "files": [upload("photo.jpg", EXE)]},
    )
    assert case.comments.count() == comments
    assert nothing_attached()


def test_service_report_signature_must_be_a_png_by_its_bytes():
    from aftersales.servicereports.signature import signature_png

    for fake in (HTML, EXE, JPEG):
        data_url = "data:image/png;base64," + base64.b64encode(fake).decode()
        with pytest.raises(ValidationFailed) as caught:
            signature_png(data_url)
        assert caught.value.as_data() == {"signature": ["The signature is not a PNG image."]}


def test_calendar_import_refuses_a_program_named_csv(client_for, admin_user):
    before = list(CalendarDay.objects.values_list("pk", flat=True))
    response = client_for(admin_user).post(
        "/api/v1/calendars/cn-5x8/import/",
        {"file": upload("holidays.csv", EXE + b"\n2027-01-01,holiday,x\n")},
        format="multipart",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert list(CalendarDay.objects.values_list("pk", flat=True)) == before


def test_calendar_import_refuses_a_web_page_named_ics(client_for, admin_user):
    before = CalendarDay.objects.count()
    response = client_for(admin_user).post(
        "/api/v1/calendars/cn-5x8/import/",
        {"file": upload("holidays.ics", HTML)},
        format="multipart",
    )
    assert response.status_code == 400
    assert CalendarDay.objects.count() == before


def test_training_materials_in_the_admin_are_checked(client, make_user, customer):
    from aftersales.training.models import Course, CustomerTrainingSession

    admin = make_user("admin", username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    course = Course.objects.create(code="OP-1", name="操作培训", audience="customer")
    form = {
        "course": course.pk,
        "customer": customer.pk,
        "held_on": "2026-11-02",
        "trainer": admin.pk,
        "location": "",
        "notes": "",
        "attendees-TOTAL_FORMS": "0",
        "attendees-INITIAL_FORMS": "0",
        "attendees-MIN_NUM_FORMS": "0",
        "attendees-MAX_NUM_FORMS": "1000",
    }
    url = "/admin/training/customertrainingsession/add/"
    refused = client.post(url, {**form, "materials": upload("slides.pdf", EXE)})
    assert refused.status_code == 200
    assert "materials" in refused.context["adminform"].form.errors
    assert CustomerTrainingSession.objects.count() == 0
    accepted = client.post(url, {**form, "materials": upload("slides.pdf", PDF)})
    assert accepted.status_code == 302
    assert CustomerTrainingSession.objects.count() == 1
