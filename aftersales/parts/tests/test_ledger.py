"""Stock moves: stock and ledger change together, never below zero, and parts_check proves it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.core.errors import Conflict, NotAllowed, ValidationFailed
from aftersales.parts import services
from aftersales.parts.models import SerialUnit, Stock, StockMovement
from aftersales.parts.selectors import ledger_mismatches, stock_table

pytestmark = pytest.mark.django_db


def qty(depot, part, condition):
    row = Stock.objects.filter(depot=depot, part=part, condition=condition).first()
    return row.quantity if row else 0


def test_receipt_reserve_ship_write_one_ledger_row_each(clerk, depot, part, receive):
    receive(depot, part, 3)
    services.stock_move(
        by=clerk,
        depot=depot,
        part=part,
        kind="reservation",
        from_condition="good",
        to_condition="reserved",
    )
    services.stock_move(
        by=clerk, depot=depot, part=part, kind="shipment", from_condition="reserved"
    )
    assert (qty(depot, part, "good"), qty(depot, part, "reserved")) == (2, 0)
    assert list(StockMovement.objects.order_by("id").values_list("kind", flat=True)) == [
        "receipt",
        "reservation",
        "shipment",
    ]
    assert ledger_mismatches() == []
    assert stock_table(depot=depot)[0]["good"] == 2


def test_taking_more_than_there_is_is_a_conflict_and_changes_nothing(clerk, depot, part, receive):
    receive(depot, part, 1)
    with pytest.raises(Conflict):
        services.stock_move(
            by=clerk,
            depot=depot,
            part=part,
            kind="scrap",
            from_condition="good",
            to_condition="scrapped",
            quantity=2,
        )
    assert qty(depot, part, "good") == 1
    assert qty(depot, part, "scrapped") == 0
    assert StockMovement.objects.count() == 1


def test_move_table_refuses_nonsense(clerk, depot, part, receive):
    receive(depot, part, 1)
    with pytest.raises(ValidationFailed):
        services.stock_move(
            by=clerk,
            depot=depot,
            part=part,
            kind="receipt",
            from_condition="good",
            to_condition="faulty",
        )
    with pytest.raises(ValidationFailed):
        services.stock_move(
            by=clerk,
            depot=depot,
            part=part,
            kind="transfer",
            from_condition="good",
            to_condition="good",
        )


@pytest.mark.parametrize("role", ["agent", "engineer", "supervisor", "customer_contact"])
def test_only_parts_clerks_and_admins_move_stock(make_user, customer, depot, part, role):
    kwargs = {"customer": customer} if role == "customer_contact" else {}
    user = make_user(role, **kwargs)
    with pytest.raises(NotAllowed):
        services.stock_move(by=user, depot=depot, part=part, kind="receipt", to_condition="good")
    services.stock_move(
        by=make_user("admin"), depot=depot, part=part, kind="receipt", to_condition="good"
    )
    assert qty(depot, part, "good") == 1


def test_serial_tracked_units_follow_their_moves(clerk, depot, tracked_part, receive, region):
    other = services.depot_create(by=clerk, code="BJ01", name="北京备件库", region=region)
    with pytest.raises(ValidationFailed):
        receive(depot, tracked_part, 2, ["S1"])
    receive(depot, tracked_part, 2, ["S1", "S2"])
    with pytest.raises(ValidationFailed):  # already in stock
        receive(depot, tracked_part, 1, ["S1"])
    services.stock_move(
        by=clerk,
        depot=depot,
        part=tracked_part,
        kind="transfer",
        from_condition="good",
        to_condition="good",
        to_depot=other,
        serial_numbers=["S2"],
    )
    unit = SerialUnit.objects.get(serial_number="S2")
    assert unit.depot == other
    assert unit.condition == "good"
    assert (qty(depot, tracked_part, "good"), qty(other, tracked_part, "good")) == (1, 1)
    with pytest.raises(ValidationFailed):  # S2 is no longer here
        services.stock_move(
            by=clerk,
            depot=depot,
            part=tracked_part,
            kind="use",
            from_condition="good",
            serial_numbers=["S2"],
        )
    assert ledger_mismatches() == []


def test_ledger_rows_are_append_only(depot, part, receive):
    row = receive(depot, part, 1)
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        row.delete()


def test_parts_check_command_finds_a_tampered_count(depot, part, receive, capsys):
    receive(depot, part, 2)
    call_command("parts_check")
    assert "matches" in capsys.readouterr().out
    Stock.objects.filter(depot=depot, part=part, condition="good").update(quantity=5)
    with pytest.raises(SystemExit) as exc:
        call_command("parts_check")
    assert exc.value.code == 1
    assert "ledger 2, stock 5" in capsys.readouterr().err


MOVES = [
    ("receipt", "", "good"),
    ("reservation", "good", "reserved"),
    ("release", "reserved", "good"),
    ("shipment", "reserved", ""),
    ("return", "", "faulty"),
    ("repair", "faulty", "in_repair"),
    ("repair", "in_repair", "good"),
    ("scrap", "faulty", "scrapped"),
    ("scrap", "good", "scrapped"),
    ("transfer", "good", "good"),
    ("correction", "good", ""),
    ("correction", "", "faulty"),
    ("use", "good", ""),
]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(st.sampled_from(MOVES), st.integers(1, 3), st.booleans(), st.booleans()),
        max_size=25,
    )
)
def test_random_move_sequences_keep_stock_equal_to_ledger(clerk, depot, part, region, moves):
    from aftersales.parts.models import Depot

    other = Depot.objects.filter(code="HZ01").first() or services.depot_create(
        by=clerk, code="HZ01", name="杭州备件库", region=region
    )
    for (kind, src, dst), quantity, swap, _unused in moves:
        here, there = (other, depot) if swap else (depot, other)
        before = qty(here, part, src) if src else None
        try:
            services.stock_move(
                by=clerk,
                depot=here,
                part=part,
                kind=kind,
                from_condition=src,
                to_condition=dst,
                quantity=quantity,
                to_depot=there if kind == "transfer" else None,
            )
        except Conflict:
            assert before is not None
            assert before < quantity
            assert qty(here, part, src) == before
        assert not Stock.objects.filter(quantity__lt=0).exists()
        assert ledger_mismatches() == []
