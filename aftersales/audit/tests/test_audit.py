"""The audit trail: configuration changes through the admin and the API, user changes and
sign-ins are recorded with before and after; administrators export them (with case timelines)
as CSV and Excel; nobody else can."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from aftersales.audit.models import AuditEntry
from aftersales.audit.registry import MASK
from aftersales.calendars.models import BusinessCalendar, CalendarDay
from aftersales.core.downloads import DOWNLOAD_CSP

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/audit/export/"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", language="en")


def rows_of(response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_change_in_the_admin_is_recorded_with_before_and_after(client, admin_user):
    # given a holiday, and an administrator in the admin site
    calendar = BusinessCalendar.objects.get(code="cn-5x8")
    day = CalendarDay.objects.create(
        calendar=calendar, date="2031-10-01", kind="holiday", name="国庆"
    )
    client.force_login(admin_user)
    # when the administrator renames it and makes it a working day
    response = client.post(
        f"/admin/calendars/calendarday/{day.pk}/change/",
        {"calendar": calendar.pk, "date": "2031-10-01", "kind": "workday", "name": "调休"},
    )
    # then
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(object_type="calendars.calendarday", action="update").get()
    assert entry.changes == {"kind": ["holiday", "workday"], "name": ["国庆", "调休"]}
    assert (entry.actor, entry.source, entry.object_id) == (admin_user, "admin", str(day.pk))
    assert entry.path == f"/admin/calendars/calendarday/{day.pk}/change/"


def test_a_change_through_the_api_is_recorded_with_before_and_after(client_for, admin_user):
    api = client_for(admin_user)
    policy = api.get("/api/v1/sla-policies/").json()
    policy = (policy["results"] if isinstance(policy, dict) else policy)[0]
    response = api.patch(
        f"/api/v1/sla-policies/{policy['code']}/", {"name": "7x24 金牌"}, format="json"
    )
    assert response.status_code == 200, response.json()
    entry = AuditEntry.objects.get(object_type="sla.slapolicy", action="update")
    assert entry.changes == {"name": [policy["name"], "7x24 金牌"]}
    assert (entry.actor, entry.source, entry.ip_address) == (admin_user, "api", "127.0.0.1")
    # and it is in the export, filtered by that type of object
    export = api.get(EXPORT, {"object_type": "sla.slapolicy", "format": "csv"})
    assert export.status_code == 200
    assert export["Content-Disposition"] == 'attachment; filename="audit-trail.csv"'
    assert export["Content-Security-Policy"] == DOWNLOAD_CSP
    rows = rows_of(export)
    assert [
        (r["Action"], r["Field"], r["Before"], r["After"], r["By"], r["Via"]) for r in rows
    ] == [("Changed", "name", policy["name"], "7x24 金牌", admin_user.username, "API")]


def test_user_changes_and_sign_ins_are_recorded(make_user, admin_user):
    user = make_user("agent", username="li.agent")
    user.set_password("Correct-horse-1")
    user.save()
    group = Group.objects.create(name="夜班")
    # when (outside a request: a command or a task)
    user.role = "supervisor"
    user.save()
    user.groups.add(group)
    client = Client()
    client.post("/accounts/login/", {"username": "li.agent", "password": "wrong"})
    signed_in = client.post(
        "/accounts/login/", {"username": "li.agent", "password": "Correct-horse-1"}
    )
    assert signed_in.status_code == 302
    # then
    entries = AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk))
    changes = [e.changes for e in entries.filter(action="update").order_by("id")]
    assert changes == [
        {"password": [MASK, MASK]},
        {"role": ["agent", "supervisor"]},
        {"groups": ["", "夜班"]},
    ]
    assert set(entries.filter(action="update").values_list("source", flat=True)) == {"system"}
    assert list(
        entries.filter(action__in=["login", "login_failed"])
        .order_by("id")
        .values_list("action", "actor")
    ) == [("login_failed", None), ("login", user.pk)]


def test_the_export_of_a_user_holds_what_they_did_and_their_case_events(
    client_for, admin_user, agent, make_case
):
    case = make_case(summary="打印机卡纸")
    from aftersales.cases.services import case_comment

    case_comment(case=case, by=agent, body="已联系客户")
    agent.first_name = "伟"
    agent.save()
    api = client_for(admin_user)
    rows = rows_of(api.get(EXPORT, {"user": agent.username}))
    trails = {(r["Trail"], r["Object type"]) for r in rows}
    assert ("Audit", "accounts.user") in trails
    assert ("Case timeline", "cases.case") in trails
    assert {r["Object"] for r in rows if r["Trail"] == "Case timeline"} == {case.number}


def test_the_export_of_a_case_is_its_timeline_in_csv_and_excel(client_for, admin_user, make_case):
    case = make_case(summary='=HYPERLINK("http://evil")')
    other = make_case(summary="其他")
    api = client_for(admin_user)
    rows = rows_of(api.get(EXPORT, {"case": case.number}))
    assert rows
    assert {r["Object"] for r in rows} == {case.number}
    assert other.number not in {r["Object"] for r in rows}
    assert {r["Trail"] for r in rows} == {"Case timeline"}
    assert len(rows) == case.events.count()
    book = api.get(EXPORT, {"case": case.number, "format": "xlsx"})
    assert book.status_code == 200
    assert book["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(book.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("At", "Trail", "By", "Action")
    assert len(values) == len(rows) + 1
    # no cell starts a formula
    assert not any(str(v).startswith("=") for row in values for v in row if v)


def test_the_period_filter(client_for, admin_user, time_machine):
    time_machine.move_to(datetime.datetime(2031, 3, 1, 10, tzinfo=datetime.UTC))
    calendar = BusinessCalendar.objects.get(code="cn-5x8")
    CalendarDay.objects.create(calendar=calendar, date="2031-05-01", kind="holiday", name="劳动节")
    api = client_for(admin_user)
    inside = rows_of(api.get(EXPORT, {"since": "2031-03-01", "until": "2031-03-01"}))
    outside = rows_of(api.get(EXPORT, {"since": "2031-03-02"}))
    assert {r["Object"] for r in inside} >= {"2031-05-01 劳动节"} or any(
        "2031-05-01" in r["After"] for r in inside
    )
    assert outside == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"case": "SR-1999-000001"}, "case"),
        ({"user": "nobody"}, "user"),
        ({"since": "2031-13-01"}, "since"),
        ({"since": "2031-03-02", "until": "2031-03-01"}, "until"),
        ({"format": "pdf"}, "format"),
    ],
)
def test_bad_filters_answer_400(client_for, admin_user, params, field):
    response = client_for(admin_user).get(EXPORT, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize("who", ["agent", "supervisor", "engineer", "contact_user"])
def test_non_administrators_may_not_export(client_for, client, request, who):
    user = request.getfixturevalue(who)
    assert client_for(user).get(EXPORT).status_code == 403
    client.force_login(user)
    assert client.get("/audit/", {"format": "csv"}).status_code == 403


def test_anonymous_may_not_export(api_client, client):
    assert api_client.get(EXPORT).status_code in (401, 403)
    assert client.get("/audit/").status_code == 302


def test_the_admin_page_lists_and_exports(client, admin_user):
    calendar = BusinessCalendar.objects.get(code="cn-5x8")
    calendar.description = "全国通用"
    calendar.save()
    client.force_login(admin_user)
    page = client.get("/audit/", {"object_type": "calendars.businesscalendar"})
    assert page.status_code == 200
    assert "全国通用" in page.content.decode()
    export = client.get("/audit/", {"object_type": "calendars.businesscalendar", "format": "xlsx"})
    assert export.status_code == 200
    assert export["Content-Disposition"] == 'attachment; filename="audit-trail.xlsx"'
    bad = client.get("/audit/", {"since": "yesterday"})
    assert bad.status_code == 400


def test_a_calendar_import_is_recorded(client_for, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(admin_user).post(
        "/api/v1/calendars/cn-5x8/import/",
        {"file": SimpleUploadedFile("days.csv", b"date,kind,name\n2031-01-01,holiday,x\n")},
        format="multipart",
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="import")
    assert (entry.object_type, entry.actor, entry.source) == (
        "calendars.businesscalendar",
        admin_user,
        "api",
    )
    assert entry.changes == {"days": [None, "2031-01-01 holiday"]}
