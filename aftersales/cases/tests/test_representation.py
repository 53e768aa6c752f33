"""The hand-written representations of cases and clocks equal DRF's generic rendering."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import translation
from rest_framework.test import APIRequestFactory

from aftersales.cases.api.serializers import CaseSerializer
from aftersales.cases.selectors import case_list_for_api
from aftersales.cases.services import case_transition
from aftersales.customers.tests.factories import ContactFactory, SiteFactory
from aftersales.sla.api.serializers import SlaClockSerializer
from aftersales.sla.tests.helpers import asset_with_contract, at


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_fast_and_generic_representations_agree(
    make_case, agent, engineer, customer, contact_user, language
):
    asset = asset_with_contract(customer)
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False):
        plain = make_case()
        full = make_case(
            asset=asset,
            contact=ContactFactory(customer=customer),
            site=SiteFactory(customer=customer),
            assignee=engineer,
        )
        case_transition(case=full, to="responded", by=agent)
        case_transition(case=full, to="resolved", by=agent, note="已修复")
    request = APIRequestFactory().get("/")
    for user in (agent, contact_user):
        request.user = user
        with (
            translation.override(language),
            time_machine.travel(at(2026, 11, 2, 12, 0), tick=False),
        ):
            for case in case_list_for_api(user=agent).filter(pk__in=[plain.pk, full.pk]):
                serializer = CaseSerializer(context={"request": request})
                fast = serializer.to_representation(case)
                assert fast == serializer.generic_representation(case)
                assert list(fast) == list(CaseSerializer.Meta.fields)
                for clock in case.live_sla_clocks:
                    clock_serializer = SlaClockSerializer()
                    assert clock_serializer.to_representation(
                        clock
                    ) == clock_serializer.generic_representation(clock)
