"""Daily rollups agree exactly with the direct computation of ``kpi.measures``, on random data."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Sum

from aftersales.cases.services import case_transition
from aftersales.kpi import measures, rollups
from aftersales.kpi.measures import Period
from aftersales.kpi.models import DailyCaseRollup, DailyMetClock, RollupState
from aftersales.sla.tests.helpers import asset_with_contract, at, open_case

NOW = at(2026, 10, 14, 15, 0)
# Around the National Day holidays (1-7 October 2026), so 5x8 clocks span a holiday.
PERIODS = [
    Period(dt.date(2026, 9, 24), dt.date(2026, 10, 14)),
    Period(dt.date(2026, 10, 1), dt.date(2026, 10, 7)),
    Period(dt.date(2026, 9, 28), dt.date(2026, 10, 9)),
    Period(dt.date(2026, 10, 13), dt.date(2026, 10, 14)),
]


def _direct_dashboard(period, slices):
    cases = measures.cohort(period=period, slices=slices)
    return {
        "summary": measures.summary(period=period, slices=slices),
        "by_region": measures.by_dimension(cases, "region"),
        "by_team": measures.by_dimension(cases, "team"),
        "heat": measures.sla_heat_map(cases),
        "trend": measures.weekly_trend(period=period, slices=slices),
    }


def _direct_engineer(engineer, period):
    from aftersales.cases.models import Case

    cases = measures.cohort(period=period, base=Case.objects.filter(assignee=engineer))
    sla = measures.sla_measures(cases)
    for row in sla["targets"].values():
        row["median_seconds"] = None  # the scorecard reads no median
    return {
        "counts": measures.case_measures(cases),
        "sla": sla,
        "satisfaction": measures.satisfaction_measures(cases),
    }


def _world(seed, agent, engineers, customers, teams):
    """Random cases from 24 September to 14 October with random lives: responses, pauses
    waiting for the customer, resolutions, reopenings, closures, visits, ratings, surveys,
    complaints, and SLA sweeps that breach and escalate. Returns a function that applies
    further random changes (for the "changed since the last run" part)."""
    from aftersales.dispatch.models import Visit
    from aftersales.sla.services import sla_sweep
    from aftersales.surveys.models import Questionnaire, Rating, Survey

    rng = random.Random(seed)
    assets = [
        asset_with_contract(c, level=level, serial=f"R{seed}-{c.code}-{level}")
        for c in customers
        for level in ("7x24", "5x8")
    ]
    questionnaire = Questionnaire.objects.order_by("pk").first()
    cases = []
    start = at(2026, 9, 24, 0, 0)
    for _ in range(36):
        when = start + dt.timedelta(minutes=rng.randrange(0, 20 * 24 * 60 + 14 * 60))
        customer = rng.choice(customers)
        own = [a for a in assets if a.customer_id == customer.pk]
        case_type = rng.choice(["fault", "fault", "fault", "complaint", "consultation"])
        cases.append(
            open_case(
                agent,
                customer,
                when,
                case_type=case_type,
                severity=rng.choice(["C-1", "C-2", "C-3"]),
                channel=rng.choice(["phone", "email", "web"]),
                asset=rng.choice(own) if case_type == "fault" and rng.random() < 0.9 else None,
                assignee=rng.choice([*engineers, None]),
                team=rng.choice([*teams, None]),
            )
        )

    def life(case, when):
        steps = []
        t = when
        for _ in range(rng.randrange(0, 6)):
            t += dt.timedelta(minutes=rng.randrange(10, 36 * 60))
            steps.append(t)
        return steps

    plan = []
    for case in cases:
        for t in life(case, case.reported_at):
            plan.append((t, case.pk))
    plan += [(at(2026, 9, 24, 0, 0) + dt.timedelta(hours=h), None) for h in range(0, 500, 7)]
    plan.sort(key=lambda p: (p[0], p[1] or 0))

    def act(t, case_pk):
        from aftersales.cases.models import Case
        from aftersales.cases.transitions import allowed_from

        if t >= NOW:
            return
        with time_machine.travel(t, tick=False):
            if case_pk is None:
                sla_sweep()
                return
            case = Case.objects.get(pk=case_pk)
            roll = rng.random()
            if roll < 0.12 and not Visit.objects.filter(case=case).exists():
                Visit.objects.create(
                    case=case, engineer=engineers[0], planned_at=t, created_by=agent, created_at=t
                )
                return
            if roll < 0.22 and case.status in ("resolved", "closed"):
                if not Rating.objects.filter(case=case).exists():
                    Rating.objects.create(case=case, score=rng.randint(1, 5), created_at=t)
                    return
                if not Survey.objects.filter(case=case).exists():
                    Survey.objects.create(
                        token=uuid.uuid4().hex,
                        questionnaire=questionnaire,
                        case=case,
                        customer=case.customer,
                        sent_at=t,
                        expires_at=t + dt.timedelta(days=7),
                        status=rng.choice(["invited", "answered", "expired"]),
                    )
                    return
            choices = sorted(allowed_from(case.status))
            if not choices:
                return
            to = rng.choice(choices)
            if case.status == "new" and rng.random() < 0.3:
                return  # left waiting (its response clock may breach)
            case_transition(case=case, to=to, by=agent, note="随机")

    for t, pk in plan:
        act(t, pk)

    def more(n):
        """Apply ``n`` more random changes at "now" (and one case reported days ago)."""
        when = NOW - dt.timedelta(minutes=5)
        for pk in rng.sample([c.pk for c in cases], n):
            act(when, pk)
        customer = rng.choice(customers)
        open_case(agent, customer, at(2026, 9, 30, 11, 0), case_type="complaint")

    return more


@pytest.fixture
def world(request, agent, engineer, make_user, customer, other_customer):
    from aftersales.accounts.tests.factories import TeamFactory
    from aftersales.customers.tests.factories import CustomerFactory, RegionFactory

    far = CustomerFactory(code="FAR", region=RegionFactory(code="west"))
    engineers = [engineer, make_user("engineer", username="eng_b")]
    teams = [TeamFactory(code="net"), TeamFactory(code="storage")]
    more = _world(request.param, agent, engineers, [customer, other_customer, far], teams)
    return {"more": more, "engineers": engineers, "customers": [customer, other_customer, far]}


def _slices(world):
    from aftersales.catalog.models import Asset

    customer, other, far = world["customers"]
    return [
        {},
        {"region": far.region.code},
        {"region": customer.region.code, "severity": "C-2"},
        {"customer": other.code},
        {"team": "net"},
        {"engineer": world["engineers"][0].username},
        {"case_type": "fault"},
        {"case_type": "complaint", "channel": "phone"},
        {"product": Asset.objects.filter(customer=customer).first().product.code},
        {"product": "NOPE"},
    ]


def _assert_equal(world):
    with time_machine.travel(NOW, tick=False):
        for period in PERIODS:
            for slices in _slices(world):
                assert rollups.dashboard(period=period, slices=slices) == _direct_dashboard(
                    period, slices
                ), (period, slices)
            for engineer in world["engineers"]:
                assert rollups.engineer_measures(
                    engineer=engineer, period=period
                ) == _direct_engineer(engineer, period), (period, engineer)


@pytest.mark.parametrize("world", [1, 2, 3], indirect=True)
def test_rollups_equal_the_direct_computation(world):
    assert DailyCaseRollup.objects.count() == 0
    _assert_equal(world)  # nothing built: everything direct

    with time_machine.travel(NOW, tick=False):
        built = rollups.refresh()  # the first run builds every day up to yesterday
        assert built["days"] == 20  # 24 September to 13 October
        rollups.refresh()
    assert DailyCaseRollup.objects.exists()
    period = PERIODS[0]
    with time_machine.travel(NOW, tick=False):
        # Only today is live now: the rest is read from the rollups.
        assert rollups.live_days(period) == {dt.date(2026, 10, 14)}
    _assert_equal(world)

    world["more"](12)  # changes after the last run: their days are read live
    with time_machine.travel(NOW, tick=False):
        live = rollups.live_days(period)
    assert dt.date(2026, 9, 30) in live
    assert len(live) < 21
    _assert_equal(world)

    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        rollups.refresh()
        rollups.refresh()
        assert rollups.live_days(period) == {dt.date(2026, 10, 14)}
    _assert_equal(world)

    # A day later, yesterday is built by the next run; the day before is still covered.
    tomorrow = NOW + dt.timedelta(days=1)
    with time_machine.travel(tomorrow, tick=False):
        assert rollups.live_days(period) == {dt.date(2026, 10, 14)}
        rollups.refresh()
        assert rollups.live_days(period) == set()
        assert RollupState.objects.get().covered_until == dt.date(2026, 10, 14)


@pytest.mark.parametrize("world", [4], indirect=True)
def test_rebuild_command_and_rollup_rows(world):
    with time_machine.travel(NOW, tick=False):
        out = StringIO()
        call_command("kpi_rollup", "--rebuild", stdout=out)
        assert "days" in out.getvalue()
        rows = DailyCaseRollup.objects.count()
        assert rows > 0
        call_command("kpi_rollup", "--rebuild", "--since", "2026-10-01", stdout=StringIO())
        assert DailyCaseRollup.objects.count() == rows
        assert RollupState.objects.get().covered_from is None
        call_command("kpi_rollup", stdout=StringIO())  # the incremental run
    _assert_equal(world)
    # every case of the rollups is a case reported before today
    from aftersales.cases.models import Case

    today = dt.datetime(2026, 10, 14, tzinfo=NOW.tzinfo)
    total = sum(DailyCaseRollup.objects.values_list("cases", flat=True))
    assert total == Case.objects.filter(reported_at__lt=today).count()
    # the median rows: every met clock of those cases, once, on its case's day of report
    met_rows = _met_clock_rows()
    assert sum(met_rows.values()) > 10
    assert met_rows == _expected_met_clock_rows(today)


def test_bad_since_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("kpi_rollup", "--rebuild", "--since", "yesterday")


def test_rollup_task_is_scheduled_every_minute(settings):
    assert ("aftersales.kpi.tasks.kpi_rollup_task", 60) in settings.AFTERSALES_PERIODIC_TASKS


def _rollup_rows():
    from collections import Counter

    return Counter(DailyCaseRollup.objects.values_list(*rollups.ROLLUP_COLUMNS))


def _met_clock_rows():
    from collections import Counter

    return Counter(DailyMetClock.objects.values_list(*rollups.MET_CLOCK_COLUMNS))


def _expected_met_clock_rows(before):
    """The met clocks (not cancelled, working time recorded) of the cases reported before
    ``before``, by the local day of report, read one by one from the clocks."""
    from collections import Counter

    from django.utils import timezone

    from aftersales.sla.models import SlaClock

    expected = Counter()
    for clock in SlaClock.objects.select_related("case"):
        if clock.case.reported_at >= before or clock.state == "cancelled":
            continue
        if clock.met_at is None or clock.elapsed_seconds is None:
            continue
        day = timezone.localtime(clock.case.reported_at, rollups.zone()).date()
        expected[(day, clock.case_id, clock.target, clock.elapsed_seconds)] += 1
    return expected


def _edge_cases(world):
    """Facts the random lives rarely produce: every SLA target, a met clock with no working
    time recorded, a cancelled clock that had breached, a case reopened twice, a case with two
    visits, a survey of a campaign (no case) and one of a case on another day."""
    from aftersales.cases.models import Case
    from aftersales.dispatch.models import Visit
    from aftersales.sla.models import SlaClock
    from aftersales.surveys.models import Questionnaire, Survey

    for target in ("onsite", "follow_up", "remedy", "follow_up", "remedy"):
        taken = SlaClock.objects.filter(target=target).exclude(state="cancelled").values("case")
        clock = (
            SlaClock.objects.exclude(state="cancelled").exclude(case__in=taken).order_by("pk")[0]
        )
        SlaClock.objects.filter(pk=clock.pk).update(target=target)
    met = SlaClock.objects.filter(met_at__isnull=False).order_by("pk")
    SlaClock.objects.filter(pk=met[0].pk).update(elapsed_seconds=None)
    SlaClock.objects.filter(pk=met[1].pk).update(
        state="cancelled", breached_at=met[1].met_at, cancelled_at=met[1].met_at
    )
    resolved = Case.objects.filter(status__in=["resolved", "closed"]).order_by("pk")
    Case.objects.filter(pk=resolved[0].pk).update(reopen_count=2)
    case = resolved[1]
    for _ in range(2):
        Visit.objects.create(
            case=case,
            engineer=world["engineers"][0],
            planned_at=case.reported_at,
            created_by=world["engineers"][0],
            created_at=case.reported_at,
        )
    questionnaire = Questionnaire.objects.order_by("pk").first()
    Survey.objects.create(
        token=uuid.uuid4().hex,
        questionnaire=questionnaire,
        customer=world["customers"][0],
        sent_at=NOW - dt.timedelta(days=3),
        expires_at=NOW + dt.timedelta(days=4),
        status="answered",
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based build runs on PostgreSQL"
)
@pytest.mark.parametrize("world", [5, 6], indirect=True)
def test_sql_build_writes_the_same_rows_as_the_python_build(world):
    """The set-based build (``INSERT ... SELECT ... GROUP BY``) and the per-case Python build
    (``case_facts``) write identical rows, and the live days' facts summed in SQL equal
    ``case_facts`` for the dashboard's keys. (On PostgreSQL the tests above read the SQL build
    and the SQL live days: there they are compared with the direct computation.)"""
    _edge_cases(world)
    world["more"](8)
    with time_machine.travel(NOW, tick=False):
        rollups.rebuild(method="python")
        python_rows = _rollup_rows()
        python_met = _met_clock_rows()
        rollups.rebuild(method="sql")
        sql_rows = _rollup_rows()
        sql_met = _met_clock_rows()
    cases = rollups.ROLLUP_COLUMNS.index("cases")
    assert sum(row[cases] for row in sql_rows.elements()) > 30
    assert sql_rows == python_rows
    assert sum(sql_met.values()) > 30
    assert sql_met == python_met
    today = dt.datetime(2026, 10, 14, tzinfo=NOW.tzinfo)
    assert sql_met == _expected_met_clock_rows(today)
    from aftersales.cases.models import Case

    for keys in (rollups.DASHBOARD_KEYS, ("day", "assignee_id"), ()):
        for cases in (Case.objects.all(), Case.objects.filter(customer=world["customers"][2])):
            by_sql = rollups._aggregate(rollups.grouped_facts(cases, keys))
            by_python = rollups._aggregate(rollups.case_facts(cases, keys))
            assert by_sql == by_python, keys
            assert len(by_sql) > 1 or not keys
    # A few days again (the incremental run's path) with SQL: still the same rows.
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        rollups._build_days([dt.date(2026, 9, 30), dt.date(2026, 10, 2)], method="sql")
    assert _rollup_rows() == python_rows
    assert _met_clock_rows() == python_met
    # The edge cases reached the rollups.
    totals = DailyCaseRollup.objects.aggregate(
        **{m: Sum(m) for m in ("onsite_clocks", "follow_up_clocks", "remedy_clocks", "reopenings")}
    )
    assert totals["onsite_clocks"] > 0
    assert totals["follow_up_clocks"] > 0
    assert totals["remedy_clocks"] > 0
    assert totals["reopenings"] >= 2


def test_sql_build_is_refused_without_postgresql(db):
    if connection.vendor == "postgresql":
        assert rollups._use_sql(None) is True
    else:
        assert rollups._use_sql(None) is False
        with pytest.raises(ValueError, match="PostgreSQL"):
            rollups.rebuild(method="sql")
