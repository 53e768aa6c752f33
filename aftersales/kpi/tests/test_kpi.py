"""Measures against hand-computed fixtures, scorecard permissions and exports."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine

from aftersales.cases.services import case_comment, case_transition
from aftersales.kpi.measures import Period, summary
from aftersales.sla.tests.helpers import asset_with_contract, at, open_case
from aftersales.surveys.models import Rating

NOV = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))


@pytest.fixture
def world(agent, engineer, customer):
    """Four November cases of one 7x24 unit and one October case (outside the period):
    A answered in 30 minutes and resolved, B resolved then reopened twice and resolved,
    C still open and past its response target, D a complaint with no answer yet."""
    asset = asset_with_contract(customer, serial="KPI-1")
    a = open_case(agent, customer, at(2026, 11, 2, 10, 0), asset=asset, assignee=engineer)
    b = open_case(agent, customer, at(2026, 11, 3, 10, 0), asset=asset, assignee=engineer)
    c = open_case(agent, customer, at(2026, 11, 4, 10, 0), asset=asset)
    d = open_case(agent, customer, at(2026, 11, 5, 10, 0), case_type="complaint")
    open_case(agent, customer, at(2026, 10, 30, 10, 0), asset=asset)
    with time_machine.travel(at(2026, 11, 2, 10, 30), tick=False):
        case_comment(case=a, by=agent, body="已收到，工程师正在处理。")
        a = case_transition(case=a, to="responded", by=agent)
        a = case_transition(case=a, to="resolved", by=agent, note="ok")
    with time_machine.travel(at(2026, 11, 3, 11, 0), tick=False):
        b = case_transition(case=b, to="responded", by=agent)
        b = case_transition(case=b, to="resolved", by=agent, note="ok")
        b = case_transition(case=b, to="in_progress", by=agent, note="again")
        b = case_transition(case=b, to="resolved", by=agent, note="ok")
        b = case_transition(case=b, to="in_progress", by=agent, note="again")
        b = case_transition(case=b, to="resolved", by=agent, note="ok")
    Rating.objects.create(case=a, score=5, created_at=at(2026, 11, 3, 9, 0))
    Rating.objects.create(case=b, score=2, created_at=at(2026, 11, 4, 9, 0))
    from aftersales.sla.services import sla_sweep

    with time_machine.travel(at(2026, 11, 6, 10, 0), tick=False):
        sla_sweep()
    return {"a": a, "b": b, "c": c, "d": d}


def test_case_measures_by_hand(world):
    body = summary(period=NOV)
    assert body["cases"] == 4
    assert body["resolved"] == 2
    assert body["resolution_rate"] == 0.5
    # a reopened case counts once per reopening, never as a new case
    assert body["reopenings"] == 2
    assert body["reopen_rate"] == 1.0
    assert body["first_contact_resolved"] == 1  # B was reopened
    assert body["complaints_per_100_cases"] == 25.0
    assert body["satisfaction"]["average"] == 3.5
    assert body["satisfaction"]["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert body["repeat_faults"] == [{"serial_number": "KPI-1", "faults": 3}]


def test_a_case_with_several_visits_counts_once(world, engineer, agent):
    from aftersales.dispatch.models import Visit

    for hour in (12, 15):
        Visit.objects.create(
            case=world["b"],
            engineer=engineer,
            planned_at=at(2026, 11, 3, hour, 0),
            created_by=agent,
            created_at=at(2026, 11, 3, 11, 0),
        )
    Visit.objects.create(
        case=world["a"],
        engineer=engineer,
        planned_at=at(2026, 11, 2, 12, 0),
        created_by=agent,
        created_at=at(2026, 11, 2, 10, 30),
    )
    body = summary(period=NOV)
    assert body["cases"] == 4
    assert body["resolved"] == 2
    assert body["reopenings"] == 2
    assert body["complaints_per_100_cases"] == 25.0
    assert body["first_contact_resolved"] == 0  # A needed a visit, B was reopened


def test_sla_measures_by_hand(world):
    response = summary(period=NOV)["sla"]["targets"]["response"]
    # A met in 30 minutes, B in 60; C breached (2 h on the 7x24 contract); D breached (24 h).
    assert (response["finished"], response["on_time"], response["breached"]) == (4, 2, 2)
    assert response["compliance"] == 0.5
    assert response["median_seconds"] == 45 * 60


def test_slices_narrow_the_cohort(world, customer):
    assert summary(period=NOV, slices={"case_type": "complaint"})["cases"] == 1
    assert summary(period=NOV, slices={"customer": customer.code})["cases"] == 4
    assert summary(period=NOV, slices={"customer": "NOBODY"})["cases"] == 0


def test_scorecards_by_role(
    world, client_for, engineer, make_user, supervisor, admin_user, agent, customer
):
    from aftersales.dispatch.models import EngineerProfile

    other = make_user("engineer", username="eng_other")
    EngineerProfile.objects.create(user=engineer, home_region=customer.region)
    customer.region.supervisor = supervisor
    customer.region.save()
    params = {"from": "2026-11-01", "to": "2026-11-30"}
    own = client_for(engineer).get("/api/v1/kpi/scorecards/", params).json()
    assert [c["engineer"] for c in own] == [engineer.username]
    card = own[0]
    assert (card["cases"], card["resolved"], card["resolution_rate"]) == (2, 2, 1.0)
    assert card["satisfaction_average"] == 3.5
    assert card["weights"] == {
        "resolution_rate": 30,
        "sla_compliance": 30,
        "satisfaction": 30,
        "complaints": 10,
    }
    assert (
        client_for(engineer).get(f"/api/v1/kpi/scorecards/{other.username}/", params).status_code
        == 404
    )
    region = client_for(supervisor).get("/api/v1/kpi/scorecards/", params).json()
    assert [c["engineer"] for c in region] == [engineer.username]
    everyone = client_for(admin_user).get("/api/v1/kpi/scorecards/", params).json()
    assert {c["engineer"] for c in everyone} == {engineer.username, "eng_other"}
    assert client_for(agent).get("/api/v1/kpi/scorecards/", params).json() == []
    bad = client_for(admin_user).get(
        "/api/v1/kpi/summary/", {"from": "2026-11-30", "to": "2026-11-01"}
    )
    assert bad.status_code == 400


def test_scorecard_exports(world, client, admin_user, engineer):
    client.force_login(admin_user)
    response = client.get(
        "/kpi/scorecards/", {"from": "2026-11-01", "to": "2026-11-30", "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Engineer", "Name", "Cases"]
    mine = next(r for r in rows if r[0] == engineer.username)
    assert mine[2] == "2"
    xlsx = client.get(
        "/kpi/scorecards/", {"from": "2026-11-01", "to": "2026-11-30", "format": "xlsx"}
    )
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["scorecards", "weights"]
    assert any(row[0].value == engineer.username for row in book["scorecards"].iter_rows(min_row=2))
    page = client.get("/kpi/", {"from": "2026-11-01", "to": "2026-11-30"}).content.decode()
    import html
    import re

    link = re.search(r'data-measure="cases"><a href="([^"]+)">4<', page)
    assert link is not None
    behind = client.get(html.unescape(link.group(1))).content.decode()
    numbers = set(re.findall(r"SR-2026-\d{6}", behind))
    assert numbers == {world[k].number for k in "abcd"}


def test_support_report_with_causes_and_examples(world, client, agent, admin_user):
    from aftersales.cases.services import case_update
    from aftersales.kpi.measures import support_report

    with time_machine.travel(at(2026, 11, 6, 12, 0), tick=False):
        case_update(case=world["a"], by=agent, changes={"cause": "电源模块老化"})
        case_update(case=world["c"], by=agent, changes={"cause": "电源模块老化"})
    report = support_report(period=NOV)
    assert report["faults"] == 3
    assert report["faults_by_product"][0]["faults"] == 3
    cause = report["root_causes"][0]
    assert (cause["cause"], cause["cases"]) == ("电源模块老化", 2)
    assert set(cause["examples"]) == {world["a"].number, world["c"].number}
    by_type = {r["case_type"]: r["cases"] for r in report["requests_by_type"]}
    assert by_type == {"fault": 3, "complaint": 1}
    client.force_login(admin_user)
    page = client.get("/kpi/support/", {"from": "2026-11-01", "to": "2026-11-30"}).content.decode()
    assert "电源模块老化" in page
    exported = client.get(
        "/kpi/support/", {"from": "2026-11-01", "to": "2026-11-30", "format": "csv"}
    ).content.decode("utf-8-sig")
    assert "cause,电源模块老化,,2," in exported


def test_heat_map_and_weekly_trend(world):
    from aftersales.kpi.measures import cohort, sla_heat_map, weekly_trend

    heat = sla_heat_map(cohort(period=NOV))
    assert heat["cells"]["C-2|response"] == {"on_time": 2, "finished": 4, "compliance": 0.5}
    weeks = weekly_trend(period=NOV)
    assert weeks[0] == {
        "from": "2026-11-01",
        "cases": 0,
        "resolution_rate": None,
        "response_compliance": None,
    }  # Sunday Nov 1 alone
    assert weeks[1]["from"] == "2026-11-02"
    assert weeks[1]["cases"] == 4
    assert sum(w["cases"] for w in weeks) == 4


@pytest.mark.parametrize(
    ("frequency", "today", "first", "last"),
    [
        ("weekly", dt.date(2026, 11, 25), dt.date(2026, 11, 16), dt.date(2026, 11, 22)),
        ("weekly", dt.date(2026, 11, 23), dt.date(2026, 11, 16), dt.date(2026, 11, 22)),
        ("monthly", dt.date(2026, 12, 1), dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
        ("monthly", dt.date(2026, 3, 15), dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
    ],
)
def test_last_complete_period(frequency, today, first, last):
    from aftersales.kpi.schedules import last_complete_period

    period = last_complete_period(frequency, today)
    assert (period.first, period.last) == (first, last)


def test_scheduled_report_is_mailed_once_per_period_with_pdf_and_excel(world, mailoutbox):
    from openpyxl import load_workbook

    from aftersales.kpi.models import ReportSchedule
    from aftersales.kpi.schedules import schedules_send_due

    ReportSchedule.objects.create(
        name="月度服务报告", frequency="monthly", recipients="boss@example.cn\nqa@example.cn"
    )
    december = at(2026, 12, 1, 8, 0)
    assert schedules_send_due(now=december) == 1
    assert schedules_send_due(now=december + dt.timedelta(hours=5)) == 0
    (mail,) = mailoutbox
    assert mail.to == ["boss@example.cn", "qa@example.cn"]
    names = [a[0] for a in mail.attachments]
    assert names == ["kpi-2026-11-01-2026-11-30.pdf", "kpi-2026-11-01-2026-11-30.xlsx"]
    assert mail.attachments[0][1][:5] == b"%PDF-"
    book = load_workbook(io.BytesIO(mail.attachments[1][1]))
    figures = {row[0].value: row[1].value for row in book["summary"].iter_rows()}
    assert figures["cases"] == 4
    assert schedules_send_due(now=at(2027, 1, 1, 8, 0)) == 1


def test_cases_by_region_bars(world, customer, client, admin_user):
    from aftersales.kpi.measures import by_dimension, cohort

    rows = by_dimension(cohort(period=NOV), "region")
    assert rows == [
        {"key": customer.region.code, "cases": 4, "resolved": 2, "breached": rows[0]["breached"]}
    ]
    assert rows[0]["breached"] >= 1
    client.force_login(admin_user)
    page = client.get("/kpi/", {"from": "2026-11-01", "to": "2026-11-30"}).content.decode()
    assert f'data-key="{customer.region.code}"' in page
