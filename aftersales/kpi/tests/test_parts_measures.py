"""The spare-parts measures against hand-computed fixtures on the cn-5x8 depot calendar with the
real 2026 Chinese holidays (National Day 10-01..10-07, make-up Saturday 10-10)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftersales.catalog.tests.factories import AssetFactory, ProductFactory
from aftersales.kpi.measures import (
    Period,
    exchange_repair_measures,
    part_consumption,
    part_return_measures,
)
from aftersales.parts import services
from aftersales.parts.models import Replacement

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
OCT = Period(datetime(2026, 10, 1).date(), datetime(2026, 10, 31).date())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def parts_world(make_user, make_case, customer, region):
    """Two depots (SH01 in the customer's region, GZ01 in "south"), two parts, two cases on
    units of products P-ROUTER (replacements) and P-SWITCH (exchange repairs)."""
    from aftersales.customers.tests.factories import RegionFactory

    clerk = make_user("parts_clerk", username="clerk")
    south = RegionFactory(code="south", name="华南区")
    sh = services.depot_create(by=clerk, code="SH01", name="上海备件库", region=region)
    gz = services.depot_create(by=clerk, code="GZ01", name="广州备件库", region=south)
    psu = services.part_create(by=clerk, part_number="PSU-650W", name="电源模块 650W")
    fan = services.part_create(by=clerk, part_number="FAN-80", name="风扇模块")
    for depot, part, n in ((sh, psu, 10), (sh, fan, 5), (gz, fan, 5)):
        services.stock_move(
            by=clerk, depot=depot, part=part, kind="receipt", to_condition="good", quantity=n
        )
    router = AssetFactory(customer=customer, product=ProductFactory(code="P-ROUTER"))
    switch = AssetFactory(customer=customer, product=ProductFactory(code="P-SWITCH"))
    return {
        "clerk": clerk,
        "sh": sh,
        "gz": gz,
        "psu": psu,
        "fan": fan,
        "router_case": make_case(asset=router),
        "switch_case": make_case(asset=switch),
    }


def _replacement(w, delivered: str, *, returned: str | None = None) -> Replacement:
    """An advance replacement of a PSU from SH01, shipped the day before ``delivered``."""
    clerk, delivered_at = w["clerk"], at(delivered)
    shipped_at = delivered_at.replace(day=delivered_at.day - 1)
    with time_machine.travel(shipped_at, tick=False):
        r = services.replacement_create(
            by=clerk,
            case=w["router_case"],
            part=w["psu"],
            depot=w["sh"],
            fault_confirmed_at=shipped_at,
        )
        r = services.replacement_ship(
            by=clerk, replacement=r, shipped_at=shipped_at, carrier="顺丰", tracking_number="SF1"
        )
    r = services.replacement_deliver(by=clerk, replacement=r, delivered_at=delivered_at)
    if returned:
        r = services.replacement_receive_return(by=clerk, replacement=r, received_at=at(returned))
    return r


@pytest.fixture
def replacements(parts_world):
    w = parts_world
    on_time = _replacement(w, "2026-09-28 10:00", returned="2026-10-15 10:00")
    late = _replacement(w, "2026-10-02 10:00", returned="2026-10-21 09:00")
    overdue = _replacement(w, "2026-10-12 09:00")
    november = _replacement(w, "2026-10-19 09:00")
    # Cancelled before it shipped: no deadline at all.
    with time_machine.travel(at("2026-10-09 09:00"), tick=False):
        cancelled = services.replacement_create(
            by=w["clerk"],
            case=w["router_case"],
            part=w["psu"],
            depot=w["sh"],
            fault_confirmed_at=at("2026-10-09 09:00"),
        )
        services.replacement_cancel(by=w["clerk"], replacement=cancelled)
    # Cancelled after delivery (e.g. the customer bought the unit): it keeps its October
    # deadline but is never due.
    kept = _replacement(w, "2026-10-12 09:00")
    Replacement.objects.filter(pk=kept.pk).update(status="cancelled")
    return {"on_time": on_time, "late": late, "overdue": overdue, "november": november}


def test_return_deadlines_skip_the_national_day_holiday(replacements):
    # 10 depot working days after Monday 09-28: 29, 30, 10-08, 09, 10 (make-up Sat), 12..16.
    assert replacements["on_time"].return_due == at("2026-10-16 17:00")
    # Delivered on a holiday: 10-08, 09, 10, 12, 13, 14, 15, 16, 19, 20.
    assert replacements["late"].return_due == at("2026-10-20 17:00")
    assert replacements["overdue"].return_due == at("2026-10-26 17:00")
    assert replacements["november"].return_due == at("2026-11-02 17:00")


def test_part_return_compliance_by_hand(replacements):
    # given: due back in October: on_time (returned 10-15, 17 calendar days after delivery but
    # within 10 working days), late (returned the morning after its deadline), overdue (never
    # returned); "november" is due in November; both cancelled ones never count.
    # when
    body = part_return_measures(period=OCT, now=at("2026-11-20 12:00"))
    # then
    assert (body["on_time"], body["late"], body["overdue"], body["pending"]) == (1, 1, 1, 0)
    assert body["due"] == 3
    assert body["compliance"] == 0.3333
    assert [o["number"] for o in body["late_orders"]] == [
        replacements["late"].number,
        replacements["overdue"].number,
    ]


def test_part_return_not_yet_due_is_pending_not_failed(replacements):
    # On 10-25 the "overdue" one (due 10-26 17:00) is still within its time.
    body = part_return_measures(period=OCT, now=at("2026-10-25 12:00"))
    assert (body["on_time"], body["late"], body["overdue"], body["pending"]) == (1, 1, 0, 1)
    assert body["compliance"] == 0.5


def test_part_return_slices_go_through_the_case(replacements, customer):
    now = at("2026-11-20 12:00")
    assert part_return_measures(period=OCT, slices={"customer": customer.code}, now=now)["due"] == 3
    assert part_return_measures(period=OCT, slices={"product": "P-SWITCH"}, now=now)["due"] == 0


def _exchange(w, received: str, *, completed: str | None = None, used=()):
    clerk = w["clerk"]
    with time_machine.travel(at(received), tick=False):
        order = services.exchange_create(
            by=clerk, case=w["switch_case"], part=w["fan"], depot=w["sh"], received_at=at(received)
        )
    if used:
        used_at, part, quantity = used
        with time_machine.travel(at(used_at), tick=False):
            order = services.exchange_advance(by=clerk, order=order, status="in_repair")
            order = services.exchange_advance(
                by=clerk, order=order, status="replaced", parts_used=[(w[part], quantity)]
            )
    if completed:
        with time_machine.travel(at(completed), tick=False):
            if order.status == "received":
                order = services.exchange_advance(by=clerk, order=order, status="in_repair")
                order = services.exchange_advance(by=clerk, order=order, status="repaired")
            order = services.exchange_advance(by=clerk, order=order, status="shipped_back")
    return order


@pytest.fixture
def exchanges(parts_world):
    w = parts_world
    return {
        # Received during the holiday: the 72 working hours start 10-08 09:00, due 10-19 17:00;
        # shipped back exactly at due_at → on time.
        "at_due": _exchange(w, "2026-10-05 12:00", completed="2026-10-19 17:00"),
        # Due 10-19 13:00, shipped back the next morning → late, counted in October.
        "late": _exchange(
            w,
            "2026-09-30 13:00",
            completed="2026-10-20 10:00",
            used=("2026-10-15 10:00", "fan", 2),
        ),
        # Due 10-22 17:00 and still open → late (open).
        "open_late": _exchange(w, "2026-10-12 09:00", used=("2026-10-14 10:00", "psu", 1)),
        # Due 11-05 17:00, shipped back 10-30 → on time, counted in October (its completion).
        "early": _exchange(w, "2026-10-26 09:00", completed="2026-10-30 15:00"),
        # Due in November, still open → not decided in October.
        "open": _exchange(w, "2026-10-28 09:00"),
    }


def test_exchange_repair_on_time_rate_by_hand(exchanges):
    assert exchanges["at_due"].due_at == at("2026-10-19 17:00")
    assert exchanges["at_due"].completed_at == exchanges["at_due"].due_at
    assert exchanges["late"].due_at == at("2026-10-19 13:00")
    assert exchanges["open_late"].due_at == at("2026-10-22 17:00")
    assert exchanges["early"].due_at == at("2026-11-05 17:00")
    body = exchange_repair_measures(period=OCT, now=at("2026-11-20 12:00"))
    assert (body["decided"], body["on_time"], body["late"], body["open_late"]) == (4, 2, 2, 1)
    assert body["on_time_rate"] == 0.5
    assert [o["number"] for o in body["late_orders"]] == [
        exchanges["late"].number,
        exchanges["open_late"].number,
    ]
    # Each order is decided once: November has none of October's, only what falls due there.
    november = exchange_repair_measures(
        period=Period(datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date()),
        now=at("2026-11-20 12:00"),
    )
    assert (november["on_time"], november["late"]) == (0, 1)  # "open", due 11-09


def test_exchange_repair_open_before_its_due_time_is_not_late(exchanges):
    body = exchange_repair_measures(period=OCT, now=at("2026-10-21 12:00"))
    # "open_late" is not due until 10-22 17:00: only "late" is late yet.
    assert body["late"] == 1
    assert [o["number"] for o in body["late_orders"]] == [exchanges["late"].number]


def test_spare_part_consumption_by_hand(parts_world, replacements, exchanges):
    # given: October shipments of replacements (PSU, case on P-ROUTER): "late" 10-01, "overdue"
    # 10-11, "november" 10-18, the kept-then-cancelled 10-11 = 4 (the on-time one shipped 09-27,
    # the cancelled one never shipped); parts used in exchange repairs (case on P-SWITCH): 2 FAN
    # on 10-15, 1 PSU on 10-14; and a clerk's shipment of 3 FAN from GZ01 with no case.
    w = parts_world
    services.stock_move(
        by=w["clerk"],
        depot=w["gz"],
        part=w["fan"],
        kind="shipment",
        from_condition="good",
        quantity=3,
        at=at("2026-10-20 10:00"),
    )
    services.stock_move(  # a transfer is not consumption
        by=w["clerk"],
        depot=w["sh"],
        part=w["psu"],
        kind="transfer",
        from_condition="good",
        to_condition="good",
        to_depot=w["gz"],
        at=at("2026-10-20 11:00"),
    )
    # when
    body = part_consumption(period=OCT)
    # then
    assert body["total"] == 10
    assert body["by_part"] == [
        {"part": "FAN-80", "name": "风扇模块", "quantity": 5},
        {"part": "PSU-650W", "name": "电源模块 650W", "quantity": 5},
    ]
    assert body["by_product"] == [
        {"product": "P-ROUTER", "quantity": 4},
        {"product": "", "quantity": 3},
        {"product": "P-SWITCH", "quantity": 3},
    ]
    assert body["by_region"] == [
        {"region": "east", "quantity": 7},
        {"region": "south", "quantity": 3},
    ]
    assert part_consumption(period=OCT, slices={"region": "south"})["total"] == 3
    assert part_consumption(period=OCT, slices={"product": "P-SWITCH"})["total"] == 3
    september = Period(datetime(2026, 9, 1).date(), datetime(2026, 9, 30).date())
    assert part_consumption(period=september)["by_part"] == [
        {"part": "PSU-650W", "name": "电源模块 650W", "quantity": 1}
    ]


def test_dashboard_and_support_report_show_the_parts_measures(
    replacements, exchanges, client, admin_user
):
    from django.utils import translation

    client.force_login(admin_user)
    params = {"from": "2026-10-01", "to": "2026-10-31"}
    with time_machine.travel(at("2026-11-20 12:00"), tick=False), translation.override("en"):
        dashboard = client.get("/kpi/", params, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        support = client.get("/kpi/support/", params).content.decode()
        exported = client.get("/kpi/support/", {**params, "format": "csv"}).content
    for page in (dashboard, support):
        assert '<p data-measure="part_return_compliance">33 %' in page
        assert '<p data-measure="exchange_on_time_rate">50 %' in page
        assert '<p data-measure="part_consumption">7</p>' in page
        # the numbers link to the cases behind the late ones
        assert f'href="/console/cases/{replacements["overdue"].case.number}/"' in page
    text = exported.decode("utf-8-sig")
    assert "part_returns,compliance,,0.3333," in text
    assert "exchange_repairs,on_time_rate,,0.5," in text
    assert "consumption,total,,7," in text
    assert "consumption_part,PSU-650W,电源模块 650W,5," in text


def test_api_summary_and_scheduled_report_carry_the_parts_measures(
    replacements, exchanges, client_for, admin_user, mailoutbox
):
    import io

    from openpyxl import load_workbook

    from aftersales.kpi.models import ReportSchedule
    from aftersales.kpi.schedules import schedules_send_due

    with time_machine.travel(at("2026-11-20 12:00"), tick=False):
        body = (
            client_for(admin_user)
            .get("/api/v1/kpi/summary/", {"from": "2026-10-01", "to": "2026-10-31"})
            .json()
        )
    assert body["parts"]["part_returns"]["compliance"] == 0.3333
    assert body["parts"]["exchange_repairs"]["on_time_rate"] == 0.5
    assert body["parts"]["consumption"]["total"] == 7
    ReportSchedule.objects.create(name="月度", frequency="monthly", recipients="boss@example.cn")
    with time_machine.travel(at("2026-11-20 12:00"), tick=False):
        assert schedules_send_due(now=at("2026-11-01 08:00")) == 1
    book = load_workbook(io.BytesIO(mailoutbox[0].attachments[1][1]))
    figures = {row[0].value: row[1].value for row in book["summary"].iter_rows()}
    assert figures["part_returns.compliance"] == 0.3333
    assert figures["exchange_repairs.on_time_rate"] == 0.5
    assert figures["part_consumption.total"] == 7
