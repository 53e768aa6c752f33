"""The portal's case list: what each row shows, and a number of queries that does not grow
with the rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.cases.services import case_transition


@pytest.fixture
def portal(client, contact_user):
    client.force_login(contact_user)
    return client


def _home(portal, language: str = "en") -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = portal.get("/portal/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


def test_rows_show_number_time_severity_status_summary_and_unit(portal, make_case, asset):
    with_unit = make_case(asset=asset, severity="C-1", summary="Port <b>down</b> & flapping")
    without_unit = make_case(summary="No unit")
    html, _ = _home(portal)
    row = html[html.index(f'<a href="/portal/cases/{with_unit.number}/">') :]
    row = row[: row.index("</tr>")]
    assert f">{with_unit.number}</a>" in row
    assert '<span class="badge sev-C-1">C-1</span>' in row
    assert '<span class="badge">New</span>' in row
    assert "Port &lt;b&gt;down&lt;/b&gt; &amp; flapping" in row  # escaped
    assert f'<td class="wide">{asset.serial_number}</td>' in row
    other = html[html.index(f'<a href="/portal/cases/{without_unit.number}/">') :]
    assert '<td class="wide">—</td></tr>' in other[: other.index("</tr>") + 5]
    # The status in the contact's language.
    zh, _ = _home(portal, "zh-hans")
    assert '<span class="badge">已登记</span>' in zh


def test_open_cases_come_first_then_newest(portal, make_case, agent):
    older_open = make_case(summary="older open")
    done = make_case(summary="resolved later")
    case_transition(case=done, to="diagnosing", by=agent)
    case_transition(case=done, to="resolved", by=agent, note="fixed")
    newer_open = make_case(summary="newer open")
    html, _ = _home(portal)
    positions = [html.index(c.number) for c in (newer_open, older_open, done)]
    assert positions == sorted(positions)


def test_no_cases_says_so(portal):
    html, _ = _home(portal)
    assert "No requests yet." in html


def test_queries_do_not_grow_with_the_rows(portal, make_case, asset):
    make_case(asset=asset)
    _home(portal)  # session and caches warm
    _html, one_row = _home(portal)
    for i in range(6):
        make_case(asset=asset if i % 2 else None, summary=f"case {i}")
    html, seven_rows = _home(portal)
    assert html.count("<tr data-row-link>") == 7
    assert seven_rows == one_row
    # The session's user, the contact's organisation (the heading) and the rows.
    assert seven_rows <= 4
