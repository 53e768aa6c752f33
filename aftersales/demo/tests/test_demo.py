from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from aftersales.accounts.models import User
from aftersales.cases.choices import CaseChannel, CaseSeverity, CaseStatus, CaseType
from aftersales.cases.models import Case
from aftersales.catalog.models import Asset, Contract
from aftersales.customers.models import Customer, Region


@pytest.mark.django_db
def test_demo_covers_every_status_type_channel_and_severity():
    call_command("demo", stdout=io.StringIO())
    assert Customer.objects.count() == 12
    assert Region.objects.count() == 5
    assert Asset.objects.count() == 50
    # the cases asked for, plus the one the maintenance plan opened
    assert Case.objects.filter(planned_by__isnull=True).count() == 200
    assert set(Contract.objects.values_list("service_level", flat=True)) == {"5x8", "7x24"}
    for field, choices in [
        ("status", CaseStatus),
        ("case_type", CaseType),
        ("channel", CaseChannel),
        ("severity", CaseSeverity),
    ]:
        assert set(Case.objects.values_list(field, flat=True)) == set(choices.values), field
    assert User.objects.filter(username="admin", is_superuser=True).exists()
    # claims decided (covered and not), an extension and a renewal to look at
    from aftersales.catalog.models import ContractRenewal, WarrantyExtension
    from aftersales.warranty.models import ClaimAssessment

    assert ClaimAssessment.objects.filter(decision="covered").exists()
    assert ClaimAssessment.objects.filter(decision="not_covered").exists()
    assert WarrantyExtension.objects.count() == 1
    assert ContractRenewal.objects.count() == 1
    # field service: skills, a night rotation written ahead, a plan's first case, loaners
    from aftersales.core import clock
    from aftersales.dispatch.models import BackupUnit, EngineerProfile, PlannedCase
    from aftersales.dispatch.selectors import on_call_at

    assert EngineerProfile.objects.count() == 4
    assert len(on_call_at(at=clock.now())) == 1
    assert PlannedCase.objects.count() == 1
    assert BackupUnit.objects.count() == 3
    assert User.objects.get(username="agent").check_password("demo12345")
    # every case's timeline starts with its creation and its status matches its last move
    for case in Case.objects.filter(status=CaseStatus.CLOSED)[:5]:
        kinds = list(case.events.values_list("kind", flat=True))
        assert kinds[0] == "created"
        assert (
            case.events.exclude(to_status="").order_by("-at", "-id").first().to_status == "closed"
        )


@pytest.mark.django_db
def test_if_empty_keeps_existing_data_and_plain_demo_reloads(settings):
    settings.DEBUG = True
    call_command("demo", "--cases", "20", stdout=io.StringIO())
    first = set(Case.objects.values_list("number", flat=True))
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "already present" in out.getvalue()
    assert set(Case.objects.values_list("number", flat=True)) == first
    call_command("demo", "--cases", "10", stdout=io.StringIO())
    assert Case.objects.filter(planned_by__isnull=True).count() == 10
    assert Customer.objects.count() == 12


@pytest.mark.django_db
def test_reload_refuses_to_replace_data_in_production(settings):
    from django.core.management.base import CommandError

    call_command("demo", "--cases", "5", stdout=io.StringIO())
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("demo", stdout=io.StringIO())
    assert Case.objects.filter(planned_by__isnull=True).count() == 5
