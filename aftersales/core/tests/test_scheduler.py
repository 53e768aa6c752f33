from __future__ import annotations

from aftersales.core.scheduler import PeriodicTask, run_due


def test_tasks_run_on_their_interval_and_failures_do_not_stop_others():
    calls = []

    def boom():
        calls.append("boom")
        raise RuntimeError("broken")

    tasks = [
        PeriodicTask("boom", boom, seconds=10),
        PeriodicTask("ok", lambda: calls.append("ok"), seconds=60),
    ]
    assert run_due(tasks, now=1000, manage_connections=False) == ["boom", "ok"]
    assert run_due(tasks, now=1005, manage_connections=False) == []
    assert run_due(tasks, now=1010, manage_connections=False) == ["boom"]
    assert run_due(tasks, now=1060, manage_connections=False) == ["boom", "ok"]
    assert calls == ["boom", "ok", "boom", "boom", "ok"]


def test_configured_tasks_import(settings):
    from aftersales.core.scheduler import periodic_tasks

    names = [t.name for t in periodic_tasks()]
    assert names == [path for path, _seconds in settings.AFTERSALES_PERIODIC_TASKS]


def test_the_embedded_server_sweeps_sla_clocks_every_minute(settings):
    assert ("aftersales.sla.tasks.sla_sweep_task", 60) in settings.AFTERSALES_PERIODIC_TASKS


def test_scheduler_runs_the_real_sweep_task(db):
    # the same callable Celery beat runs: importing and calling it sweeps (nothing due here)
    from aftersales.core.scheduler import periodic_tasks

    sweep = next(t for t in periodic_tasks() if t.name.endswith("sla_sweep_task"))
    assert sweep.func() == {
        "clocks": 0,
        "warnings": 0,
        "breaches": 0,
        "escalations": 0,
        "notifications": 0,
    }
