"""Drafts, signing, immutability (services and ORM), addenda and the timeline."""

from __future__ import annotations

import pytest

from aftersales.cases.models import CaseEvent
from aftersales.core.errors import Conflict, NotAllowed, ValidationFailed
from aftersales.servicereports import selectors, services
from aftersales.servicereports.models import ReportAddendum, ReportImmutable, ServiceReport
from aftersales.servicereports.tests.conftest import drawn_signature

pytestmark = pytest.mark.usefixtures("frozen")


def report_events(case):
    return list(CaseEvent.objects.filter(case=case, kind="report").order_by("at", "id"))


def test_draft_is_prefilled_from_the_visit_and_the_case(visit):
    report = services.report_create(case=visit.case, visit=visit, by=visit.engineer)
    assert report.status == "draft"
    assert report.engineer == visit.engineer
    assert "CT 机房核心交换机端口掉线" in report.problem
    assert "3 号端口每小时掉线一次" in report.problem
    assert report.repair_process == "更换光模块并重新插拔跳线，观察两小时无掉线"
    assert report.parts == [
        {"part": "光模块 SFP-10G", "serial_out": "SFP-OLD-1", "serial_in": "SFP-NEW-9"}
    ]
    [event] = report_events(visit.case)
    assert not event.is_public
    assert event.data == {"report": report.pk, "action": "drafted"}


def test_one_report_per_visit_and_only_after_it(visit, agent):
    services.report_create(case=visit.case, visit=visit, by=visit.engineer)
    with pytest.raises(Conflict):
        services.report_create(case=visit.case, visit=visit, by=agent)


def test_customers_cannot_write_reports(visit, contact_user):
    with pytest.raises(NotAllowed):
        services.report_create(case=visit.case, by=contact_user)
    assert not ServiceReport.objects.exists()


def test_bad_fields_change_nothing(visit):
    report = services.report_create(case=visit.case, visit=visit, by=visit.engineer)
    with pytest.raises(ValidationFailed) as exc:
        services.report_update(
            report=report, by=visit.engineer, solution="ok", parts=[{"serial_in": "X"}]
        )
    assert "parts" in exc.value.as_data()
    report.refresh_from_db()
    assert report.solution == ""
    with pytest.raises(ValidationFailed):
        services.report_update(report=report, by=visit.engineer, signed_at="now")


def test_signing_validates_name_and_signature(visit):
    report = services.report_create(
        case=visit.case, visit=visit, by=visit.engineer, solution="更换光模块"
    )
    cases = [
        ("", drawn_signature(), "signer_name"),
        ("王主任", "", "signature"),
        ("王主任", "data:image/jpeg;base64,/9j/4AAQ", "signature"),
        ("王主任", "data:image/png;base64,not-base64!!", "signature"),
        ("王主任", "data:image/png;base64,iVBORw0KGgoAAAAA", "signature"),
        ("王主任", drawn_signature(blank=True), "signature"),
        ("王主任", drawn_signature(width=20, height=20), "signature"),
    ]
    for name, signature, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            services.report_sign(
                report=report, by=visit.engineer, signer_name=name, signature=signature
            )
        assert field in exc.value.as_data(), (name, signature[:30])
    with pytest.raises(ValidationFailed) as exc:
        services.report_sign(
            report=report,
            by=visit.engineer,
            signer_name="王主任",
            signature=drawn_signature(),
            signer_email="not an address",
        )
    assert "signer_email" in exc.value.as_data()
    report.refresh_from_db()
    assert report.status == "draft"
    assert not report.signature
    assert not report.pdf


def test_signing_needs_problem_and_solution(visit):
    report = services.report_create(case=visit.case, visit=visit, by=visit.engineer)
    with pytest.raises(ValidationFailed) as exc:
        services.report_sign(
            report=report, by=visit.engineer, signer_name="王主任", signature=drawn_signature()
        )
    assert "solution" in exc.value.as_data()


def test_signed_report_is_immutable(visit, agent, signature, django_capture_on_commit_callbacks):
    report = services.report_create(
        case=visit.case, visit=visit, by=visit.engineer, solution="更换光模块"
    )
    services.report_sign(
        report=report, by=visit.engineer, signer_name="王主任", signature=signature
    )
    report = ServiceReport.objects.get(pk=report.pk)
    assert report.status == "signed"
    assert report.signer_name == "王主任"
    assert report.signed_at is not None
    assert report.signature.read().startswith(b"\x89PNG")
    original_pdf = report.pdf.name
    assert report.pdf.read().startswith(b"%PDF")

    # Services refuse (409) ...
    with pytest.raises(Conflict) as exc:
        services.report_update(report=report, by=agent, solution="改写")
    assert exc.value.status_code == 409
    with pytest.raises(Conflict):
        services.report_sign(
            report=report, by=agent, signer_name="别人", signature=drawn_signature()
        )
    # ... and so does the ORM: save(), queryset update() and delete().
    report.solution = "改写"
    with pytest.raises(ReportImmutable):
        report.save()
    with pytest.raises(ReportImmutable):
        ServiceReport.objects.filter(pk=report.pk).update(solution="改写")
    with pytest.raises(ReportImmutable):
        ServiceReport.objects.filter(pk=report.pk).delete()
    with pytest.raises(ReportImmutable):
        report.delete()
    fresh = ServiceReport.objects.get(pk=report.pk)
    assert fresh.solution == "更换光模块"
    assert fresh.pdf.name == original_pdf

    # Corrections are addenda: appended, in the timeline, with a new PDF; the original stays.
    addendum = services.addendum_add(report=fresh, by=agent, text="补充：跳线型号为 LC-LC 3 米")
    assert addendum.pdf.name != original_pdf
    assert selectors.current_pdf(selectors.report_visible_to(user=agent, pk=fresh.pk)).name == (
        addendum.pdf.name
    )
    assert ServiceReport.objects.get(pk=report.pk).pdf.name == original_pdf
    addendum.text = "改写"
    with pytest.raises(ReportImmutable):
        addendum.save()
    with pytest.raises(ReportImmutable):
        ReportAddendum.objects.all().update(text="x")
    with pytest.raises(ReportImmutable):
        ReportAddendum.objects.all().delete()
    actions = [e.data["action"] for e in report_events(visit.case)]
    assert actions == ["drafted", "signed", "addendum"]
    public = [e for e in report_events(visit.case) if e.is_public]
    assert "补充：跳线型号为 LC-LC 3 米" in public[-1].note


def test_addenda_only_on_signed_reports_and_not_blank(visit, agent, signature):
    report = services.report_create(case=visit.case, by=agent, solution="x", problem="y")
    with pytest.raises(Conflict):
        services.addendum_add(report=report, by=agent, text="补充")
    services.report_sign(report=report, by=agent, signer_name="王主任", signature=signature)
    with pytest.raises(ValidationFailed):
        services.addendum_add(report=report, by=agent, text="   ")
    assert not ReportAddendum.objects.exists()


def test_a_contact_of_another_customer_cannot_sign(visit, other_contact_user, signature):
    report = services.report_create(case=visit.case, by=visit.engineer, solution="x")
    with pytest.raises(NotAllowed):
        services.report_sign(
            report=report, by=other_contact_user, signer_name="X", signature=signature
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_signatures_at_the_same_time_sign_once(visit, signature):
    """Two phones submit at once: the row lock lets one sign; the other gets 409."""
    import threading

    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite is one connection per thread; the PostgreSQL run covers this")
    report = services.report_create(case=visit.case, by=visit.engineer, solution="更换光模块")
    barrier = threading.Barrier(2)
    results: list[str] = []

    def sign(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            services.report_sign(
                report=ServiceReport.objects.get(pk=report.pk),
                by=visit.engineer,
                signer_name=name,
                signature=signature,
            )
            results.append("signed")
        except Conflict:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(name,)) for name in ("王主任", "李科长")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["conflict", "signed"]
    signed = ServiceReport.objects.get(pk=report.pk)
    assert signed.status == "signed"
    events = CaseEvent.objects.filter(case=visit.case, kind="report", data__action="signed")
    assert [e.data["signer"] for e in events] == [signed.signer_name]
