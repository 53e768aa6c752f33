"""Case-page panels: one statement tells every provider which of its tables have rows for the
case, and a provider that has nothing to show reads none of them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from aftersales.core import panels
from aftersales.dispatch.models import ChecklistItem, Visit

# The tables the panels read by case (tracked by their apps).
PANEL_TABLES = [
    "servicereports_servicereport",
    "dispatch_visit",
    "dispatch_checklistitem",
    "dispatch_loan",
    "warranty_quote",
    "parts_replacement",
    "parts_exchangerepair",
    "inspection_nonconformitycase",
    "surveys_survey",
    "knowledge_articlecaselink",
]


@pytest.fixture
def seen(monkeypatch):
    """A provider on the console surface that records what ``has_rows`` answers."""
    answers: list[tuple[bool, bool]] = []

    def provider(request, case):
        answers.append((panels.has_rows(case, ChecklistItem), panels.has_rows(case, Visit)))
        return ""

    monkeypatch.setitem(panels._providers, "console", [*panels._providers["console"], provider])
    return answers


def test_has_rows_answers_from_one_statement_during_a_render(make_case, agent, seen):
    case = make_case()
    request = RequestFactory().get("/")
    request.user = agent
    assert panels.has_rows(case, ChecklistItem)  # outside a render: "go and look"
    with CaptureQueriesContext(connection) as probe:
        panels.render_panels("console", request, case)
    assert seen[-1] == (False, False)
    assert not hasattr(case, panels._PRESENT)  # nothing stale left on the case
    ChecklistItem.objects.create(case=case, position=1, text="rack the unit")
    panels.render_panels("console", request, case)
    assert seen[-1] == (True, False)
    exists = [q["sql"] for q in probe.captured_queries if "EXISTS" in q["sql"].upper()]
    assert len(exists) == 1
    assert all(table in exists[0] for table in PANEL_TABLES)


def test_untracked_models_are_always_looked_at(make_case, agent, monkeypatch):
    case = make_case()
    monkeypatch.setattr(panels, "_tracked", {})
    setattr(case, panels._PRESENT, frozenset())
    assert panels.has_rows(case, ChecklistItem)


def test_case_page_reads_no_panel_table_when_they_are_empty(client, agent, make_case):
    case = make_case()
    client.force_login(agent)
    with CaptureQueriesContext(connection) as page:
        response = client.get(f"/console/cases/{case.number}/")
    assert response.status_code == 200
    statements = [q["sql"] for q in page.captured_queries]
    for table in PANEL_TABLES:
        # Reads of the case's rows (a list, or an exists() check), not the probe.
        reads = [
            s
            for s in statements
            if (s.startswith(f'SELECT "{table}".') or f'FROM "{table}" WHERE' in s)
            and f'"{table}"."case_id" =' in s
        ]
        assert reads == [], table
