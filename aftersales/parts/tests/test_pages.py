"""Spare-parts pages: stock with low-stock list, movements, replacements, exports, panels."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from aftersales.parts import services
from aftersales.parts.models import ReplenishmentRequest

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def stocked(clerk, depot, part, receive):
    receive(depot, part, 2)
    services.minimum_set(by=clerk, depot=depot, part=part, minimum=5)
    return depot


def test_stock_page_lists_stock_and_low_stock(client, clerk, stocked, part):
    client.force_login(clerk)
    html = client.get("/parts/").content.decode()
    assert part.part_number in html
    low = html.split('id="low-stock"')[1].split("</table>")[0]
    assert "PSU-650W" in low


def test_replenishment_request_recorded_and_moved(client, clerk, stocked, part):
    client.force_login(clerk)
    r = client.post(
        "/parts/replenishment/",
        {"depot": stocked.code, "part_number": part.part_number, "quantity": "10"},
    )
    assert r.status_code == 302
    req = ReplenishmentRequest.objects.get()
    assert (req.quantity, req.status) == (10, "open")
    client.post(f"/parts/replenishment/{req.pk}/", {"status": "received"})  # not from open
    req.refresh_from_db()
    assert req.status == "open"
    client.post(f"/parts/replenishment/{req.pk}/", {"status": "ordered"})
    req.refresh_from_db()
    assert req.status == "ordered"


def test_clerk_sets_a_minimum_on_the_stock_page_and_agents_cannot(
    client, clerk, agent, depot, part, receive
):
    from aftersales.parts.models import MinimumLevel

    receive(depot, part, 2)
    client.force_login(agent)
    assert 'id="minimum-form"' not in client.get("/parts/").content.decode()
    client.post("/parts/minimums/", {"depot": "SH01", "part_number": "PSU-650W", "minimum": "1"})
    assert not MinimumLevel.objects.exists()
    client.force_login(clerk)
    assert 'id="minimum-form"' in client.get("/parts/").content.decode()
    for bad in ("-1", "x", ""):
        r = client.post(
            "/parts/minimums/", {"depot": "SH01", "part_number": "PSU-650W", "minimum": bad}
        )
        assert r.status_code == 302
    assert not MinimumLevel.objects.exists()
    client.post("/parts/minimums/", {"depot": "SH01", "part_number": "PSU-650W", "minimum": "3"})
    assert MinimumLevel.objects.get().minimum == 3
    low = client.get("/parts/").content.decode().split('id="low-stock"')[1].split("</table>")[0]
    assert "PSU-650W" in low


def test_agents_cannot_request_replenishment(client, agent, stocked, part):
    client.force_login(agent)
    client.post(
        "/parts/replenishment/",
        {"depot": stocked.code, "part_number": part.part_number, "quantity": "10"},
    )
    assert not ReplenishmentRequest.objects.exists()


def test_exports_csv_and_excel(client, clerk, stocked, part):
    client.force_login(clerk)
    r = client.get("/parts/export/stock.csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[1][:4] == ["SH01", "PSU-650W", "电源模块 650W", "2"]
    r = client.get("/parts/export/movements.xlsx")
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][1] == "receipt"
    assert values[1][7] == 2
    assert client.get("/parts/export/secrets.csv").status_code == 404


def test_customers_cannot_open_parts_pages(client, contact_user):
    client.force_login(contact_user)
    for url in ("/parts/", "/parts/movements/", "/parts/replacements/", "/parts/export/stock.csv"):
        assert client.get(url).status_code in (302, 403, 404)


def test_replacement_pages_and_console_panel(client, clerk, make_case, stocked, part):
    case = make_case()
    r = services.replacement_create(
        by=clerk,
        case=case,
        part=part,
        depot=stocked,
        fault_confirmed_at=datetime(2026, 11, 2, 10, tzinfo=SH),
    )
    client.force_login(clerk)
    html = client.get("/parts/replacements/").content.decode()
    assert r.number in html
    assert "2026-11-02 17:00" in html
    html = client.get("/parts/movements/").content.decode()
    assert r.number in html
    html = client.get(f"/console/cases/{case.number}/").content.decode()
    assert 'id="parts"' in html
    assert r.number in html


def test_console_panel_orders_and_moves_a_replacement(
    client, engineer, clerk, make_case, stocked, part
):
    case = make_case()
    client.force_login(engineer)
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert 'id="order-replacement"' in page
    r = client.post(
        f"/parts/cases/{case.number}/replacement/",
        {"part_number": part.part_number, "depot": stocked.code, "at": "2026-11-02T10:00"},
    )
    assert r.status_code == 302
    rep = case.replacements.get()
    assert rep.ship_by == datetime(2026, 11, 2, 17, tzinfo=SH)
    # An engineer cannot ship; a parts clerk can.
    client.post(
        f"/parts/replacements/{rep.number}/ship/", {"carrier": "顺丰", "tracking_number": "SF9"}
    )
    rep.refresh_from_db()
    assert rep.status == "reserved"
    client.force_login(clerk)
    client.post(
        f"/parts/replacements/{rep.number}/ship/",
        {"carrier": "顺丰", "tracking_number": "SF9", "at": "2026-11-02T15:00"},
    )
    rep.refresh_from_db()
    assert rep.status == "shipped"
    client.post(f"/parts/replacements/{rep.number}/deliver/", {"at": "2026-11-03T10:00"})
    rep.refresh_from_db()
    assert rep.return_due == datetime(2026, 11, 17, 17, tzinfo=SH)
    # Out of stock: the message names where the part is.
    services.depot_create(by=clerk, code="HZ01", name="杭州备件库")
    services.stock_move(
        by=clerk,
        depot=services.Depot.objects.get(code="HZ01"),
        part=part,
        kind="receipt",
        to_condition="good",
        quantity=3,
    )
    services.stock_move(
        by=clerk,
        depot=stocked,
        part=part,
        kind="scrap",
        from_condition="good",
        to_condition="scrapped",
    )
    r = client.post(
        f"/parts/cases/{case.number}/replacement/",
        {"part_number": part.part_number, "depot": stocked.code},
        follow=True,
    )
    assert "HZ01 (3)" in r.content.decode()
    assert case.replacements.count() == 1
