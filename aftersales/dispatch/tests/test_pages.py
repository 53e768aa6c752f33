"""The dispatch panel on the case page and the engineers' phone pages."""

from __future__ import annotations

import pytest
import time_machine

from aftersales.cases.models import Case
from aftersales.dispatch.models import EngineerProfile, Visit
from aftersales.sla.tests.helpers import asset_with_contract, at, clocks, open_case

NOW = at(2026, 11, 2, 10, 30)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def setup(make_user, agent, customer, contact_user):
    engineer = make_user("engineer", username="eng_wu", first_name="武", last_name="吴")
    EngineerProfile.objects.create(user=engineer, home_region=customer.region)
    asset = asset_with_contract(customer, serial="PG-DSP")
    case = open_case(agent, customer, at(2026, 11, 2, 10, 0), asset=asset, severity="C-1")
    return {"engineer": engineer, "case": case}


def test_agent_dispatches_from_the_case_page(client, agent, setup):
    case = setup["case"]
    client.force_login(agent)
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert 'id="candidates"' in page
    assert 'data-engineer="eng_wu"' in page
    response = client.post(
        f"/field/cases/{case.number}/dispatch/",
        {"dispatch-engineer": "eng_wu", "dispatch-kind": "onsite"},
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.engineer == setup["engineer"]
    assert Case.objects.get(pk=case.pk).status == "dispatched"


def test_engineer_checks_in_on_the_phone_pages(client, agent, setup, contact_user):
    case = setup["case"]
    client.force_login(agent)
    client.post(
        f"/field/cases/{case.number}/dispatch/",
        {"dispatch-engineer": "eng_wu", "dispatch-kind": "onsite"},
    )
    visit = Visit.objects.get()
    client.force_login(setup["engineer"])
    mine = client.get("/field/").content.decode()
    assert f'data-visit="{visit.pk}"' in mine
    page = client.get(f"/field/visits/{visit.pk}/").content.decode()
    assert 'id="btn-travel"' in page
    client.post(f"/field/visits/{visit.pk}/travel/")
    client.post(f"/field/visits/{visit.pk}/arrive/")
    assert clocks(case)["onsite"].state == "met"
    page = client.get(f"/field/visits/{visit.pk}/").content.decode()
    assert 'id="depart-form"' in page
    client.post(
        f"/field/visits/{visit.pk}/depart/",
        {
            "depart-work_performed": "重新插拔光模块并更换跳线",
            "depart-part": "光模块",
            "depart-serial_in": "SFP-NEW",
        },
    )
    visit.refresh_from_db()
    assert visit.status == "done"
    assert [(p.part, p.serial_in) for p in visit.parts.all()] == [("光模块", "SFP-NEW")]
    # The customer sees the visit on the portal.
    client.force_login(contact_user)
    portal = client.get(f"/portal/cases/{case.number}/").content.decode()
    assert "重新插拔光模块并更换跳线" in portal


def test_a_refused_step_shows_a_message(client, agent, setup):
    case = setup["case"]
    client.force_login(agent)
    client.post(
        f"/field/cases/{case.number}/dispatch/",
        {"dispatch-engineer": "eng_wu", "dispatch-kind": "onsite"},
    )
    visit = Visit.objects.get()
    response = client.post(
        f"/field/visits/{visit.pk}/depart/", {"depart-work_performed": "x"}, follow=True
    )
    assert response.status_code == 200
    assert list(response.context["messages"])
    visit.refresh_from_db()
    assert visit.status == "planned"


def test_customers_cannot_open_the_field_pages(client, contact_user, setup):
    client.force_login(contact_user)
    assert client.get("/field/").status_code == 302
    assert client.post(f"/field/cases/{setup['case'].number}/dispatch/").status_code == 302
    assert not Visit.objects.exists()


def test_checklist_loans_and_feedback_on_the_case_pages(
    client, agent, engineer, contact_user, customer, setup
):
    from aftersales.catalog.tests.factories import ProductFactory
    from aftersales.dispatch.models import BackupUnit, ChecklistItem, Loan

    case = setup["case"]
    item = ChecklistItem.objects.create(case=case, position=0, text="检查电源冗余")
    BackupUnit.objects.create(serial_number="BK-1", product=ProductFactory(code="BK", name="备机"))
    client.force_login(agent)
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert 'id="checklist"' in page
    assert 'id="loan-form"' in page
    client.post(f"/field/cases/{case.number}/checklist/{item.pk}/tick/", {"done": "1"})
    item.refresh_from_db()
    assert item.done_by == agent
    client.post(f"/field/cases/{case.number}/loans/", {"unit": "BK-1", "due_back": "2026-11-20"})
    loan = Loan.objects.get()
    bad = client.post(
        f"/field/cases/{case.number}/loans/", {"unit": "BK-1", "due_back": "soon"}, follow=True
    )
    assert list(bad.context["messages"])
    client.post(f"/field/loans/{loan.pk}/return/")
    loan.refresh_from_db()
    assert loan.returned_at is not None

    visit = Visit.objects.create(
        case=case,
        engineer=setup["engineer"],
        planned_at=NOW,
        status="done",
        departed_at=NOW,
        created_by=agent,
        created_at=NOW,
    )
    client.force_login(contact_user)
    portal = client.get(f"/portal/cases/{case.number}/").content.decode()
    assert f'data-feedback="{visit.pk}"' in portal
    response = client.post(f"/field/visits/{visit.pk}/feedback/", {"score": "4", "text": "满意"})
    assert response["Location"] == f"/portal/cases/{case.number}/"
    visit.refresh_from_db()
    assert (visit.feedback_score, visit.customer_feedback) == (4, "满意")


def test_loans_page_puts_overdue_units_first(client, agent, setup, make_case):
    import datetime as dt

    from aftersales.catalog.tests.factories import ProductFactory
    from aftersales.dispatch.models import BackupUnit, Loan

    product = ProductFactory(code="BK2", name="备机")
    late = BackupUnit.objects.create(serial_number="BK-LATE", product=product)
    fine = BackupUnit.objects.create(serial_number="BK-FINE", product=product)
    BackupUnit.objects.create(serial_number="BK-FREE", product=product)
    for unit, due in ((fine, dt.date(2026, 11, 20)), (late, dt.date(2026, 11, 1))):
        Loan.objects.create(
            unit=unit, case=setup["case"], issued_at=NOW, issued_by=agent, due_back=due
        )
    client.force_login(agent)
    page = client.get("/field/loans/").content.decode()
    assert page.index("BK-LATE") < page.index("BK-FINE")
    assert 'class="overdue"' in page
    assert "BK-FREE" in page
