"""Background exports: the job's lifecycle with its stored progress, the file equal to the inline
export, who may download it, and the purge of old files."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from django.utils import translation
from openpyxl import load_workbook

from aftersales.exports.models import ExportJob
from aftersales.exports.services import export_request, export_run, exports_purge, exports_sweep
from aftersales.exports.tasks import export_run_task
from aftersales.sla.tests.helpers import at, open_case

NOV = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EXPORTS_PROGRESS_SECONDS = 0  # store the progress after every row


@pytest.fixture
def five_cases(agent, customer):
    """Five November cases (reported on the 2nd to the 6th) and one in October."""
    open_case(agent, customer, at(2026, 10, 30, 10, 0))
    return [open_case(agent, customer, at(2026, 11, day, 10, 0)) for day in range(2, 7)]


def test_job_lifecycle_stores_real_progress(
    five_cases, supervisor, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(by=supervisor, report="kpi.cases", params=NOV, fmt="csv")
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total, job.started_at) == ("queued", 0, None, None)
    assert job.filename == "cases-2026-11-01-2026-11-30.csv"
    seen = []

    def watch(_job):
        stored = ExportJob.objects.get(pk=job.pk)  # what the progress page reads meanwhile
        seen.append((stored.status, stored.rows_done, stored.rows_total, stored.percent))

    # when
    done = export_run(job_id=job.pk, on_progress=watch)
    # then
    assert seen == [
        ("running", 1, 5, 20),
        ("running", 2, 5, 40),
        ("running", 3, 5, 60),
        ("running", 4, 5, 80),
        ("running", 5, 5, 100),
        ("running", 5, 5, 100),  # the final save after the last row
    ]
    job.refresh_from_db()
    assert job.status == "done"
    assert (job.rows_done, job.rows_total, job.percent) == (5, 5, 100)
    assert job.started_at is not None
    assert job.finished_at >= job.started_at
    assert done.pk == job.pk
    rows = list(csv.reader(io.StringIO(job.file.read().decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [c.number for c in five_cases]
    # a job runs once: a second delivery of the task leaves it alone
    assert export_run(job_id=job.pk) is None
    assert export_run_task.delay(job.pk).get() is None


def test_unknown_report_fails_the_job_with_a_message(supervisor):
    job = ExportJob.objects.create(
        user=supervisor,
        report="nope",
        title="x",
        format="csv",
        filename="x.csv",
        created_at=at(2026, 11, 1, 9, 0),
    )
    with translation.override("en"):
        export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "Unknown report."
    assert not job.file


def test_request_refuses_bad_input(supervisor, contact_user):
    from aftersales.core.errors import NotAllowed, ValidationFailed

    with pytest.raises(ValidationFailed):
        export_request(by=supervisor, report="kpi.cases", params=NOV, fmt="pdf")
    with pytest.raises(ValidationFailed):
        export_request(by=supervisor, report="nope", params=NOV, fmt="csv")
    with pytest.raises(NotAllowed):
        export_request(by=contact_user, report="kpi.cases", params=NOV, fmt="csv")
    assert ExportJob.objects.count() == 0


def _background(client, settings, url, params):
    """Request an export above the inline limit, run its job, return (job, download)."""
    settings.EXPORTS_INLINE_MAX_ROWS = 0
    response = client.get(url, params)
    assert response.status_code == 302
    assert response["Location"] == "/exports/"
    job = ExportJob.objects.latest("id")
    assert job.status == "queued"
    export_run_task.delay(job.pk)
    download = client.get(f"/exports/{job.pk}/download/")
    return job, download


def test_dashboard_cases_in_the_background_equal_the_inline_export(
    five_cases, client, supervisor, settings
):
    client.force_login(supervisor)
    # given: the same request once above and once below the inline limit
    job, download = _background(client, settings, "/kpi/", {**NOV, "format": "csv"})
    settings.EXPORTS_INLINE_MAX_ROWS = 5000
    inline = client.get("/kpi/", {**NOV, "format": "csv"})
    # then
    assert inline.status_code == 200
    assert ExportJob.objects.count() == 1
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        download["Content-Disposition"] == 'attachment; filename="cases-2026-11-01-2026-11-30.csv"'
    )
    assert inline["Content-Disposition"] == download["Content-Disposition"]
    assert b"".join(download.streaming_content) == inline.content
    rows = list(csv.reader(io.StringIO(inline.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Case", "Reported at", "Customer"]
    assert rows[1][:3] == [five_cases[0].number, "2026-11-02 10:00", "ACME"]
    assert len(rows) == 6


def _cells(content):
    book = load_workbook(io.BytesIO(content))
    return {
        name: [[c.value for c in row] for row in book[name].iter_rows()] for name in book.sheetnames
    }


def test_scorecards_sheet_in_the_background_equals_the_inline_export(
    five_cases, client, admin_user, engineer, settings
):
    client.force_login(admin_user)
    job, download = _background(client, settings, "/kpi/scorecards/", {**NOV, "format": "xlsx"})
    settings.EXPORTS_INLINE_MAX_ROWS = 5000
    inline = client.get("/kpi/scorecards/", {**NOV, "format": "xlsx"})
    assert (
        download["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert download["Content-Disposition"].startswith(
        'attachment; filename="scorecards-2026-11-01-2026-11-30.xlsx"'
    )
    background = _cells(b"".join(download.streaming_content))
    assert background == _cells(inline.content)
    assert list(background) == ["scorecards", "weights"]
    assert background["scorecards"][1][0] == engineer.username
    job.refresh_from_db()
    assert (job.rows_done, job.rows_total) == (5, 5)  # one engineer and four weights


def test_support_report_in_the_background_equals_the_inline_export(
    five_cases, client, supervisor, settings
):
    client.force_login(supervisor)
    _job, download = _background(client, settings, "/kpi/support/", {**NOV, "format": "csv"})
    settings.EXPORTS_INLINE_MAX_ROWS = 5000
    inline = client.get("/kpi/support/", {**NOV, "format": "csv"})
    content = b"".join(download.streaming_content)
    assert content == inline.content
    text = content.decode("utf-8-sig")
    assert "request,fault,,5," in text
    assert "part_returns,compliance,,," in text  # nothing due: no rate
    assert "consumption,total,,0," in text


def test_only_the_owner_or_an_administrator_downloads(
    five_cases, client, supervisor, make_user, admin_user, settings
):
    client.force_login(supervisor)
    job, download = _background(client, settings, "/kpi/", {**NOV, "format": "csv"})
    assert download.status_code == 200
    other = make_user("supervisor", username="other_supervisor")
    client.force_login(other)
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404
    assert client.get(f"/exports/{job.pk}/row/").status_code == 404
    assert job.title not in client.get("/exports/").content.decode()
    client.force_login(admin_user)
    assert client.get(f"/exports/{job.pk}/download/").status_code == 200
    client.logout()
    assert client.get(f"/exports/{job.pk}/download/").status_code == 302  # to the sign-in page


def test_exports_page_polls_while_running_and_links_when_done(
    five_cases, client, supervisor, settings
):
    from django.utils import translation

    client.force_login(supervisor)
    settings.EXPORTS_INLINE_MAX_ROWS = 0
    client.get("/kpi/", {**NOV, "format": "xlsx"})
    job = ExportJob.objects.get()
    with translation.override("en"):
        page = client.get("/exports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'hx-get="/exports/{job.pk}/row/"' in page
    assert 'hx-trigger="every 2s"' in page
    assert f"/exports/{job.pk}/download/" not in page
    ExportJob.objects.filter(pk=job.pk).update(status="running", rows_total=5, rows_done=2)
    row = client.get(f"/exports/{job.pk}/row/").content.decode()
    assert '<progress max="100" value="40">' in row
    assert "every 2s" in row
    ExportJob.objects.filter(pk=job.pk).update(status="queued", rows_total=None, rows_done=0)
    export_run(job_id=job.pk)
    row = client.get(f"/exports/{job.pk}/row/").content.decode()
    assert "hx-trigger" not in row
    assert f'href="/exports/{job.pk}/download/"' in row
    assert '<progress max="100" value="100">' in row


def test_purge_deletes_files_older_than_the_keep_days(five_cases, supervisor, settings):
    settings.EXPORTS_KEEP_DAYS = 7
    old = export_request(by=supervisor, report="kpi.cases", params=NOV, fmt="csv")
    recent = export_request(by=supervisor, report="kpi.cases", params=NOV, fmt="csv")
    export_run(job_id=old.pk)
    export_run(job_id=recent.pk)
    old.refresh_from_db()
    recent.refresh_from_db()
    now = at(2026, 12, 20, 12, 0)
    ExportJob.objects.filter(pk=old.pk).update(finished_at=now - dt.timedelta(days=7, minutes=1))
    ExportJob.objects.filter(pk=recent.pk).update(finished_at=now - dt.timedelta(days=6))
    assert default_storage.exists(old.file.name)
    # when
    assert exports_purge(now=now) == 1
    # then
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not default_storage.exists(old.file.name)
    assert default_storage.exists(recent.file.name)


def test_sweep_runs_lost_jobs_and_fails_stale_ones(five_cases, supervisor, settings):
    settings.EXPORTS_REQUEUE_SECONDS = 60
    settings.EXPORTS_STALE_HOURS = 6
    now = at(2026, 12, 1, 12, 0)
    lost = export_request(by=supervisor, report="kpi.cases", params=NOV, fmt="csv")
    fresh = export_request(by=supervisor, report="kpi.cases", params=NOV, fmt="csv")
    stale = export_request(by=supervisor, report="kpi.cases", params=NOV, fmt="csv")
    ExportJob.objects.filter(pk=lost.pk).update(created_at=now - dt.timedelta(minutes=2))
    ExportJob.objects.filter(pk=fresh.pk).update(created_at=now - dt.timedelta(seconds=10))
    ExportJob.objects.filter(pk=stale.pk).update(
        status="running", started_at=now - dt.timedelta(hours=7), created_at=now
    )
    assert exports_sweep(now=now) == {"ran": 1, "failed": 1, "purged": 0}
    states = dict(ExportJob.objects.values_list("pk", "status"))
    assert states == {lost.pk: "done", fresh.pk: "queued", stale.pk: "failed"}
