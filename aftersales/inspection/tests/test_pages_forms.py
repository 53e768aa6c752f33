"""The staff checklist pages, the portal signature, the PDF's Chinese text and the Excel export."""

from __future__ import annotations

import io
import subprocess

import pytest
from openpyxl import load_workbook

from aftersales.catalog.models import Asset
from aftersales.inspection import rendering, services
from aftersales.inspection.models import Inspection
from aftersales.inspection.tests.conftest import DOCS, initial_checks, professional_checks
from aftersales.servicereports.tests.conftest import drawn_signature

pytestmark = pytest.mark.django_db


def _signed_through_professional(delivery, agent, inspector, products, voltage="220"):
    services.initial_inspection_sign(
        delivery=delivery,
        by=agent,
        checks=initial_checks(delivery, documents_present=DOCS[:3]),
        signer_name="李工",
        signer_role="验收组",
        signature=drawn_signature(),
    )
    services.professional_inspection_sign(
        delivery=delivery,
        by=inspector,
        checks=professional_checks(delivery, products, voltage=voltage),
        signer_name="赵质检",
        signature=drawn_signature(),
    )


def test_tablet_checklist_pages_sign_the_stages(client, delivery, agent, inspector, products):
    client.force_login(agent)
    url = f"/inspection/{delivery.pk}/stage/initial/"
    page = client.get(url)
    assert page.status_code == 200
    assert "产品合格证" in page.content.decode()
    switch, ups = delivery.lines.order_by("position")
    form = {
        "signer_name": "李工",
        "signer_role": "验收组",
        "signature": drawn_signature(),
        f"counted-{switch.pk}": "2",
        f"appearance-{switch.pk}": "ok",
        f"documents-{switch.pk}": DOCS,
        f"counted-{ups.pk}": "1",
        f"appearance-{ups.pk}": "ok",
    }
    # No signature: the page comes back with the error and nothing is signed.
    answer = client.post(url, {**form, "signature": ""})
    assert answer.status_code == 400
    assert not Inspection.objects.exists()
    answer = client.post(url, form)
    assert answer.status_code == 302
    assert Inspection.objects.get().stage == "initial"
    # Professional page: an agent is refused, the inspector signs.
    url = f"/inspection/{delivery.pk}/stage/professional/"
    # One set of measurements per serial number (SW-A1, SW-A2); the second unit fails.
    values = {
        f"m-{switch.pk}-0-{products['voltage'].pk}": "221",
        f"m-{switch.pk}-0-{products['ports'].pk}": "99.5",
        f"verdict-{switch.pk}-0": "pass",
        f"m-{switch.pk}-1-{products['voltage'].pk}": "221",
        f"m-{switch.pk}-1-{products['ports'].pk}": "97",
        f"verdict-{switch.pk}-1": "pass",
        f"verdict-{ups.pk}-0": "pass",
        "signer_name": "赵质检",
        "signature": drawn_signature(),
    }
    assert client.post(url, values).status_code == 400
    client.force_login(inspector)
    assert "输入电压" in client.get(url).content.decode()
    assert client.post(url, values).status_code == 302
    detail = client.get(f"/inspection/{delivery.pk}/").content.decode()
    assert "赵质检" in detail
    checks = Inspection.objects.get(stage="professional").checks.filter(line=switch)
    assert {(c.serial, c.verdict) for c in checks} == {("SW-A1", "pass"), ("SW-A2", "fail")}
    switch.refresh_from_db()
    assert switch.verdict == "fail"
    assert "端口通过率" in switch.reasons


def test_portal_lists_and_purchaser_signs_final(
    client, delivery, agent, inspector, products, contact_user, other_contact_user
):
    services.initial_inspection_sign(
        delivery=delivery,
        by=agent,
        checks=initial_checks(delivery),
        signer_name="李工",
        signer_role="验收组",
        signature=drawn_signature(),
    )
    services.professional_inspection_sign(
        delivery=delivery,
        by=inspector,
        checks=professional_checks(delivery, products),
        signer_name="赵质检",
        signature=drawn_signature(),
    )
    client.force_login(other_contact_user)
    assert str(delivery) not in client.get("/inspection/portal/").content.decode()
    assert client.get(f"/inspection/portal/{delivery.pk}/").status_code == 404
    client.force_login(contact_user)
    assert str(delivery) in client.get("/inspection/portal/").content.decode()
    page = client.get(f"/inspection/portal/{delivery.pk}/").content.decode()
    assert "signature-pad" in page
    ups = delivery.lines.order_by("position")[1]
    # Refusing without a reason is sent back, nothing accepted.
    answer = client.post(
        f"/inspection/portal/{delivery.pk}/",
        {"signer_name": "王工", "signature": drawn_signature(), f"reject-{ups.pk}": "on"},
    )
    assert answer.status_code == 400
    assert not Asset.objects.exists()
    answer = client.post(
        f"/inspection/portal/{delivery.pk}/",
        {"signer_name": "王工", "signature": drawn_signature()},
    )
    assert answer.status_code == 302
    assert Asset.objects.filter(customer=delivery.customer).count() == 3
    final = Inspection.objects.get(stage="final")
    assert "不间断电源 10kVA" in page  # offered for refusal
    assert final.signed_by == contact_user


def test_pdf_has_the_form_in_chinese(client, delivery, agent, inspector, products, tmp_path):
    _signed_through_professional(delivery, agent, inspector, products, voltage="180")
    client.force_login(agent)
    answer = client.get(f"/inspection/{delivery.pk}/form.pdf")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    path = tmp_path / "form.pdf"
    path.write_bytes(answer.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    compact = "".join(text.split())  # table cells wrap long words
    for expected in (
        rendering.FORM_TITLE,
        "上海市第一人民医院",
        "核心交换机",
        "SW-9300",
        "影像中心网络改造",
        "产品合格证",  # the missing document, as the reason of the failed line
        "输入电压",
        "李工",
        "赵质检",
    ):
        assert expected in compact, text
    # The signatures are drawn into the PDF as images.
    images = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert len(images.strip().splitlines()) >= 4  # header lines + two signatures


def test_excel_export_and_visibility(
    client, delivery, agent, inspector, products, other_contact_user
):
    _signed_through_professional(delivery, agent, inspector, products)
    client.force_login(agent)
    answer = client.get(f"/inspection/{delivery.pk}/form.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == rendering.FORM_TITLE
    assert rows[1][1] == "上海市第一人民医院"
    body = [r for r in rows[8:] if r and r[1]]
    assert len(body) == 4  # two lines × (initial + professional)
    assert any(r[1] == "核心交换机 S9300" and "产品合格证" in (r[8] or "") for r in body)
    client.force_login(other_contact_user)
    assert client.get(f"/inspection/{delivery.pk}/form.xlsx").status_code == 404
    assert client.get(f"/inspection/{delivery.pk}/form.pdf").status_code == 404


def test_case_pages_show_the_inspection_panel(
    client, delivery, agent, inspector, products, contact_user
):
    _signed_through_professional(delivery, agent, inspector, products)
    switch = delivery.lines.order_by("position")[0]
    case = services.nonconformity_case_open(line=switch, by=agent, case_type="fault")
    client.force_login(agent)
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert 'id="inspection-panel"' in page
    assert "产品合格证" in page
    client.force_login(contact_user)
    page = client.get(f"/portal/cases/{case.number}/").content.decode()
    assert f"/inspection/portal/{delivery.pk}/" in page
