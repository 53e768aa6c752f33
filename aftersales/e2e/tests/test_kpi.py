"""The supervisor opens the KPI dashboard and follows a number to the cases behind it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from aftersales.e2e.conftest import arrived


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dashboard_number_leads_to_its_cases(open_browser, sign_in, supervisor, make_case):
    from aftersales.cases.models import Case

    make_case(summary="核心交换机宕机")
    make_case(summary="打印机卡纸", case_type="consultation")
    numbers = set(Case.objects.values_list("number", flat=True))
    console = open_browser("en-US")
    sign_in(console, supervisor)
    console.goto("/kpi/")
    cases = console.locator("[data-measure=cases] a")
    expect(cases).to_have_text("2")
    cases.click()
    arrived(console, re.compile(r"/console/cases/\?"))
    for number in numbers:
        expect(console.locator("main")).to_contain_text(number)
