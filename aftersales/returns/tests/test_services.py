"""Every step of a return in order, out of order (409, nothing changed), and who may take it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.cases.models import CaseEvent
from aftersales.core.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from aftersales.returns import services
from aftersales.returns.models import ReturnRequest

D = dt.date


def _steps(rr):
    return list(
        CaseEvent.objects.filter(case=rr.case, field="return")
        .order_by("id")
        .values_list("data__return_step", flat=True)
    )


def test_request_on_an_asset_uses_its_delivery_date_and_is_eligible(make_return, unit):
    rr = make_return()
    assert rr.case.case_type == "return_exchange"
    assert rr.delivered_on == unit.delivery_date
    assert rr.is_eligible  # day 5 of 7
    assert rr.eligibility_rule == "quality_window"
    event = CaseEvent.objects.get(case=rr.case, field="return")
    assert event.is_public
    assert "2026-11-27" in event.note


def test_request_on_an_order_line(contact_user, customer):
    from aftersales.catalog.tests.factories import ProductFactory

    product = ProductFactory(code="CAB-5")
    rr = services.return_request_create(
        by=contact_user,
        customer=customer,
        kind="exchange",
        reason="damaged_in_transport",
        order_reference="SO-2026-771",
        product=product,
        quantity=3,
        delivered_on=D(2026, 11, 10),
    )
    assert (rr.order_reference, rr.product, rr.quantity) == ("SO-2026-771", product, 3)
    assert rr.is_eligible  # day 15 of 15
    assert rr.case.asset is None


def test_order_line_needs_reference_and_product(contact_user, customer):
    with pytest.raises(ValidationFailed) as exc:
        services.return_request_create(
            by=contact_user, customer=customer, kind="return", reason="quality"
        )
    assert set(exc.value.errors) == {"order_reference", "product"}
    assert not ReturnRequest.objects.exists()


def test_missing_delivery_date_is_stored_as_not_eligible(make_return, customer):
    from aftersales.catalog.tests.factories import AssetFactory

    bare = AssetFactory(serial_number="RT-NODATE", customer=customer, delivery_date=None)
    rr = make_return(asset=bare)
    assert not rr.is_eligible
    assert rr.eligibility_rule == "no_delivery_date"


def test_full_return_path_in_order(make_return, supervisor, parts_clerk, agent):
    rr = make_return()
    rr = services.return_approve(rr=rr, by=supervisor)
    assert rr.rma_number == "RMA-20261125-0001"
    assert rr.case.status == "in_progress"
    rr = services.return_receive(
        rr=rr, by=parts_clerk, received_on=D(2026, 11, 25), condition_notes="包装完好"
    )
    rr = services.return_inspect(rr=rr, by=parts_clerk, passed=True, findings="坏点确认")
    rr = services.return_refund(rr=rr, by=agent, amount=Decimal("1299.00"))
    rr.refresh_from_db()
    rr.case.refresh_from_db()
    assert rr.step == "refunded"
    assert rr.refund_amount == Decimal("1299.00")
    assert rr.case.status == "resolved"
    assert "1299.00" in rr.case.resolution
    assert _steps(rr) == ["requested", "approved", "received", "inspected", "refunded"]


def test_exchange_path_records_the_replacement(make_return, supervisor, agent):
    rr = make_return(kind="exchange")
    services.return_approve(rr=rr, by=supervisor)
    services.return_receive(rr=rr, by=agent, received_on=D(2026, 11, 25))
    services.return_inspect(rr=rr, by=agent, passed=True, findings="")
    rr = services.return_exchange(rr=rr, by=agent, replacement_serial="RT-0002")
    rr.case.refresh_from_db()
    assert (rr.step, rr.replacement_serial, rr.case.status) == ("exchanged", "RT-0002", "resolved")


def test_rma_numbers_count_up_per_day(make_return, supervisor):
    first = services.return_approve(rr=make_return(), by=supervisor)
    second = services.return_approve(rr=make_return(), by=supervisor)
    assert (first.rma_number, second.rma_number) == ("RMA-20261125-0001", "RMA-20261125-0002")


def test_rejection_shows_the_reason_and_resolves_the_case(make_return, supervisor):
    rr = services.return_reject(rr=make_return(), by=supervisor, reason="人为损坏，不在退货范围")
    rr.case.refresh_from_db()
    assert (rr.step, rr.case.status) == ("rejected", "resolved")
    assert "人为损坏" in rr.case.resolution
    event = CaseEvent.objects.filter(case=rr.case, field="return").last()
    assert event.is_public
    assert event.note.endswith("人为损坏，不在退货范围")


def test_failed_inspection_can_only_be_rejected(make_return, supervisor, agent):
    rr = make_return()
    services.return_approve(rr=rr, by=supervisor)
    services.return_receive(rr=rr, by=agent, received_on=D(2026, 11, 25))
    with pytest.raises(ValidationFailed):
        services.return_inspect(rr=rr, by=agent, passed=False, findings="")
    services.return_inspect(rr=rr, by=agent, passed=False, findings="外壳进水，非质量问题")
    with pytest.raises(InvalidTransition):
        services.return_refund(rr=rr, by=agent, amount="10")
    rr = services.return_reject(rr=rr, by=supervisor, reason="检测未通过")
    assert rr.step == "rejected"


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        ("return_receive", {"received_on": D(2026, 11, 25)}),
        ("return_inspect", {"passed": True, "findings": ""}),
        ("return_refund", {"amount": "1"}),
        ("return_exchange", {"replacement_serial": "X"}),
    ],
)
def test_steps_out_of_order_are_refused_and_change_nothing(make_return, supervisor, action, kwargs):
    rr = make_return()
    events = CaseEvent.objects.filter(case=rr.case).count()
    with pytest.raises(InvalidTransition) as exc:
        getattr(services, action)(rr=rr, by=supervisor, **kwargs)
    assert exc.value.status_code == 409
    rr.refresh_from_db()
    assert rr.step == "requested"
    assert CaseEvent.objects.filter(case=rr.case).count() == events


def test_a_decided_request_cannot_be_approved_again(make_return, supervisor):
    rr = services.return_approve(rr=make_return(), by=supervisor)
    with pytest.raises(InvalidTransition):
        services.return_approve(rr=rr, by=supervisor)
    rr.refresh_from_db()
    assert rr.rma_number == "RMA-20261125-0001"


def test_approved_goods_that_never_came_are_rejected(make_return, supervisor, agent):
    rr = services.return_approve(rr=make_return(), by=supervisor)
    rr = services.return_reject(rr=rr, by=supervisor, reason="客户未寄回货物")
    rr.case.refresh_from_db()
    assert (rr.step, rr.case.status) == ("rejected", "resolved")
    with pytest.raises(InvalidTransition):
        services.return_receive(rr=rr, by=agent, received_on=D(2026, 11, 25))


def test_not_eligible_needs_an_override_before_approval(make_return, supervisor, agent):
    rr = make_return(reason="no_longer_needed")
    assert not rr.is_eligible
    with pytest.raises(InvalidTransition):
        services.return_approve(rr=rr, by=supervisor)
    with pytest.raises(NotAllowed):
        services.return_override(rr=rr, by=agent, eligible=True, reason="老客户")
    with pytest.raises(ValidationFailed):
        services.return_override(rr=rr, by=supervisor, eligible=True, reason=" ")
    rr = services.return_override(rr=rr, by=supervisor, eligible=True, reason="大客户，特批")
    assert (rr.is_eligible, rr.is_overridden, rr.overridden_by) == (True, True, supervisor)
    rr = services.return_approve(rr=rr, by=supervisor)
    assert rr.rma_number


@pytest.mark.parametrize("role", ["agent", "engineer", "parts_clerk", "customer_contact"])
def test_only_supervisors_approve_or_reject(make_return, make_user, customer, role):
    extra = {"customer": customer} if role == "customer_contact" else {}
    user = make_user(role, username=f"u-{role}", **extra)
    rr = make_return()
    with pytest.raises(NotAllowed):
        services.return_approve(rr=rr, by=user)
    with pytest.raises(NotAllowed):
        services.return_reject(rr=rr, by=user, reason="x")
    rr.refresh_from_db()
    assert (rr.step, rr.rma_number) == ("requested", None)


def test_customers_and_engineers_cannot_record_goods(
    make_return, supervisor, contact_user, engineer
):
    rr = services.return_approve(rr=make_return(), by=supervisor)
    for user in (contact_user, engineer):
        with pytest.raises(NotAllowed):
            services.return_receive(rr=rr, by=user, received_on=D(2026, 11, 25))


def test_parts_clerks_cannot_refund(make_return, supervisor, parts_clerk):
    rr = make_return()
    services.return_approve(rr=rr, by=supervisor)
    services.return_receive(rr=rr, by=parts_clerk, received_on=D(2026, 11, 25))
    services.return_inspect(rr=rr, by=parts_clerk, passed=True, findings="")
    with pytest.raises(NotAllowed):
        services.return_refund(rr=rr, by=parts_clerk, amount="5")


@pytest.mark.parametrize("amount", ["-1", "1.001", "abc", "NaN"])
def test_bad_refund_amounts(make_return, supervisor, agent, amount):
    rr = make_return()
    services.return_approve(rr=rr, by=supervisor)
    services.return_receive(rr=rr, by=agent, received_on=D(2026, 11, 25))
    services.return_inspect(rr=rr, by=agent, passed=True, findings="")
    with pytest.raises(ValidationFailed):
        services.return_refund(rr=rr, by=agent, amount=amount)
    rr.refresh_from_db()
    assert rr.step == "inspected"


def test_receipt_dates_are_checked(make_return, supervisor, agent):
    rr = services.return_approve(rr=make_return(), by=supervisor)
    with pytest.raises(ValidationFailed):
        services.return_receive(rr=rr, by=agent, received_on=D(2026, 11, 26))
    with pytest.raises(ValidationFailed):
        services.return_receive(rr=rr, by=agent, received_on=D(2026, 11, 24))


def test_a_customer_cannot_request_for_another_organisation(make_return, other_customer):
    with pytest.raises(ValidationFailed):
        make_return(customer=other_customer, asset=None, order_reference="X", product=None)


def test_details_recorded_for_a_return_case_opened_without_them(
    make_case, agent, unit, contact_user
):
    case = make_case(case_type="return_exchange", asset=unit, summary="退货")
    with pytest.raises(NotAllowed):
        services.return_request_attach(case=case, by=contact_user, kind="return", reason="quality")
    rr = services.return_request_attach(case=case, by=agent, kind="return", reason="quality")
    assert (rr.asset, rr.delivered_on, rr.is_eligible) == (unit, unit.delivery_date, True)
    assert _steps(rr) == ["requested"]
    with pytest.raises(Conflict):
        services.return_request_attach(case=case, by=agent, kind="return", reason="quality")


def test_details_only_for_return_cases(make_case, agent):
    case = make_case()
    with pytest.raises(Conflict):
        services.return_request_attach(case=case, by=agent, kind="return", reason="quality")
    assert not ReturnRequest.objects.exists()
