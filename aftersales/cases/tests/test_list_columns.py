"""The case list loads only the columns its rows show; each row still equals the case as read
one by one (every reference, clock and policy field)."""

from __future__ import annotations

import pytest
import time_machine

from aftersales.cases.services import case_transition
from aftersales.customers.tests.factories import ContactFactory, SiteFactory
from aftersales.sla.tests.helpers import asset_with_contract, at

URL = "/api/v1/cases/"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_list_rows_equal_the_cases_read_one_by_one(
    client_for, make_case, agent, engineer, customer, contact_user, language
):
    asset = asset_with_contract(customer)
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False):
        make_case()
        full = make_case(
            asset=asset,
            contact=ContactFactory(customer=customer),
            site=SiteFactory(customer=customer),
            assignee=engineer,
        )
        case_transition(case=full, to="responded", by=agent)
        case_transition(case=full, to="resolved", by=agent, note="已修复")
        make_case(asset=asset, severity="C-1", case_type="consultation")
    for user in (agent, contact_user):
        client = client_for(user)
        with time_machine.travel(at(2026, 11, 2, 12, 0), tick=False):
            rows = client.get(URL, HTTP_ACCEPT_LANGUAGE=language).json()["results"]
            assert len(rows) == 3
            for row in rows:
                one = client.get(f"{URL}{row['number']}/", HTTP_ACCEPT_LANGUAGE=language).json()
                assert row == one
