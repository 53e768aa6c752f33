"""The exchange-repair clock on real 2026 dates around the National Day holiday: one warning at
75 % of the 72 working hours, then one escalation of the case to the regional supervisor (as the
SLA engine records escalations), also under concurrent task runs; and the task is scheduled."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import translation

from aftersales.cases.models import CaseEvent
from aftersales.notifications.models import Notification, NotificationEvent
from aftersales.parts import services
from aftersales.parts.models import ExchangeRepair
from aftersales.sla.models import Escalation

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 9, 29, 10, tzinfo=SH)  # Tue, two days before the National Day holiday


@pytest.fixture
def boss(make_user, region):
    user = make_user("supervisor", username="east_boss", language="en")
    region.supervisor = user
    region.save()
    return user


def _order(clerk, case, depot, part):
    return services.exchange_create(
        by=clerk, case=case, part=part, depot=depot, received_at=RECEIVED
    )


def test_due_times_skip_the_holiday_and_count_the_make_up_saturday(clerk, make_case, depot, part):
    # 29 Sep 10-17 (7 h) + 30 Sep (8 h); 1-7 Oct off; 8, 9, Sat 10 (make-up), 12, 13 Oct ...
    order = _order(clerk, make_case(), depot, part)
    assert order.warn_at == datetime(2026, 10, 13, 16, tzinfo=SH)  # 54 working hours
    assert order.due_at == datetime(2026, 10, 16, 10, tzinfo=SH)  # 72 working hours


def test_warning_then_one_escalation_to_the_regional_supervisor(
    clerk, boss, make_case, depot, part
):
    case = make_case()
    order = _order(clerk, case, depot, part)
    # nothing during the holiday, although more than 72 calendar hours have passed
    assert services.exchange_clock_check(now=datetime(2026, 10, 6, 12, tzinfo=SH)) == 0
    assert services.exchange_clock_check(now=datetime(2026, 10, 13, 15, 59, tzinfo=SH)) == 0
    assert services.exchange_clock_check(now=datetime(2026, 10, 13, 16, tzinfo=SH)) == 1
    warning = Notification.objects.get(kind="sla_warning", case=case)
    assert warning.recipient == boss  # no assignee, no team: the regional supervisor
    assert warning.title == (
        f"Case {case.number}: exchange repair {order.number} due at 2026-10-16 10:00"
    )
    assert not Escalation.objects.exists()

    assert services.exchange_clock_check(now=datetime(2026, 10, 16, 9, 59, tzinfo=SH)) == 0
    with translation.override("en"):
        assert services.exchange_clock_check(now=datetime(2026, 10, 16, 10, tzinfo=SH)) == 1
        assert services.exchange_clock_check(now=datetime(2026, 10, 19, 10, tzinfo=SH)) == 0
    [escalation] = Escalation.objects.filter(case=case)
    assert escalation.level == 1
    assert escalation.clock is None
    assert escalation.actor is None
    assert escalation.recipients == ["east_boss"]
    assert escalation.at == datetime(2026, 10, 16, 10, tzinfo=SH)
    assert order.number in escalation.reason
    order.refresh_from_db()
    assert order.breached
    assert order.escalation == escalation
    [notice] = Notification.objects.filter(kind="escalation", case=case)
    assert notice.recipient == boss
    assert notice.title == (
        f"Case {case.number} escalated to level 1: exchange repair {order.number} overdue"
    )
    [event] = NotificationEvent.objects.filter(kind="escalation", case=case)
    assert event.data["exchange_repair"] == order.number
    timeline = CaseEvent.objects.filter(case=case)
    [escalated] = timeline.filter(kind="escalated")
    assert escalated.data["level"] == 1
    assert escalated.data["recipients"] == ["east_boss"]
    assert not escalated.is_public
    assert timeline.filter(kind="sla", field="exchange_repair").count() == 2


def test_the_escalation_goes_one_level_above_a_manual_one(
    clerk, boss, agent, make_case, depot, part
):
    from aftersales.cases.services import case_escalate

    case = make_case()
    order = _order(clerk, case, depot, part)
    case_escalate(case=case, by=agent, reason="客户投诉进度慢")
    services.exchange_clock_check(now=order.due_at)
    assert sorted(Escalation.objects.filter(case=case).values_list("level", flat=True)) == [1, 2]
    order.refresh_from_db()
    assert order.escalation.level == 2


def test_without_a_regional_supervisor_the_service_directors_hear(
    clerk, make_user, make_case, depot, part
):
    director = make_user("supervisor", username="director", is_service_director=True)
    case = make_case()
    order = _order(clerk, case, depot, part)
    services.exchange_clock_check(now=order.due_at)
    assert Escalation.objects.get(case=case).recipients == ["director"]
    assert Notification.objects.get(kind="escalation").recipient == director


def test_shipped_back_in_time_never_escalates(clerk, boss, make_case, depot, part):
    case = make_case()
    order = _order(clerk, case, depot, part)
    for status in ("in_repair", "repaired", "shipped_back"):
        order = services.exchange_advance(by=clerk, order=order, status=status)
    assert services.exchange_clock_check(now=datetime(2026, 10, 20, tzinfo=SH)) == 0
    assert not Escalation.objects.exists()
    assert not Notification.objects.exists()


def test_the_exchange_page_shows_warned_and_breached(client, clerk, boss, make_case, depot, part):
    warned = _order(clerk, make_case(), depot, part)
    breached = _order(clerk, make_case(), depot, part)
    ExchangeRepair.objects.filter(pk=warned.pk).update(
        warn_at=datetime(2026, 1, 5, 9, tzinfo=SH), due_at=datetime(2099, 1, 5, 9, tzinfo=SH)
    )
    ExchangeRepair.objects.filter(pk=breached.pk).update(
        warn_at=datetime(2026, 1, 5, 9, tzinfo=SH), due_at=datetime(2026, 1, 6, 9, tzinfo=SH)
    )
    services.exchange_clock_check()
    client.force_login(clerk)
    with translation.override("en"):
        html = client.get("/parts/replacements/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = html.split('id="exchanges"')[1].split("</table>")[0].split("<tr>")
    [warned_row] = [r for r in rows if warned.number in r]
    [breached_row] = [r for r in rows if breached.number in r]
    assert "Warned" in warned_row
    assert "Breached" not in warned_row
    assert "Breached" in breached_row
    assert "escalated to level 1" in breached_row
    assert "east_boss" in breached_row


def test_the_clock_task_is_scheduled_and_registered_with_celery(settings):
    from aftersales.config.celery import app, beat_schedule
    from aftersales.core.scheduler import periodic_tasks
    from aftersales.parts import tasks  # noqa: F401 - registers the tasks

    name = "aftersales.parts.tasks.exchange_clock_task"
    assert (name, 300) in settings.AFTERSALES_PERIODIC_TASKS
    assert beat_schedule()[name] == {"task": name, "schedule": 300.0}
    assert name in app.tasks  # a worker can run what beat sends
    assert "aftersales.parts.tasks.returns_overdue_task" in app.tasks
    task = next(t for t in periodic_tasks() if t.name == name)
    assert task.func() == 0  # the in-process scheduler calls the same function


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_clock_runs_escalate_once(make_user, make_case, region):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locking")
    clerk = make_user("parts_clerk")
    boss = make_user("supervisor", username="east_boss")
    region.supervisor = boss
    region.save()
    depot = services.depot_create(by=clerk, code="SH01", name="上海备件库", region=region)
    part = services.part_create(by=clerk, part_number="PSU-650W", name="电源模块")
    orders = [_order(clerk, make_case(), depot, part) for _ in range(3)]
    runs = 8
    barrier = threading.Barrier(runs)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            counts.append(services.exchange_clock_check(now=orders[0].due_at))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(counts) == 6  # three warnings and three breaches, each fired by one run
    assert Escalation.objects.count() == 3
    assert Notification.objects.filter(kind="escalation", recipient=boss).count() == 3
    assert CaseEvent.objects.filter(kind="escalated").count() == 3
    assert set(ExchangeRepair.objects.values_list("breached", flat=True)) == {True}
