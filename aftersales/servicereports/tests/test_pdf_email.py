"""The PDF: Chinese text extracted with pdftotext, a rendered page that is not blank, A4; and
the e-mail to the customer through a real SMTP server on loopback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from aftersales.cases.models import CaseEvent
from aftersales.servicereports import selectors, services

pytestmark = pytest.mark.usefixtures("frozen")


def signed(visit, signature, *, by=None, email="", capture=None):
    report = services.report_create(
        case=visit.case,
        visit=visit,
        by=by or visit.engineer,
        diagnosis="光模块老化导致链路抖动",
        solution="更换光模块，重新插拔跳线",
        test_results="连续 ping 两小时零丢包，端口无掉线告警",
    )
    return services.report_sign(
        report=report,
        by=by or visit.engineer,
        signer_name="王主任",
        signature=signature,
        signer_email=email,
    )


def pdftotext(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
    )
    return out.stdout.decode("utf-8")


def test_pdf_has_the_chinese_content_and_a_visible_page(visit, signature, tmp_path):
    report = signed(visit, signature)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report.pdf.read())
    text = pdftotext(pdf)
    for expected in (
        visit.case.number,
        "上海市第一人民医院",
        "CT 机房核心交换机端口掉线",
        "光模块老化导致链路抖动",
        "更换光模块，重新插拔跳线",
        "更换光模块并重新插拔跳线，观察两小时无掉线",
        "SFP-OLD-1",
        "SFP-NEW-9",
        "连续 ping 两小时零丢包",
        "王主任",
    ):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True).stdout
    assert b"WenQuanYi" in fonts or b"NotoSansCJK" in fonts
    # A4 (595 x 842 points)
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True).stdout.decode()
    assert "595.276 x 841.89" in info or "595.28 x 841.89" in info, info

    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    [png] = sorted(tmp_path.glob("page*.png"))
    with Image.open(png) as page:
        gray = page.convert("L")
        dark = sum(gray.histogram()[:128])
        assert dark > 500, "the first page rendered (almost) blank"


def test_addendum_makes_a_new_pdf_version_and_keeps_the_original(visit, signature, agent, tmp_path):
    report = signed(visit, signature)
    services.addendum_add(report=report, by=agent, text="补充说明：客户要求下周回访")
    report = selectors.report_visible_to(user=agent, pk=report.pk)
    new = tmp_path / "new.pdf"
    new.write_bytes(selectors.current_pdf(report).read())
    original = tmp_path / "original.pdf"
    original.write_bytes(report.pdf.read())
    assert "补充说明：客户要求下周回访" in pdftotext(new)
    assert "补充说明" not in pdftotext(original)


def test_signing_emails_the_pdf_to_the_case_contact(
    visit, signature, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = signed(visit, signature)
    [message] = smtp.messages
    assert message["To"] == "wang@hospital.example.cn"
    assert f"[{visit.case.number}]" in message["Subject"]
    assert message["Message-ID"].startswith(f"<case.{visit.case.number}.")
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename().endswith(".pdf")
    data = attachment.get_content()
    assert data.startswith(b"%PDF")
    assert data == report.pdf.open("rb").read()
    event = CaseEvent.objects.filter(case=visit.case, kind="report").last()
    assert event.data["action"] == "emailed"


def test_signer_email_wins_and_a_failed_send_keeps_the_signature(
    visit, signature, smtp, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed(visit, signature, email="it@hospital.example.cn")
    assert [m["To"] for m in smtp.messages] == ["it@hospital.example.cn"]


def test_unreachable_smtp_is_noted_and_signature_kept(
    visit, signature, settings, django_capture_on_commit_callbacks
):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    with django_capture_on_commit_callbacks(execute=True):
        report = signed(visit, signature)
    report.refresh_from_db()
    assert report.status == "signed"
    event = CaseEvent.objects.filter(case=visit.case, kind="report").last()
    assert event.data["action"] == "email_failed"
    assert not event.is_public
