"""Notices of the spare-parts app: the customer's reminder before the faulty part is due, and
the parts clerks' low-stock notice once per crossing below the minimum."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from aftersales.cases.models import CaseEvent
from aftersales.notifications.models import Notification, NotificationEvent
from aftersales.notifications.services import notifications_deliver
from aftersales.parts import services
from aftersales.parts.models import MinimumLevel
from aftersales.parts.tasks import returns_overdue_task

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def contact(customer):
    from aftersales.customers.tests.factories import ContactFactory

    return ContactFactory(
        customer=customer, name="王伟", email="wang.wei@hospital.example.cn", mobile="13900001111"
    )


def _delivered(clerk, case, depot, part, receive, delivered_at):
    receive(depot, part, 1)
    r = services.replacement_create(
        by=clerk,
        case=case,
        part=part,
        depot=depot,
        fault_confirmed_at=datetime(2026, 9, 28, 10, tzinfo=SH),
    )
    r = services.replacement_ship(
        by=clerk,
        replacement=r,
        shipped_at=datetime(2026, 9, 28, 15, tzinfo=SH),
        carrier="顺丰",
        tracking_number="SF1",
    )
    return services.replacement_deliver(by=clerk, replacement=r, delivered_at=delivered_at)


def test_reminder_reaches_the_customer_once_by_e_mail(
    smtp, clerk, make_case, contact, depot, part, receive
):
    # Delivered on Tue 29 Sep 2026, just before the National Day holiday (1-7 Oct; Sat 10 Oct
    # is a make-up working day): the 10th depot working day after it is Mon 19 Oct, the 8th
    # (the reminder) Thu 15 Oct.
    case = make_case(contact=contact)
    r = _delivered(clerk, case, depot, part, receive, datetime(2026, 9, 29, 16, tzinfo=SH))
    assert r.return_due == datetime(2026, 10, 19, 17, tzinfo=SH)
    assert r.remind_at == datetime(2026, 10, 15, 17, tzinfo=SH)
    assert services.returns_remind(now=datetime(2026, 10, 15, 16, 59, tzinfo=SH)) == 0
    assert not NotificationEvent.objects.filter(kind="part_return_reminder").exists()
    assert services.returns_remind(now=datetime(2026, 10, 15, 17, tzinfo=SH)) == 1
    assert services.returns_remind(now=datetime(2026, 10, 16, 9, tzinfo=SH)) == 0
    [event] = NotificationEvent.objects.filter(kind="part_return_reminder", case=case)
    assert event.data["part_number"] == "PSU-650W"
    assert datetime.fromisoformat(event.data["return_due"]) == r.return_due

    notifications_deliver()
    notifications_deliver()  # a second run sends nothing again
    mails = [m for m in smtp.to(contact.email) if "寄回故障件" in str(m["Subject"])]
    assert len(mails) == 1
    assert str(mails[0]["Subject"]).strip() == f"[{case.number}] 提醒：请于 2026-10-19 前寄回故障件"
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert "王伟" in body
    assert "2026-10-19 17:00 前寄回" in body
    assert "电源模块 650W（PSU-650W）" in body
    # and the portal shows the same reminder in the public timeline
    reminder = CaseEvent.objects.filter(case=case, field="replacement", is_public=True)
    assert reminder.filter(new_value__contains="2026-10-19T17:00").count() == 2  # + delivery


def test_no_reminder_for_a_return_already_overdue_or_received(
    clerk, make_case, contact, depot, part, receive
):
    case = make_case(contact=contact)
    late = _delivered(clerk, case, depot, part, receive, datetime(2026, 9, 29, 16, tzinfo=SH))
    done = _delivered(clerk, case, depot, part, receive, datetime(2026, 9, 29, 16, tzinfo=SH))
    services.replacement_receive_return(
        by=clerk, replacement=done, received_at=datetime(2026, 10, 9, 10, tzinfo=SH)
    )
    # the task did not run between the reminder time and the due time: only the overdue notice
    after_due = datetime(2026, 10, 20, 9, tzinfo=SH)
    assert services.returns_remind(now=after_due) == 0
    assert services.returns_overdue_notify(now=after_due) == 1
    kinds = list(NotificationEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert "part_return_reminder" not in kinds
    assert kinds.count("part_return_overdue") == 1
    late.refresh_from_db()
    assert late.reminded_at == after_due  # and it is never reminded later either
    assert services.returns_remind(now=datetime(2026, 10, 21, 9, tzinfo=SH)) == 0


def test_the_periodic_task_sends_the_reminder_once(
    smtp, clerk, make_case, contact, depot, part, receive
):
    # the task runs at the real time: deliver on the latest day whose reminder time has passed
    # while its return is not yet due
    from aftersales.calendars.selectors import calendar_spec
    from aftersales.core import clock

    spec = calendar_spec(depot.calendar)
    now = clock.now()
    delivered = now - timedelta(days=1)
    due = services.return_due_for
    while not due(spec, delivered, 8) <= now < due(spec, delivered):
        delivered -= timedelta(days=1)
    case = make_case(contact=contact)
    receive(depot, part, 1)
    r = services.replacement_create(
        by=clerk, case=case, part=part, depot=depot, fault_confirmed_at=delivered - timedelta(1)
    )
    r = services.replacement_ship(
        by=clerk,
        replacement=r,
        shipped_at=delivered - timedelta(hours=2),
        carrier="顺丰",
        tracking_number="SF1",
    )
    services.replacement_deliver(by=clerk, replacement=r, delivered_at=delivered)
    assert returns_overdue_task() == 1
    assert returns_overdue_task() == 0
    notifications_deliver()
    assert len([m for m in smtp.to(contact.email) if "寄回故障件" in str(m["Subject"])]) == 1


# --- Low stock -----------------------------------------------------------------------------------


@pytest.fixture
def clerks(make_user, clerk):
    return [clerk, make_user("parts_clerk", username="clerk2", language="en")]


def _reserve(clerk, case, depot, part):
    return services.replacement_create(
        by=clerk,
        case=case,
        part=part,
        depot=depot,
        fault_confirmed_at=datetime(2026, 11, 2, 10, tzinfo=SH),
    )


def _low_notices():
    return Notification.objects.filter(kind="low_stock")


def test_low_stock_notice_to_every_clerk_once_per_crossing_and_re_armed(
    clerks, agent, make_case, depot, part, receive
):
    case = make_case()
    receive(depot, part, 3)
    services.minimum_set(by=clerks[0], depot=depot, part=part, minimum=2)
    assert not _low_notices().exists()
    _reserve(clerks[0], case, depot, part)  # 2 left: at the minimum, not below
    assert not _low_notices().exists()
    _reserve(clerks[0], case, depot, part)  # 1 left: below
    assert sorted(_low_notices().values_list("recipient__username", flat=True)) == [
        "clerk2",
        "parts_clerk",
    ]
    english = _low_notices().get(recipient=clerks[1])
    assert english.title == "Low stock: PSU-650W at SH01 (1 left, minimum 2)"
    assert "/parts/?depot=SH01" in english.body
    assert english.case is None
    _reserve(clerks[0], case, depot, part)  # 0 left: still the same crossing
    assert _low_notices().count() == 2
    level = MinimumLevel.objects.get()
    assert level.low_since is not None
    assert level.low_alerts == 1

    receive(depot, part, 1)  # 1: still below, not re-armed
    level.refresh_from_db()
    assert level.low_since is not None
    receive(depot, part, 2)  # 3: back above the minimum, re-armed
    level.refresh_from_db()
    assert level.low_since is None
    _reserve(clerks[0], case, depot, part)  # 2
    assert _low_notices().count() == 2
    _reserve(clerks[0], case, depot, part)  # 1: the second crossing
    assert _low_notices().count() == 4
    assert not Notification.objects.filter(recipient=agent).exists()


def test_raising_the_minimum_above_stock_is_a_crossing(clerks, depot, part, receive):
    receive(depot, part, 3)
    services.minimum_set(by=clerks[0], depot=depot, part=part, minimum=3)
    assert not _low_notices().exists()
    services.minimum_set(by=clerks[0], depot=depot, part=part, minimum=5)
    assert _low_notices().count() == 2
    services.minimum_set(by=clerks[0], depot=depot, part=part, minimum=6)
    assert _low_notices().count() == 2
    services.minimum_set(by=clerks[0], depot=depot, part=part, minimum=3)  # re-armed
    services.minimum_set(by=clerks[0], depot=depot, part=part, minimum=4)
    assert _low_notices().count() == 4


def test_transfers_cross_and_re_arm_each_depot(clerk, depot, part, receive, region):
    other = services.depot_create(by=clerk, code="BJ01", name="北京备件库", region=region)
    receive(depot, part, 2)
    services.minimum_set(by=clerk, depot=depot, part=part, minimum=2)
    services.minimum_set(by=clerk, depot=other, part=part, minimum=1)  # BJ01 has none: low
    assert _low_notices().filter(data__depot="BJ01").count() == 1
    services.stock_move(
        by=clerk,
        depot=depot,
        part=part,
        kind="transfer",
        from_condition="good",
        to_condition="good",
        to_depot=other,
    )
    assert _low_notices().filter(data__depot="SH01").count() == 1
    assert MinimumLevel.objects.get(depot=other).low_since is None  # BJ01 re-armed


def test_low_stock_notice_is_e_mailed_to_the_clerk_and_the_admins(
    smtp, settings, clerk, make_case, depot, part, receive, django_capture_on_commit_callbacks
):
    settings.ADMINS = [("Parts", "parts-admin@example.cn")]
    receive(depot, part, 1)
    services.minimum_set(by=clerk, depot=depot, part=part, minimum=1)
    with django_capture_on_commit_callbacks(execute=True):
        _reserve(clerk, make_case(), depot, part)
    notifications_deliver()
    [mail] = smtp.to(clerk.email)
    assert "PSU-650W" in str(mail["Subject"])
    assert "SH01" in str(mail["Subject"])
    assert "/parts/?depot=SH01" in mail.get_body(preferencelist=("plain",)).get_content()
    assert len(smtp.to("parts-admin@example.cn")) == 1


def test_without_clerks_the_administrators_hear(admin_user, agent, region):
    depot = services.depot_create(by=admin_user, code="GZ01", name="广州备件库", region=region)
    part = services.part_create(by=admin_user, part_number="FAN-1", name="风扇")
    services.minimum_set(by=admin_user, depot=depot, part=part, minimum=1)
    assert list(_low_notices().values_list("recipient", flat=True)) == [admin_user.pk]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_reservations_cross_once(make_user, make_case, region):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locking")
    clerk = make_user("parts_clerk")
    depot = services.depot_create(by=clerk, code="SH01", name="上海备件库", region=region)
    part = services.part_create(by=clerk, part_number="PSU-650W", name="电源模块")
    services.stock_move(
        by=clerk, depot=depot, part=part, kind="receipt", to_condition="good", quantity=8
    )
    services.minimum_set(by=clerk, depot=depot, part=part, minimum=5)
    cases = [make_case() for _ in range(8)]
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def run(case):
        try:
            barrier.wait()
            _reserve(clerk, case, depot, part)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _low_notices().count() == 1
    assert MinimumLevel.objects.get().low_alerts == 1


def test_only_stock_movers_choose_channels_for_low_stock_and_their_choice_counts(
    smtp, clerk, agent, make_case, depot, part, receive
):
    from aftersales.notifications.selectors import preferences_for
    from aftersales.notifications.services import preferences_set

    assert "low_stock" in {r.event for r in preferences_for(user=clerk).events}
    assert "low_stock" not in {r.event for r in preferences_for(user=agent).events}
    preferences_set(user=clerk, choices={"low_stock": []})  # in-app only
    receive(depot, part, 1)
    services.minimum_set(by=clerk, depot=depot, part=part, minimum=1)
    _reserve(clerk, make_case(), depot, part)
    notifications_deliver()
    assert _low_notices().filter(recipient=clerk).count() == 1
    assert smtp.to(clerk.email) == []
