"""Retention: old finished deliveries, notices and events are purged in batches; nothing else."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from itertools import count

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override

from aftersales.cases.models import CaseEvent
from aftersales.config.celery import beat_schedule
from aftersales.core import clock
from aftersales.core.scheduler import periodic_tasks
from aftersales.notifications.choices import Channel, DeliveryStatus, EventKind, EventStatus
from aftersales.notifications.models import (
    Delivery,
    Notification,
    NotificationEvent,
    NotificationKind,
)
from aftersales.notifications.services import (
    notifications_build,
    notifications_deliver,
    notifications_purge,
    notifications_save,
)
from aftersales.notifications.tasks import notifications_purge_task

pytestmark = pytest.mark.django_db

RETENTION = timedelta(days=180)
OLD = timedelta(days=200)
NEW = timedelta(days=10)
_keys = count()


@pytest.fixture
def now():
    return clock.now()


@pytest.fixture
def case(make_case):
    return make_case()


def event(case, now, *, age, status=EventStatus.DONE):
    return NotificationEvent.objects.create(
        kind=EventKind.STATUS_CHANGED,
        case=case,
        created_at=now - age,
        dedupe_key=f"test:event:{next(_keys)}",
        status=status,
        processed_at=None if status == EventStatus.PENDING else now - age,
    )


def notice(case, user, now, *, age, dispatched=True, read=False):
    return Notification.objects.create(
        recipient=user,
        kind=NotificationKind.SLA_WARNING,
        case=case,
        title="SR warning",
        created_at=now - age,
        dispatched_at=now - age if dispatched else None,
        read_at=now - age if read else None,
        dedupe_key=f"test:notice:{next(_keys)}",
    )


def delivery(case, now, *, age, status, parent=None, sent_age=None, attempts=1):
    """A delivery made ``age`` ago (sent ``sent_age`` ago, by default when made)."""
    sent = status == DeliveryStatus.SENT
    return Delivery.objects.create(
        event=parent if isinstance(parent, NotificationEvent) else None,
        notification=parent if isinstance(parent, Notification) else None,
        kind=EventKind.STATUS_CHANGED,
        case=case,
        channel=Channel.EMAIL,
        address="wang.wei@hospital.example.cn",
        dedupe_key=f"test:delivery:{next(_keys)}",
        status=status,
        attempts=attempts,
        created_at=now - age,
        sent_at=now - (sent_age or age) if sent else None,
        next_attempt_at=now + timedelta(minutes=5) if status == DeliveryStatus.PENDING else None,
    )


def ids(model):
    return set(model.objects.values_list("pk", flat=True))


@pytest.fixture
def rows(case, agent, now):
    """Old and new rows of every status; returns (purged, kept) pks per model."""
    gone: dict[type, set[int]] = {Delivery: set(), Notification: set(), NotificationEvent: set()}
    kept = {model: ids(model) for model in gone}  # what case_create wrote is new: it stays

    def mark(row, purged):
        (gone if purged else kept)[type(row)].add(row.pk)
        return row

    # An old fanned-out event whose deliveries all finished long ago: everything goes.
    done = mark(event(case, now, age=OLD), True)
    for status in (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED):
        mark(delivery(case, now, age=OLD, status=status, parent=done), True)
    # An old stale event (never fanned out) with no delivery at all.
    mark(event(case, now, age=OLD, status=EventStatus.STALE), True)
    # An old event whose delivery still waits for its 4th attempt: both stay, and so does its
    # finished sibling's event (the sibling itself goes).
    retrying = mark(event(case, now, age=OLD), False)
    mark(
        delivery(case, now, age=OLD, status=DeliveryStatus.PENDING, parent=retrying, attempts=3),
        False,
    )
    mark(delivery(case, now, age=OLD, status=DeliveryStatus.SENT, parent=retrying), True)
    # An old event with a delivery being sent right now.
    sending = mark(event(case, now, age=OLD), False)
    mark(delivery(case, now, age=OLD, status=DeliveryStatus.SENDING, parent=sending), False)
    # An old event that was sent recently (a long retry), and one whose delivery is new.
    late = mark(event(case, now, age=OLD), False)
    mark(delivery(case, now, age=OLD, status=DeliveryStatus.SENT, parent=late, sent_age=NEW), False)
    fresh_child = mark(event(case, now, age=OLD), False)
    mark(delivery(case, now, age=NEW, status=DeliveryStatus.FAILED, parent=fresh_child), False)
    # An old event still pending (the delivery task has not seen it) and new finished events.
    mark(event(case, now, age=OLD, status=EventStatus.PENDING), False)
    new = mark(event(case, now, age=NEW), False)
    for status in (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED):
        mark(delivery(case, now, age=NEW, status=status, parent=new), False)
    # Staff notices: old ones passed on, read or unread, go with their finished deliveries.
    old_read = mark(notice(case, agent, now, age=OLD, read=True), True)
    mark(delivery(case, now, age=OLD, status=DeliveryStatus.SENT, parent=old_read), True)
    mark(notice(case, agent, now, age=OLD), True)
    # An old notice not yet passed to the channels, one with a pending delivery, a new one.
    mark(notice(case, agent, now, age=OLD, dispatched=False), False)
    waiting = mark(notice(case, agent, now, age=OLD), False)
    mark(delivery(case, now, age=OLD, status=DeliveryStatus.PENDING, parent=waiting), False)
    mark(notice(case, agent, now, age=NEW), False)
    # Deliveries without an event or notice (survey SMS): old finished go, others stay.
    mark(delivery(case, now, age=OLD, status=DeliveryStatus.SKIPPED), True)
    mark(delivery(case, now, age=OLD, status=DeliveryStatus.PENDING), False)
    mark(delivery(case, now, age=RETENTION - timedelta(minutes=1), status="sent"), False)
    return gone, kept


def test_purge_deletes_exactly_the_old_finished_rows(rows, now):
    # given
    gone, kept = rows
    # when
    result = notifications_purge(older_than=now - RETENTION)
    # then
    assert result.as_dict() == {"deliveries": 6, "notifications": 2, "events": 2}
    assert len(gone[Delivery]) == 6
    for model in (Delivery, Notification, NotificationEvent):
        assert ids(model) == kept[model]
        assert not ids(model) & gone[model]


def test_a_second_purge_finds_nothing(rows, now):
    notifications_purge(older_than=now - RETENTION)
    assert notifications_purge(older_than=now - RETENTION).as_dict() == {
        "deliveries": 0,
        "notifications": 0,
        "events": 0,
    }


def test_dry_run_deletes_nothing_and_reports_the_same_counts(rows, now):
    # given
    before = {model: ids(model) for model in (Delivery, Notification, NotificationEvent)}
    # when
    dry = notifications_purge(older_than=now - RETENTION, dry_run=True)
    # then
    assert {model: ids(model) for model in before} == before
    assert dry.as_dict() == notifications_purge(older_than=now - RETENTION).as_dict()


def test_batches_smaller_than_the_row_count(case, agent, now):
    # given: 7 old sent deliveries, 5 old notices and 4 old events, in batches of 3
    for _ in range(7):
        delivery(case, now, age=OLD, status=DeliveryStatus.SENT)
    for _ in range(5):
        notice(case, agent, now, age=OLD)
    for _ in range(4):
        event(case, now, age=OLD)
    # when
    with CaptureQueriesContext(connection) as queries:
        result = notifications_purge(older_than=now - RETENTION, batch_size=3)
    # then: every row went, 3 at most per DELETE statement (7 = 3+3+1, 5 = 3+2, 4 = 3+1)
    assert result.as_dict() == {"deliveries": 7, "notifications": 5, "events": 4}
    deletes = [
        q["sql"].split('"')[1]
        for q in queries.captured_queries
        if q["sql"].startswith("DELETE FROM")
    ]
    assert deletes.count("notifications_delivery") == 3 + 2 + 2  # + the notices' and events'
    assert deletes.count("notifications_notification") == 2
    assert deletes.count("notifications_notificationevent") == 2
    assert Notification.objects.filter(created_at__lt=now - RETENTION).count() == 0
    assert NotificationEvent.objects.filter(created_at__lt=now - RETENTION).count() == 0


def test_real_fan_out_is_purged_and_the_case_timeline_stays(make_case, contact, agent):
    # given: a case's acknowledgement sent for real, and a staff notice about it
    case = make_case(contact=contact)
    notifications_save(
        notifications_build(
            recipients=[agent],
            kind=NotificationKind.SLA_WARNING,
            case=case,
            at=clock.now(),
            dedupe_key=f"warning:test:{case.pk}",
            render=lambda: ("SR warning", case.summary),
        )
    )
    notifications_deliver()
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 0
    timeline = list(CaseEvent.objects.filter(case=case).values_list("pk", "kind"))
    made = (Delivery.objects.count(), Notification.objects.count())
    # when: everything is past its retention
    result = notifications_purge(older_than=clock.now() + timedelta(days=1))
    # then: the log is gone, the case and its timeline are not
    assert (result.deliveries, result.notifications, result.events) == (*made, 1)
    assert Delivery.objects.count() == Notification.objects.count() == 0
    assert NotificationEvent.objects.count() == 0
    case.refresh_from_db()
    assert list(CaseEvent.objects.filter(case=case).values_list("pk", "kind")) == timeline


def test_the_daily_task_is_scheduled_and_uses_the_retention(rows, settings):
    # given
    gone, kept = rows
    path = "aftersales.notifications.tasks.notifications_purge_task"
    # then: in the table both Celery beat and the embedded scheduler read, once a day
    assert (path, 86400) in settings.AFTERSALES_PERIODIC_TASKS
    assert beat_schedule()[path] == {"task": path, "schedule": 86400.0}
    [task] = [t for t in periodic_tasks() if t.name == path]
    assert task.func is notifications_purge_task
    # when: 0 keeps everything
    settings.NOTIFICATIONS_RETENTION_DAYS = 0
    assert notifications_purge_task() == {}
    assert ids(Delivery) == kept[Delivery] | gone[Delivery]
    # when: the default retention
    settings.NOTIFICATIONS_RETENTION_DAYS = 180
    assert notifications_purge_task.delay().get() == {
        "deliveries": 6,
        "notifications": 2,
        "events": 2,
    }
    assert ids(Delivery) == kept[Delivery]


def test_the_command_prints_counts_and_dry_run_deletes_nothing(rows):
    # given
    gone, kept = rows
    out = StringIO()
    # when
    with override("en"):
        call_command("notifications_purge", "--dry-run", "--days", "180", stdout=out)
    # then
    text = out.getvalue()
    assert "Dry run" in text
    assert "deliveries: 6" in text
    assert "notifications: 2" in text
    assert "notification events: 2" in text
    assert ids(Delivery) == kept[Delivery] | gone[Delivery]
    # when
    out = StringIO()
    with override("en"):
        call_command("notifications_purge", "--batch-size", "2", stdout=out)
    # then
    assert "deliveries: 6" in out.getvalue()
    assert ids(Delivery) == kept[Delivery]
    assert ids(Notification) == kept[Notification]


def test_the_command_with_fewer_days_purges_more(rows):
    # given: --days 5 makes the 10-day-old finished rows old too
    out = StringIO()
    # when
    with override("en"):
        call_command("notifications_purge", "--days", "5", stdout=out)
    # then: every finished row older than 5 days went; pending and sending ones stayed
    cutoff = clock.now() - timedelta(days=5)
    assert "deliveries: 12" in out.getvalue()
    assert set(Delivery.objects.filter(created_at__lt=cutoff).values_list("status", flat=True)) == {
        DeliveryStatus.PENDING,
        DeliveryStatus.SENDING,
    }


def test_the_command_refuses_less_than_one_day():
    with pytest.raises(CommandError):
        call_command("notifications_purge", "--days", "0")
