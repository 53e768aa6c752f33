"""The three stages, disputes, assets on pass, cases on failure, immutability and permissions,
all through the API."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.catalog.models import Asset
from aftersales.inspection.models import (
    Delivery,
    Inspection,
    InspectionImmutable,
    LineCheck,
)
from aftersales.inspection.tests.conftest import DOCS, initial_checks, professional_checks
from aftersales.servicereports.tests.conftest import drawn_signature

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def sign(extra: dict, name: str = "李工") -> dict:
    return {"signer_name": name, "signer_role": "验收组", "signature": drawn_signature(), **extra}


def do_initial(client, delivery, **override):
    return client.post(
        f"{BASE}/deliveries/{delivery.pk}/initial/",
        sign({"checks": initial_checks(delivery, **override)}),
        format="json",
    )


def do_professional(client, delivery, products, **kw):
    return client.post(
        f"{BASE}/deliveries/{delivery.pk}/professional/",
        sign({"checks": professional_checks(delivery, products, **kw)}, name="赵质检"),
        format="json",
    )


def do_final(client, delivery):
    return client.post(
        f"{BASE}/deliveries/{delivery.pk}/final/", sign({}, name="王工"), format="json"
    )


def test_create_delivery_and_bad_input(client_for, agent, customer, products, other_customer):
    client = client_for(agent)
    body = {
        "customer": customer.pk,
        "delivery_date": "2026-11-20",
        "lines": [{"product": products["switch"].pk, "quantity": 2, "serials": ["X-1"]}],
    }
    answer = client.post(f"{BASE}/deliveries/", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["lines"][0]["serials"] == ["X-1"]
    for bad in (
        {**body, "lines": []},
        {**body, "delivery_date": "yesterday"},
        {**body, "lines": [{"product": products["switch"].pk, "quantity": 0}]},
        {
            **body,
            "lines": [{"product": products["switch"].pk, "quantity": 1, "serials": ["A", "B"]}],
        },
        {**body, "lines": [{"product": 99999, "quantity": 1}]},
        {**body, "customer": None},
    ):
        assert client.post(f"{BASE}/deliveries/", bad, format="json").status_code == 400
    assert Delivery.objects.count() == 1


def test_happy_path_assets_and_notification(
    client_for,
    delivery,
    agent,
    inspector,
    contact_user,
    products,
    customer,
    django_capture_on_commit_callbacks,
):
    assert do_initial(client_for(agent), delivery).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        answer = do_professional(client_for(inspector), delivery, products)
    assert answer.status_code == 201, answer.json()
    assert {line["verdict"] for line in answer.json()["lines"]} == {"pass"}
    # The signed summary went to the purchaser and the supplier.
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"wang@hospital.example.cn", "sales@supplier.example.cn"}
    assert "核心交换机 S9300" in mail.outbox[0].body
    # The purchaser's contact signs the final stage; the units become the customer's assets.
    answer = do_final(client_for(contact_user), delivery)
    assert answer.status_code == 201, answer.json()
    assets = Asset.objects.filter(customer=customer).order_by("serial_number")
    assert [a.serial_number for a in assets] == ["SW-A1", "SW-A2", "UPS-B1"]
    assert all(a.delivery_date == datetime.date(2026, 11, 20) for a in assets)
    assert all(a.acceptance.accepted_on for a in assets)
    assert answer.json()["status"] == "accepted"
    # Project final acceptance sets the date on its assets.
    answer = client_for(agent).post(
        f"{BASE}/deliveries/{delivery.pk}/final-acceptance/", {"date": "2026-12-01"}, format="json"
    )
    assert answer.status_code == 403  # agents may not: contract managers do
    from django.contrib.auth import get_user_model

    boss = get_user_model().objects.create(username="boss", role="supervisor")
    answer = client_for(boss).post(
        f"{BASE}/deliveries/{delivery.pk}/final-acceptance/", {"date": "2026-12-01"}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["assets_updated"] == 3
    assert set(assets.values_list("final_acceptance_date", flat=True)) == {
        datetime.date(2026, 12, 1)
    }


def test_missing_document_fails_the_line(client_for, delivery, agent):
    answer = do_initial(client_for(agent), delivery, documents_present=DOCS[:3])
    assert answer.status_code == 201
    switch = answer.json()["lines"][0]
    assert switch["verdict"] == "fail"
    assert "产品合格证" in switch["reasons"]
    check = LineCheck.objects.get(line_id=switch["id"])
    assert check.verdict == "fail"


def test_shortfall_and_damage_fail_the_line(client_for, delivery, agent):
    answer = do_initial(
        client_for(agent),
        delivery,
        quantity_counted=1,
        appearance_ok=False,
        appearance_note="外壳凹陷",
    )
    reasons = answer.json()["lines"][0]["reasons"]
    assert "1" in reasons
    assert "外壳凹陷" in reasons


def test_initial_bad_input_changes_nothing(client_for, delivery, agent):
    client = client_for(agent)
    url = f"{BASE}/deliveries/{delivery.pk}/initial/"
    checks = initial_checks(delivery)
    for body in (
        sign({"checks": checks[:1]}),  # a line without a check
        sign({"checks": checks, "signature": "data:image/png;base64,xx"}),
        sign({"checks": checks, "signature": drawn_signature(blank=True)}),
        sign({"checks": checks, "signer_name": ""}),
        sign({"checks": [{**checks[0], "quantity_counted": "two"}, checks[1]]}),
        sign({"checks": [{**checks[0], "line": 99999}, checks[1]]}),
        sign({"checks": "all fine"}),
    ):
        assert client.post(url, body, format="json").status_code == 400
    assert not Inspection.objects.exists()
    assert not LineCheck.objects.exists()
    delivery.refresh_from_db()
    assert delivery.status == "expected"


def test_only_inspectors_sign_professional(client_for, delivery, agent, supervisor, products):
    do_initial(client_for(agent), delivery)
    for user in (agent, supervisor):
        assert do_professional(client_for(user), delivery, products).status_code == 403
    assert not Inspection.objects.filter(stage="professional").exists()


def test_stage_order_and_customer_permissions(
    client_for, delivery, agent, inspector, contact_user, other_contact_user, products
):
    # Out of order: 409.
    assert do_professional(client_for(inspector), delivery, products).status_code == 409
    assert do_final(client_for(contact_user), delivery).status_code == 409
    # Another organisation's contact does not see it at all.
    other = client_for(other_contact_user)
    assert other.get(f"{BASE}/deliveries/{delivery.pk}/").status_code == 404
    assert other.get(f"{BASE}/deliveries/").json() == []
    # The purchaser's contact sees it, but may not sign the inspectors' stage.
    assert client_for(contact_user).get(f"{BASE}/deliveries/").json()[0]["id"] == delivery.pk
    assert do_initial(client_for(contact_user), delivery).status_code == 403


def test_out_of_limits_measurement_fails_and_opens_case(
    client_for, delivery, agent, inspector, products
):
    do_initial(client_for(agent), delivery)
    answer = client_for(inspector).post(
        f"{BASE}/deliveries/{delivery.pk}/professional/",
        {
            "data": json.dumps(
                sign({"checks": professional_checks(delivery, products, voltage="180")})
            ),
            f"photo:{delivery.lines.order_by('position')[0].pk}": SimpleUploadedFile(
                "photo.jpg", b"\xff\xd8\xff\xe0 jpeg", content_type="image/jpeg"
            ),
        },
        format="multipart",
    )
    assert answer.status_code == 201, answer.json()
    switch = answer.json()["lines"][0]
    assert switch["verdict"] == "fail"
    assert "输入电压" in switch["reasons"]
    assert answer.json()["inspections"][1]["files"][0]["kind"] == "photo"
    # A non-conforming line opens a return/exchange case with the evidence attached.
    answer = client_for(agent).post(
        f"{BASE}/delivery-lines/{switch['id']}/case/",
        {"case_type": "return_exchange"},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    from aftersales.cases.models import Case

    case = Case.objects.get(number=answer.json()["case"])
    assert case.case_type == "return_exchange"
    assert case.inspection_link.line_id == switch["id"]
    assert [a.name for a in case.attachments.all()] == ["photo.jpg"]
    assert "输入电压" in case.description
    # Once per line; a conforming line opens none; bad type is 400.
    assert (
        client_for(agent)
        .post(f"{BASE}/delivery-lines/{switch['id']}/case/", {}, format="json")
        .status_code
        == 409
    )
    ups = delivery.lines.order_by("position")[1]
    assert (
        client_for(agent)
        .post(f"{BASE}/delivery-lines/{ups.pk}/case/", {}, format="json")
        .status_code
        == 409
    )
    assert (
        client_for(agent)
        .post(
            f"{BASE}/delivery-lines/{switch['id']}/case/", {"case_type": "complaint"}, format="json"
        )
        .status_code
        == 400
    )
    # The final stage then accepts only the conforming UPS.
    assert do_final(client_for(agent), delivery).status_code == 201
    assert list(Asset.objects.values_list("serial_number", flat=True)) == ["UPS-B1"]


def test_professional_fail_needs_reasons(client_for, delivery, agent, inspector, products):
    do_initial(client_for(agent), delivery)
    checks = professional_checks(delivery, products)
    checks[1]["verdict"] = "fail"
    answer = client_for(inspector).post(
        f"{BASE}/deliveries/{delivery.pk}/professional/", sign({"checks": checks}), format="json"
    )
    assert answer.status_code == 400
    checks[1]["reasons"] = "输出波形畸变"
    checks[0]["measurements"] = checks[0]["measurements"][:1]  # an item not measured
    answer = client_for(inspector).post(
        f"{BASE}/deliveries/{delivery.pk}/professional/", sign({"checks": checks}), format="json"
    )
    assert answer.status_code == 400
    assert not Inspection.objects.filter(stage="professional").exists()


def test_dispute_to_appraisal_body_decides(
    client_for, delivery, agent, inspector, supervisor, products, contact_user
):
    do_initial(client_for(agent), delivery)
    line = delivery.lines.order_by("position")[0]
    url = f"{BASE}/delivery-lines/{line.pk}/disputes/"
    # Before the professional stage is signed there is nothing to dispute.
    assert client_for(inspector).post(url, {"report": "x"}, format="json").status_code == 409
    do_professional(client_for(inspector), delivery, products, voltage="250")
    line.refresh_from_db()
    assert line.verdict == "fail"
    url = f"{BASE}/delivery-lines/{line.pk}/disputes/"
    assert client_for(inspector).post(url, {"report": ""}, format="json").status_code == 400
    assert client_for(contact_user).post(url, {"report": "x"}, format="json").status_code == 403
    answer = client_for(inspector).post(url, {"report": "测量仪器存疑，无法判定"}, format="json")
    assert answer.status_code == 201
    dispute = answer.json()["id"]
    # While it is open the purchaser cannot sign the final stage.
    assert do_final(client_for(contact_user), delivery).status_code == 409
    refer = f"{BASE}/disputes/{dispute}/refer/"
    assert (
        client_for(inspector).post(refer, {"appraisal_body": "市质检院"}, format="json").status_code
        == 403
    )
    assert (
        client_for(supervisor)
        .post(refer, {"appraisal_body": "市质检院"}, format="json")
        .status_code
        == 200
    )
    decide = f"{BASE}/disputes/{dispute}/decide/"
    # Referred: the appraisal body's report is required.
    assert (
        client_for(supervisor)
        .post(decide, {"verdict": "pass", "decision": "复测合格"}, format="json")
        .status_code
        == 400
    )
    # A refused file type changes nothing.
    assert (
        client_for(supervisor)
        .post(
            decide,
            {
                "data": json.dumps({"verdict": "pass", "decision": "复测合格"}),
                "appraisal_report": SimpleUploadedFile("report.exe", b"MZ"),
            },
            format="multipart",
        )
        .status_code
        == 400
    )
    answer = client_for(supervisor).post(
        decide,
        {
            "data": json.dumps({"verdict": "pass", "decision": "市质检院复测合格"}),
            "appraisal_report": SimpleUploadedFile("report.pdf", b"%PDF-1.4 report"),
        },
        format="multipart",
    )
    assert answer.status_code == 200, answer.json()
    line.refresh_from_db()
    assert line.verdict == "pass"
    assert do_final(client_for(contact_user), delivery).status_code == 201
    assert Asset.objects.filter(serial_number="SW-A1").exists()


def test_signed_stage_is_immutable_and_corrected_by_addenda(
    client_for, delivery, agent, contact_user
):
    do_initial(client_for(agent), delivery)
    inspection = Inspection.objects.get()
    inspection.notes = "changed"
    with pytest.raises(InspectionImmutable):
        inspection.save()
    with pytest.raises(InspectionImmutable):
        Inspection.objects.filter(pk=inspection.pk).update(notes="x")
    with pytest.raises(InspectionImmutable):
        LineCheck.objects.all().delete()
    # Signing again is refused.
    assert do_initial(client_for(agent), delivery).status_code == 409
    url = f"{BASE}/inspections/{inspection.pk}/addenda/"
    assert client_for(agent).post(url, {"text": "补充"}, format="json").status_code == 400
    assert (
        client_for(contact_user).post(url, {"text": "a", "reason": "b"}, format="json").status_code
        == 403
    )
    answer = client_for(agent).post(
        url, {"text": "第2行实到数量应为2台", "reason": "清点笔误"}, format="json"
    )
    assert answer.status_code == 201
    form = client_for(agent).get(f"{BASE}/deliveries/{delivery.pk}/").json()
    assert form["inspections"][0]["addenda"][0]["reason"] == "清点笔误"
    assert form["inspections"][0]["notes"] == ""


def test_professional_summary_goes_out_by_smtp(
    client_for, delivery, agent, inspector, products, smtp, django_capture_on_commit_callbacks
):
    do_initial(client_for(agent), delivery, documents_present=DOCS[:3])
    with django_capture_on_commit_callbacks(execute=True):
        assert do_professional(client_for(inspector), delivery, products).status_code == 201
    (message,) = smtp.messages
    assert {message["To"].addresses[i].addr_spec for i in range(2)} == {
        "wang@hospital.example.cn",
        "sales@supplier.example.cn",
    }
    body = message.get_content()
    assert "赵质检" in body
    assert "产品合格证" in body  # the failed line and its reason


def test_purchaser_refuses_a_line_at_the_final_check(
    client_for, delivery, agent, inspector, products, contact_user
):
    do_initial(client_for(agent), delivery)
    do_professional(client_for(inspector), delivery, products)
    ups = delivery.lines.order_by("position")[1]
    url = f"{BASE}/deliveries/{delivery.pk}/final/"
    client = client_for(contact_user)
    assert (
        client.post(
            url, sign({"rejected": [{"line": ups.pk, "reason": ""}]}), format="json"
        ).status_code
        == 400
    )
    assert (
        client.post(
            url, sign({"rejected": [{"line": 99999, "reason": "x"}]}), format="json"
        ).status_code
        == 400
    )
    assert not Asset.objects.exists()
    answer = client.post(
        url, sign({"rejected": [{"line": ups.pk, "reason": "包装破损受潮"}]}), format="json"
    )
    assert answer.status_code == 201
    ups.refresh_from_db()
    assert ups.verdict == "fail"
    assert ups.reasons == "包装破损受潮"
    assert sorted(Asset.objects.values_list("serial_number", flat=True)) == ["SW-A1", "SW-A2"]
