"""The fast lane of POST /api/v1/cases/ (cases/api/intake.py) answers as the DRF view does.

Every request here is sent twice at the same frozen instant, once with the lane on and once
with it off, and the two answers (status, body, headers) and the rows they wrote must agree but
for the keys and numbers the database drew. A spy on the DRF view's ``initial`` tells which path
answered: plain creates must not reach it; everything else must.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.db.models.signals import post_save
from django.forms.models import model_to_dict
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from aftersales.accounts.services import token_get_or_create
from aftersales.cases.api.views import CaseViewSet
from aftersales.cases.models import Case, CaseEvent
from aftersales.cases.services.common import search_document
from aftersales.catalog.choices import CoverageKind
from aftersales.catalog.models import WarrantyExtension
from aftersales.catalog.tests.factories import AssetFactory
from aftersales.core.batch import prepared_statements_of
from aftersales.notifications.models import NotificationEvent
from aftersales.sla.models import SlaClock, SlaClockEvent
from aftersales.sla.tests.helpers import asset_with_contract, at

NOW = at(2026, 11, 2, 10, 0)

PLAIN = {
    "customer": "ACME",
    "case_type": "fault",
    "channel": "api",
    "severity": "C-2",
    "summary": "核心交换机端口频繁掉线",
    "description": "机房A的核心交换机 3 号端口每小时掉线一次。",
}


@pytest.fixture
def acme(customer):
    customer.code = "ACME"
    customer.save()
    return customer


@pytest.fixture
def covered_asset(acme):
    """An asset with a 7x24 contract and a recorded warranty extension."""
    asset = asset_with_contract(acme, serial="SN-FAST-1")
    WarrantyExtension.objects.create(
        asset=asset,
        kind=CoverageKind.HARDWARE,
        start=dt.date(2027, 1, 10),
        end=dt.date(2029, 1, 9),
        reason="延保服务包",
        created_at=NOW,
    )
    return asset


def _client(user: Any, **headers: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_get_or_create(user=user)}", **headers)
    return client


def _send(client: APIClient, body: Any, *, fast: bool, raw: bytes | None = None, **extra: Any):
    """POST ``body`` with the lane on or off; return the response and whether DRF answered."""
    spy = mock.patch.object(CaseViewSet, "initial", autospec=True, side_effect=CaseViewSet.initial)
    with override_settings(CASES_FAST_CREATE=fast), spy as create:
        content_type = extra.pop("content_type", "application/json")
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
        response = client.post("/api/v1/cases/", data, content_type=content_type, **extra)
    return response, create.called


def _rows(number: str) -> dict[str, Any]:
    """The rows a create wrote, without the keys and the number the database drew."""
    case = Case.objects.get(number=number)
    assert case.search_grams == search_document(case)
    clocks = list(SlaClock.objects.filter(case=case).order_by("id"))
    outbox = list(NotificationEvent.objects.filter(case=case))
    assert [e.dedupe_key for e in outbox] == [f"case_created:{case.pk}"]
    own = {"id", "case", "clock", "number", "search_grams", "dedupe_key"}

    def plain(obj: Any) -> dict[str, Any]:
        fields = [f.name for f in obj._meta.concrete_fields if f.name not in own]
        return model_to_dict(obj, fields=fields) | {
            f.name: getattr(obj, f.attname)
            for f in obj._meta.concrete_fields
            if f.name in {"created_at", "updated_at"}
        }

    return {
        "case": plain(case),
        "clocks": [plain(c) for c in clocks],
        "clock_events": [
            plain(e) | {"target": e.clock.target}
            for e in SlaClockEvent.objects.filter(clock__in=clocks).order_by("id")
        ],
        "timeline": [plain(e) for e in CaseEvent.objects.filter(case=case).order_by("id")],
        "outbox": [plain(e) for e in outbox],
    }


def _body(response: Any) -> Any:
    data = json.loads(response.content)
    if isinstance(data, dict):
        for key in ("id", "number"):
            data.pop(key, None)
    return data


def _headers(response: Any) -> dict[str, str]:
    skip = {"location", "content-length"}
    return {k.lower(): v for k, v in response.headers.items() if k.lower() not in skip}


def _both(client: APIClient, body: Any, **extra: Any) -> tuple[Any, Any, bool, bool]:
    with time_machine.travel(NOW, tick=False):
        fast, fast_drf = _send(client, body, fast=True, **dict(extra))
        slow, slow_drf = _send(client, body, fast=False, **dict(extra))
    assert slow_drf, "with the lane off the DRF view answers"
    return fast, slow, fast_drf, slow_drf


def _assert_same(fast: Any, slow: Any) -> None:
    assert fast.status_code == slow.status_code, (fast.content, slow.content)
    assert _body(fast) == _body(slow)
    assert _headers(fast) == _headers(slow)
    if fast.status_code == 201:
        assert fast["Location"].endswith(f"/{fast.json()['number']}/")
        assert _rows(fast.json()["number"]) == _rows(slow.json()["number"])


@pytest.mark.parametrize(
    "variant",
    [
        "plain",
        "with_asset",
        "asset_null",
        "no_description",
        "padded_text",
        "asset_without_contract",
        "english_user",
        "accept_any",
    ],
)
def test_plain_creates_take_the_lane_and_answer_as_drf_does(variant, agent, acme, covered_asset):
    body = dict(PLAIN)
    headers: dict[str, str] = {}
    if variant == "with_asset":
        body["asset"] = covered_asset.serial_number
    elif variant == "asset_null":
        body["asset"] = None
    elif variant == "no_description":
        del body["description"]
    elif variant == "padded_text":
        body["summary"] = "  端口掉线 \n"
        body["description"] = "\t说明  "
    elif variant == "asset_without_contract":
        body["asset"] = AssetFactory(
            customer=acme, serial_number="SN-BARE", contract=None
        ).serial_number
    elif variant == "english_user":
        agent.language = "en"
        agent.save()
        body["asset"] = covered_asset.serial_number
    elif variant == "accept_any":
        headers["HTTP_ACCEPT"] = "*/*"
    client = _client(agent)
    fast, slow, fast_drf, _ = _both(client, body, **headers)
    assert fast.status_code == 201, fast.content
    assert not fast_drf, "a plain create must not reach the DRF view"
    _assert_same(fast, slow)
    # The answer built from memory is the case as stored: reading it back gives the same.
    with time_machine.travel(NOW, tick=False):
        stored = client.get(fast["Location"], **headers)
    assert json.loads(stored.content) == json.loads(fast.content)
    if variant == "english_user":
        timeline = CaseEvent.objects.filter(case__number=fast.json()["number"], kind="sla")
        assert "policy" in timeline.get().note.lower()


@pytest.mark.parametrize(
    ("variant", "status"),
    [
        ("unknown_customer", 400),
        ("unknown_asset", 400),
        ("asset_of_another_customer", 400),
        ("bad_severity", 400),
        ("blank_summary", 400),
        ("long_summary", 400),
        ("nul_in_summary", 400),
        ("description_null", 400),
        ("summary_is_a_number", 201),
        ("unknown_field", 201),
        ("assignee", 201),
        ("reported_at", 201),
        ("array_body", 400),
        ("malformed_json", 400),
        ("latin1_charset", 201),
        ("accept_html", None),
        ("accept_indented_json", 201),
        ("idempotency_key", 201),
        ("bad_token", 401),
        ("inactive_user", 401),
        ("customer_contact", 201),
        ("parts_clerk", 403),
    ],
)
def test_other_requests_go_to_drf_and_answer_the_same(
    variant, status, agent, engineer, acme, other_customer, covered_asset, make_user
):
    body: Any = dict(PLAIN)
    user = agent
    extra: dict[str, Any] = {}
    if variant == "unknown_customer":
        body["customer"] = "NOPE"
    elif variant == "unknown_asset":
        body["asset"] = "SN-NOPE"
    elif variant == "asset_of_another_customer":
        body["asset"] = AssetFactory(
            customer=other_customer, serial_number="SN-OTHER"
        ).serial_number
    elif variant == "bad_severity":
        body["severity"] = "C-9"
    elif variant == "blank_summary":
        body["summary"] = "   "
    elif variant == "long_summary":
        body["summary"] = "长" * 201
    elif variant == "nul_in_summary":
        body["summary"] = "a\x00b"
    elif variant == "description_null":
        body["description"] = None
    elif variant == "summary_is_a_number":
        body["summary"] = 12345
    elif variant == "unknown_field":
        body["colour"] = "blue"
    elif variant == "assignee":
        body["assignee"] = engineer.username
    elif variant == "reported_at":
        body["reported_at"] = "2026-11-02T09:30:00+08:00"
    elif variant == "array_body":
        body = [body]
    elif variant == "malformed_json":
        extra["raw"] = b'{"customer": "ACME",'
    elif variant == "latin1_charset":
        body = {**PLAIN, "summary": "port flapping", "description": "caf\u00e9"}
        extra["raw"] = json.dumps(body).encode("latin-1")
        extra["content_type"] = "application/json; charset=latin-1"
    elif variant == "accept_html":
        extra["HTTP_ACCEPT"] = "text/html"
    elif variant == "accept_indented_json":
        extra["HTTP_ACCEPT"] = "application/json; indent=2"
    elif variant == "idempotency_key":
        extra["HTTP_IDEMPOTENCY_KEY"] = "k-1"
    elif variant == "bad_token":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    elif variant == "inactive_user":
        client = _client(agent)
        agent.is_active = False
        agent.save()
    elif variant == "customer_contact":
        user = make_user("customer_contact", customer=acme, username="contact_fast")
    elif variant == "parts_clerk":
        user = make_user("parts_clerk")
    if variant not in {"bad_token", "inactive_user"}:
        client = _client(user)
    before = Case.objects.count()
    if variant == "idempotency_key":
        # The key is per request: each mode gets its own, and its retry the same.
        with time_machine.travel(NOW, tick=False):
            fast, fast_drf = _send(client, body, fast=True, HTTP_IDEMPOTENCY_KEY="k-1")
            again, _ = _send(client, body, fast=True, HTTP_IDEMPOTENCY_KEY="k-1")
            slow, _ = _send(client, body, fast=False, HTTP_IDEMPOTENCY_KEY="k-2")
        assert again.json()["number"] == fast.json()["number"]
    else:
        fast, slow, fast_drf, _ = _both(client, body, **extra)
    if status is not None:
        assert fast.status_code == status, fast.content
    assert fast_drf, "this request is the DRF view's to answer"
    if variant == "accept_indented_json":
        assert b'\n  "status"' in fast.content
    if variant == "accept_html":
        assert fast.status_code == slow.status_code  # DRF's page (406, or the browsable API)
    else:
        _assert_same(fast, slow)
    if status is not None and status >= 400:
        assert Case.objects.count() == before, "a refused request writes nothing"


def test_the_lane_reads_once_and_writes_once_on_postgresql(agent, acme, covered_asset):
    """Two round trips in all: the lookups with the number and keys, then every row in one
    statement (no BEGIN/COMMIT), each statement prepared on the first create."""
    if connection.vendor != "postgresql":
        pytest.skip("one round trip per step needs PostgreSQL's multi-statement queries")
    client = _client(agent)
    body = {**PLAIN, "asset": covered_asset.serial_number}
    _send(client, body, fast=True)  # compiles and prepares the statements on this connection
    with CaptureQueriesContext(connection) as queries:
        response, drf = _send(client, body, fast=True)
    assert response.status_code == 201
    assert not drf
    queries = [q["sql"] for q in queries.captured_queries]
    assert len(queries) == 2, queries
    assert all(part.startswith("EXECUTE ") for q in queries for part in q.split(";\n"))
    lookups, inserts = (prepared_statements_of(q) for q in queries)
    assert len(lookups) == 6
    assert lookups[0].startswith('SELECT "accounts_user"')
    assert lookups[-1].startswith("SELECT nextval(")
    # Every row in one statement: the case, its clocks, their events, its timeline and outbox.
    [insert] = inserts
    assert insert.startswith('WITH g0 AS (INSERT INTO "cases_case"')
    assert insert.count("INSERT INTO") == 5


def test_a_request_with_an_unknown_token_draws_no_case_number(agent, acme):
    client = _client(agent)
    first, _ = _send(client, PLAIN, fast=True)
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    refused = stranger.post("/api/v1/cases/", PLAIN, format="json")
    assert refused.status_code == 401
    second, _ = _send(client, PLAIN, fast=True)
    year, serial = first.json()["number"].rsplit("-", 2)[1:]
    assert second.json()["number"] == f"SR-{year}-{int(serial) + 1:06d}"


def test_a_reservation_is_used_only_when_it_fits():
    from aftersales.cases.services.numbering import Reservation
    from aftersales.sla.models import SlaClock

    reservation = Reservation(
        year=2026, number="SR-2026-000007", keys={Case: [11], SlaClock: [21, 22, 23]}
    )
    inside = dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert reservation.take(inside, [(Case, 1), (SlaClock, 2)]) == (
        "SR-2026-000007",
        [[11], [21, 22]],
    )
    # Numbered in the next year (Asia/Shanghai), or needing more keys: drawn anew.
    next_year = dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)
    assert reservation.take(next_year, [(Case, 1)]) is None
    assert reservation.take(inside, [(Case, 1), (SlaClock, 4)]) is None
    assert reservation.take(inside, [(Case, 1), (CaseEvent, 1)]) is None


def test_save_receivers_of_cases_are_still_called(agent, acme, covered_asset):
    """Rows are batched only while nobody listens for a case's saving."""
    receiver = mock.Mock()
    post_save.connect(receiver, sender=Case, weak=False, dispatch_uid="test-intake")
    try:
        fast, slow, fast_drf, _ = _both(_client(agent), {**PLAIN, "asset": "SN-FAST-1"})
    finally:
        post_save.disconnect(sender=Case, dispatch_uid="test-intake")
    assert not fast_drf
    _assert_same(fast, slow)
    assert [c.kwargs["created"] for c in receiver.call_args_list] == [True, True]
    assert [c.kwargs["instance"].number for c in receiver.call_args_list] == [
        fast.json()["number"],
        slow.json()["number"],
    ]


def test_the_lane_can_be_turned_off(agent, acme):
    response, drf = _send(_client(agent), PLAIN, fast=False)
    assert response.status_code == 201
    assert drf


def test_only_the_case_list_route_answers_the_list_path():
    """config/api.py puts the case list route first; no other API route matches its path."""
    from django.urls import Resolver404, resolve

    from aftersales.config import api

    assert resolve("/api/v1/cases/").url_name == "case-list"
    hits = []
    for pattern in api.urlpatterns:
        try:
            if pattern.resolve("cases/"):
                hits.append(pattern)
        except Resolver404:
            pass
    assert [getattr(p, "name", None) for p in hits] == ["case-list"]
    assert api.urlpatterns[0] is hits[0]


def test_a_year_without_a_premade_number_sequence_gets_one(make_case):
    """Case numbers of 2101 and later come from a sequence created on first use."""
    with time_machine.travel(at(2101, 3, 1, 10, 0), tick=False):
        first, second = make_case(), make_case()
    assert (first.number, second.number) == ("SR-2101-000001", "SR-2101-000002")
    assert Case.objects.get(pk=second.pk).number == "SR-2101-000002"


def test_batched_rows_equal_the_orm_rows(agent, acme, covered_asset, engineer):
    """The one-query insert (JSON rows on PostgreSQL) stores what Model.save and bulk_create
    store: every column of the case, its clocks, their events, the timeline and the outbox."""
    from aftersales.cases.services import case_create, lifecycle

    fields = {
        "by": agent,
        "customer": acme,
        "asset": covered_asset,
        "case_type": "fault",
        "channel": "phone",
        "severity": "C-1",
        "summary": '引号"与\\反斜杠 and ünïcödé 🚀',
        "description": "多行\n说明\t含制表符",
        "reported_at": NOW - dt.timedelta(minutes=7, microseconds=123457),
        "assignee": engineer,
    }
    with time_machine.travel(NOW, tick=False):
        batched = case_create(**fields)
        with mock.patch.object(lifecycle, "batching_available", return_value=False):
            plain = case_create(**fields)
    assert _rows(batched.number) == _rows(plain.number)
    stored = Case.objects.get(pk=batched.pk)
    assert stored.summary == fields["summary"]
    assert stored.reported_at == fields["reported_at"]
    assert stored.sla_facts == plain.sla_facts
