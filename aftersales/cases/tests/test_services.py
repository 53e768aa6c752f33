from __future__ import annotations

import datetime
import re
import threading

import pytest
import time_machine
from django.db import connection

from aftersales.cases.choices import CaseEventKind, CaseStatus
from aftersales.cases.models import Case, CaseEvent
from aftersales.cases.services import (
    case_comment,
    case_create,
    case_create_idempotent,
    case_transition,
    case_update,
)
from aftersales.catalog.tests.factories import AssetFactory
from aftersales.core.errors import Conflict, NotAllowed, ValidationFailed
from aftersales.customers.tests.factories import ContactFactory

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@time_machine.travel(datetime.datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI), tick=False)
def test_create_numbers_the_case_and_writes_the_first_event(make_case, agent):
    # when
    case = make_case()
    # then
    assert re.fullmatch(r"SR-2026-\d{6}", case.number)
    assert case.status == CaseStatus.NEW
    assert case.reported_at == datetime.datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
    events = list(case.events.all())
    assert [(e.kind, e.actor, e.to_status) for e in events] == [
        (CaseEventKind.CREATED, agent, "new"),
        (CaseEventKind.SLA, agent, ""),  # the service-level policy it got, and why
    ]


def test_numbers_are_sequential_within_a_year(make_case):
    # PostgreSQL sequences do not roll back between tests, so compare steps, not absolute values.
    numbers = [make_case().number for _ in range(3)]
    serials = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert serials == [serials[0], serials[0] + 1, serials[0] + 2]
    assert len({n.rsplit("-", 1)[0] for n in numbers}) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_numbers_stay_unique_under_concurrent_creation(agent, customer):
    # given eight threads creating cases at once
    if connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite is one connection per thread; the PostgreSQL run covers this")
    numbers: list[str] = []
    errors: list[Exception] = []

    def work():
        try:
            for _ in range(5):
                case = case_create(
                    by=agent,
                    customer=customer,
                    case_type="fault",
                    channel="phone",
                    severity="C-2",
                    summary="并发创建",
                )
                numbers.append(case.number)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then every case got its own number
    assert errors == []
    assert len(numbers) == 40
    assert len(set(numbers)) == 40


def test_asset_supplies_contract_and_site(make_case, customer):
    from aftersales.catalog.tests.factories import ContractFactory
    from aftersales.customers.tests.factories import SiteFactory

    contract = ContractFactory(customer=customer)
    site = SiteFactory(customer=customer)
    asset = AssetFactory(customer=customer, contract=contract, site=site)
    case = make_case(asset=asset)
    assert (case.contract, case.site) == (contract, site)


def test_asset_of_another_customer_is_refused_and_nothing_written(make_case, other_customer):
    foreign = AssetFactory(customer=other_customer)
    with pytest.raises(ValidationFailed) as info:
        make_case(asset=foreign)
    assert "asset" in info.value.as_data()
    assert Case.objects.count() == 0


def test_report_time_in_the_future_is_refused(make_case):
    future = datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC)
    with pytest.raises(ValidationFailed) as info:
        make_case(reported_at=future)
    assert list(info.value.as_data()) == ["reported_at"]


def test_customer_contact_opens_cases_for_own_organisation_only(
    contact_user, other_customer, make_case
):
    with pytest.raises(ValidationFailed):
        make_case(by=contact_user, customer=other_customer)
    case = make_case(by=contact_user, channel="web")
    assert case.created_by == contact_user


def test_parts_clerk_cannot_open_cases(make_user, make_case):
    with pytest.raises(NotAllowed):
        make_case(by=make_user("parts_clerk"))


def test_update_records_each_changed_field(make_case, agent, engineer):
    case = make_case()
    case = case_update(
        case=case,
        by=agent,
        changes={"severity": "C-1", "assignee": engineer, "summary": case.summary},
    )
    changes = [
        (e.field, e.old_value, e.new_value)
        for e in case.events.filter(kind=CaseEventKind.FIELD_CHANGED).order_by("id")
    ]
    assert changes == [("severity", "C-2", "C-1"), ("assignee", "", engineer.username)]
    assert case.version == 2


def test_update_from_a_stale_copy_is_refused(make_case, agent, supervisor):
    # given two people who read the case at version 1
    case = make_case()
    case_update(case=case, by=agent, changes={"severity": "C-1"}, expected_version=1)
    # when the second saves their stale copy
    with pytest.raises(Conflict) as info:
        case_update(case=case, by=supervisor, changes={"severity": "C-3"}, expected_version=1)
    # then nothing is overwritten
    assert info.value.extra["current_version"] == 2
    case.refresh_from_db()
    assert case.severity == "C-1"


def test_resolving_needs_a_note(make_case, agent):
    case = case_transition(case=make_case(), to="responded", by=agent)
    with pytest.raises(ValidationFailed) as info:
        case_transition(case=case, to="resolved", by=agent, note="  ")
    assert list(info.value.as_data()) == ["note"]
    case = case_transition(case=case, to="resolved", by=agent, note="更换光模块后恢复")
    assert case.resolution == "更换光模块后恢复"
    assert case.resolved_at is not None


def test_reopen_is_counted_and_recorded(make_case, agent, contact_user):
    case = make_case(by=contact_user, channel="web")
    case = case_transition(case=case, to="responded", by=agent)
    case = case_transition(case=case, to="resolved", by=agent, note="已修复")
    case = case_transition(case=case, to="closed", by=contact_user)
    case = case_transition(case=case, to="in_progress", by=contact_user, note="问题再次出现")
    assert case.status == "in_progress"
    assert case.reopen_count == 1
    assert case.resolved_at is None
    assert case.closed_at is None
    last = case.events.order_by("-id").first()
    assert (last.kind, last.from_status, last.to_status, last.actor) == (
        CaseEventKind.REOPENED,
        "closed",
        "in_progress",
        contact_user,
    )


def test_customer_cannot_make_staff_moves(make_case, contact_user):
    case = make_case()
    with pytest.raises(NotAllowed):
        case_transition(case=case, to="responded", by=contact_user)
    case.refresh_from_db()
    assert case.status == "new"


def test_first_public_staff_reply_is_the_response(make_case, agent, contact_user):
    case = make_case()
    case_comment(case=case, by=contact_user, body="请尽快处理")
    case.refresh_from_db()
    assert case.responded_at is None
    case_comment(case=case, by=agent, body="内部：先查日志", public=False)
    case.refresh_from_db()
    assert case.responded_at is None
    case_comment(case=case, by=agent, body="您好，工程师正在处理。")
    case.refresh_from_db()
    assert case.responded_at is not None


def test_customer_cannot_write_internal_notes(make_case, contact_user):
    with pytest.raises(ValidationFailed):
        case_comment(case=make_case(), by=contact_user, body="x", public=False)


def test_timeline_rows_are_append_only(make_case):
    event = make_case().events.get(kind=CaseEventKind.CREATED)
    event.note = "changed"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    assert CaseEvent.objects.get(pk=event.pk).note == ""


def test_idempotent_create_returns_the_first_case(agent, customer):
    fields = {
        "customer": customer,
        "case_type": "fault",
        "channel": "api",
        "severity": "C-3",
        "summary": "打印机卡纸",
    }
    first, created = case_create_idempotent(key="k-1", fingerprint="f", by=agent, **fields)
    again, created_again = case_create_idempotent(key="k-1", fingerprint="f", by=agent, **fields)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Case.objects.count() == 1
    with pytest.raises(Conflict):
        case_create_idempotent(key="k-1", fingerprint="other", by=agent, **fields)


def test_contact_of_other_customer_is_refused(make_case, other_customer):
    with pytest.raises(ValidationFailed) as info:
        make_case(contact=ContactFactory(customer=other_customer))
    assert list(info.value.as_data()) == ["contact"]


@time_machine.travel(datetime.datetime(2101, 3, 1, 12, 0, tzinfo=datetime.UTC), tick=False)
def test_numbers_in_a_year_beyond_the_premade_sequences(make_case):
    first, second = make_case().number, make_case().number
    assert first.startswith("SR-2101-")
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1
