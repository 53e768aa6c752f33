"""Events: one outbox row per event, written in the caller's transaction; replays never sent."""

from __future__ import annotations

import pytest
from django.db import transaction

from aftersales.cases.services import case_comment, case_transition, case_update
from aftersales.core import clock
from aftersales.notifications import services
from aftersales.notifications.choices import EventKind, EventStatus
from aftersales.notifications.models import Delivery, NotificationEvent
from aftersales.notifications.services import customer_should_hear, events_fan_out

pytestmark = pytest.mark.django_db


def kinds(case):
    return list(
        NotificationEvent.objects.filter(case=case).order_by("id").values_list("kind", flat=True)
    )


def test_case_created_records_one_acknowledgement_with_the_promised_response(make_case, asset):
    case = make_case(asset=asset, severity="C-1")
    event = NotificationEvent.objects.get(case=case)
    assert event.kind == EventKind.CASE_CREATED
    assert event.status == EventStatus.PENDING
    due = next(c.due_at for c in case.live_sla_clocks if c.target == "response")
    assert event.data["response_due_at"] == due.isoformat()
    assert event.data["severity"] == "C-1"


def test_a_rolled_back_transaction_leaves_no_event(make_case):
    def fail_after_opening() -> None:
        with transaction.atomic():
            make_case()
            raise RuntimeError("the caller failed after opening the case")

    with pytest.raises(RuntimeError):
        fail_after_opening()
    assert NotificationEvent.objects.count() == 0


def test_lifecycle_events_first_response_dispatch_resolution(make_case, agent, engineer):
    case = make_case()
    case = case_transition(case=case, to="responded", by=agent, note="已收到，正在安排。")
    case = case_update(case=case, by=agent, changes={"assignee": engineer})
    engineer.first_name, engineer.phone = "强", "13800009999"
    engineer.save()
    case = case_transition(case=case, to="dispatched", by=agent)
    case = case_transition(case=case, to="in_progress", by=agent)
    case = case_transition(case=case, to="resolved", by=agent, note="更换了光模块。")
    case = case_transition(case=case, to="closed", by=agent)
    assert kinds(case) == [
        "case_created",
        "first_response",
        "engineer_dispatched",
        "status_changed",
        "case_resolved",
        "status_changed",
    ]
    dispatched = NotificationEvent.objects.get(case=case, kind="engineer_dispatched")
    assert dispatched.data["engineer_name"] == "强"
    assert dispatched.data["engineer_phone"] == "13800009999"
    assert dispatched.data["to_status"] == "dispatched"
    # The customer hears about everything but internal steps such as "in progress".
    heard = [
        e.kind
        for e in NotificationEvent.objects.filter(case=case).order_by("id")
        if customer_should_hear(e)
    ]
    assert heard == [
        "case_created",
        "first_response",
        "engineer_dispatched",
        "case_resolved",
        "status_changed",
    ]


def test_a_first_public_reply_is_the_first_response_and_later_replies_are_replies(make_case, agent):
    case = make_case()
    case_comment(case=case, by=agent, body="内部：查一下备件。", public=False)
    case_comment(case=case, by=agent, body="您好，我们正在处理。")
    case_comment(case=case, by=agent, body="请重启设备后再试。")
    assert kinds(case) == ["case_created", "first_response", "case_reply"]


def test_customer_comments_make_no_event(make_case, contact_user, customer):
    case = make_case()
    case_comment(case=case, by=contact_user, body="还是不行。")
    assert kinds(case) == ["case_created"]


def test_private_moves_stay_internal(make_case, agent):
    case = make_case()
    case = case_transition(case=case, to="diagnosing", by=agent)
    case = case_transition(case=case, to="waiting_parts", by=agent, public=False)
    events = list(NotificationEvent.objects.filter(case=case).order_by("id"))
    assert [customer_should_hear(e) for e in events] == [True, True, False]


def test_spare_part_and_field_service_hooks_record_once_per_key(make_case):
    case = make_case()
    for _ in range(2):
        services.part_shipped(
            case=case,
            part_name="光模块",
            part_number="SFP-10G",
            carrier="顺丰",
            tracking_number="SF1234567890",
            dedupe_key="shipment-1",
        )
        services.part_return_overdue(case=case, part_name="光模块", dedupe_key="return-1")
        services.engineer_dispatched(
            case=case, engineer_name="张强", dedupe_key="visit-1", eta=clock.now()
        )
    assert sorted(kinds(case)) == [
        "case_created",
        "engineer_dispatched",
        "part_return_overdue",
        "part_shipped",
    ]


def test_a_replay_of_history_is_recorded_but_never_sent(make_case, agent, contact):
    from datetime import timedelta

    with clock.override(clock.now() - timedelta(minutes=1)):
        case = make_case(contact=contact)
        case_transition(case=case, to="responded", by=agent)
    assert set(NotificationEvent.objects.filter(case=case).values_list("status", flat=True)) == {
        EventStatus.STALE
    }
    events_fan_out()
    assert Delivery.objects.count() == 0


def test_events_older_than_the_limit_are_not_sent(make_case, contact, settings):
    from datetime import timedelta

    case = make_case(contact=contact)
    result = events_fan_out(now=clock.now() + timedelta(hours=49))
    assert result.stale == 1
    assert NotificationEvent.objects.get(case=case).status == EventStatus.STALE
    assert Delivery.objects.count() == 0


def test_with_a_broker_an_event_wakes_a_worker_when_the_transaction_commits(
    make_case, settings, django_capture_on_commit_callbacks
):
    from aftersales.notifications.services.events import _enqueue_delivery

    with django_capture_on_commit_callbacks() as callbacks:
        make_case()
    assert _enqueue_delivery not in callbacks  # embedded mode: the scheduler's run picks it up
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_case()  # the broker is down: the request still succeeds
    assert _enqueue_delivery in callbacks
    assert NotificationEvent.objects.filter(status="pending").count() == 2


def test_the_dedupe_key_has_one_unique_index_and_no_pattern_index():
    """One index entry per event: the unique one (PostgreSQL gives a ``unique=True`` text field a
    second, ``varchar_pattern_ops`` index for LIKE, which nothing runs on this key)."""
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, NotificationEvent._meta.db_table
        )
    on_key = [c for c in constraints.values() if "dedupe_key" in c["columns"]]
    assert len(on_key) == 1
    assert on_key[0]["unique"]
    assert on_key[0]["columns"] == ["dedupe_key"]
