"""Planned work opening cases once per period, installation checklists moving the service
stage, backup units lent and returned, feedback on visits."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import OperationalError, connection

from aftersales.cases.models import Case
from aftersales.catalog.entitlement import entitlement_at
from aftersales.catalog.tests.factories import AssetFactory, ContractFactory, ProductFactory
from aftersales.dispatch.models import BackupUnit, ChecklistItem, PlannedCase, ServicePlan
from aftersales.dispatch.selectors import loans_overdue, units_available
from aftersales.dispatch.services import plan_due_periods, plans_open_due
from aftersales.sla.tests.helpers import at, open_case

D = dt.date


@pytest.fixture
def plan(customer):
    contract = ContractFactory(
        number="CT-PM", customer=customer, start_date=D(2026, 1, 1), end_date=D(2026, 12, 31)
    )
    return ServicePlan.objects.create(
        code="pm-q",
        name="季度预防性维护",
        case_type="maintenance",
        contract=contract,
        every_months=3,
        starts_on=D(2026, 1, 15),
        lead_days=7,
        checklist="检查风扇\n清洁滤网\n\n导出日志",
    )


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (D(2026, 1, 7), []),  # the first period opens on Jan 8
        (D(2026, 1, 8), [D(2026, 1, 15)]),
        (D(2026, 4, 7), [D(2026, 1, 15)]),
        (D(2026, 4, 8), [D(2026, 1, 15), D(2026, 4, 15)]),
        (D(2026, 4, 15), [D(2026, 4, 15)]),  # the first period is over
        (D(2026, 12, 30), [D(2026, 10, 15)]),  # the contract ends before the next one
    ],
)
def test_due_periods(plan, today, due):
    assert plan_due_periods(plan, today) == due


def test_plans_open_one_case_per_period_with_the_checklist(plan, customer):
    now = at(2026, 4, 8, 1, 0)
    assert plans_open_due(now=now) == 2
    assert plans_open_due(now=now) == 0
    assert plans_open_due(now=at(2026, 4, 9, 1, 0)) == 0
    cases = Case.objects.filter(case_type="maintenance").order_by("summary")
    assert cases.count() == 2
    first = PlannedCase.objects.get(period_start=D(2026, 1, 15)).case
    assert first.customer == customer
    assert list(first.checklist.values_list("text", flat=True)) == [
        "检查风扇",
        "清洁滤网",
        "导出日志",
    ]
    assert first.created_by.username == "planner"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_schedulers_open_each_period_once(customer):
    contract = ContractFactory(number="CT-TX", customer=customer, start_date=D(2026, 1, 1))
    ServicePlan.objects.create(
        code="visits",
        name="走访",
        case_type="visit",
        contract=contract,
        every_months=1,
        starts_on=D(2026, 3, 1),
        lead_days=3,
    )
    now = at(2026, 3, 28, 9, 0)  # the March period is due; April opens on Mar 29
    results: list[int] = []
    locked: list[Exception] = []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(plans_open_due(now=now))
        except OperationalError as exc:  # SQLite: one writer at a time
            locked.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 1
    assert not locked or connection.vendor == "sqlite"
    assert Case.objects.filter(case_type="visit").count() == 1
    assert PlannedCase.objects.count() == 1


def test_installation_checklist_moves_the_stage_and_acceptance_starts_the_warranty(
    client_for, agent, engineer, customer
):
    contract = ContractFactory(
        number="CT-INST",
        customer=customer,
        warranty_start="final_acceptance",
        hardware_warranty_months=36,
        start_date=D(2026, 1, 1),
        end_date=D(2029, 12, 31),
    )
    asset = AssetFactory(
        serial_number="INST-1",
        customer=customer,
        contract=contract,
        purchase_date=D(2026, 10, 1),
        delivery_date=D(2026, 10, 20),
    )
    case = open_case(agent, customer, at(2026, 11, 2, 9, 0), case_type="installation", asset=asset)
    items = [
        ChecklistItem.objects.create(case=case, position=i, text=t)
        for i, t in enumerate(["上架安装", "加电测试"])
    ]
    client = client_for(engineer)
    with time_machine.travel(at(2026, 11, 3, 15, 0), tick=False):
        assert entitlement_at(asset, D(2026, 11, 3)).stage == "installation"
        early = client.post(f"/api/v1/cases/{case.number}/acceptance/", {}, format="json")
        assert early.status_code == 409
        for item in items:
            ticked = client.post(
                f"/api/v1/cases/{case.number}/checklist/{item.pk}/tick/", {}, format="json"
            )
            assert ticked.status_code == 200, ticked.content
        asset.refresh_from_db()
        assert asset.installation_date == D(2026, 11, 3)
        assert entitlement_at(asset, D(2026, 11, 3)).stage == "trial_operation"
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=False):
        accepted = client.post(f"/api/v1/cases/{case.number}/acceptance/", {}, format="json")
        assert accepted.status_code == 200, accepted.content
    asset.refresh_from_db()
    ent = entitlement_at(asset, D(2026, 12, 1))
    assert (ent.stage, ent.hardware_warranty.start, ent.hardware_warranty.end) == (
        "in_warranty",
        D(2026, 12, 1),
        D(2029, 11, 30),
    )
    assert (
        client.post(f"/api/v1/cases/{case.number}/acceptance/", {}, format="json").status_code
        == 409
    )


def test_backup_unit_lent_once_returned_and_overdue(client_for, agent, customer, make_case):
    product = ProductFactory(code="SRV-1", name="服务器", category="server")
    unit = BackupUnit.objects.create(serial_number="LOAN-1", product=product)
    first = make_case()
    second = make_case()
    client = client_for(agent)
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False):
        lent = client.post(
            f"/api/v1/cases/{first.number}/loans/",
            {"unit": "LOAN-1", "due_back": "2026-11-09"},
            format="json",
        )
        assert lent.status_code == 201, lent.content
        assert list(units_available()) == []
        twice = client.post(
            f"/api/v1/cases/{second.number}/loans/",
            {"unit": "LOAN-1", "due_back": "2026-11-09"},
            format="json",
        )
        assert twice.status_code == 409
        unknown = client.post(
            f"/api/v1/cases/{second.number}/loans/",
            {"unit": "NOPE", "due_back": "2026-11-09"},
            format="json",
        )
        assert unknown.status_code == 400
    assert [loan.unit.serial_number for loan in loans_overdue(today=D(2026, 11, 10))] == ["LOAN-1"]
    assert list(loans_overdue(today=D(2026, 11, 9))) == []
    loan_id = lent.json()["id"]
    back = client.post(f"/api/v1/loans/{loan_id}/return/", {"condition": "完好"}, format="json")
    assert back.status_code == 200, back.content
    assert client.post(f"/api/v1/loans/{loan_id}/return/", {}, format="json").status_code == 409
    assert [u.serial_number for u in units_available(product=product)] == [unit.serial_number]


def test_customer_feedback_on_a_finished_visit(client_for, agent, engineer, contact_user, customer):
    from aftersales.dispatch.models import Visit

    case = open_case(agent, customer, at(2026, 11, 2, 9, 0), case_type="visit")
    visit = Visit.objects.create(
        case=case,
        engineer=engineer,
        planned_at=at(2026, 11, 2, 10, 0),
        created_by=agent,
        created_at=at(2026, 11, 2, 9, 0),
    )
    client = client_for(contact_user)
    early = client.post(f"/api/v1/visits/{visit.pk}/feedback/", {"text": "好"}, format="json")
    assert early.status_code == 409
    Visit.objects.filter(pk=visit.pk).update(status="done")
    bad = client.post(f"/api/v1/visits/{visit.pk}/feedback/", {"score": 9}, format="json")
    assert bad.status_code == 400
    good = client.post(
        f"/api/v1/visits/{visit.pk}/feedback/",
        {"text": "工程师很专业，建议增加培训", "score": 5},
        format="json",
    )
    assert good.status_code == 200, good.content
    visit.refresh_from_db()
    assert (visit.customer_feedback, visit.feedback_score) == ("工程师很专业，建议增加培训", 5)
