"""The console case page: the same markup from the quicker select widget, and a number of
queries that does not grow with the timeline, the files, the clocks or the staff list."""

from __future__ import annotations

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.models import Team
from aftersales.cases.choices import CaseSeverity
from aftersales.cases.services import attachment_add, case_comment, case_transition
from aftersales.console.forms import QuickSelect, ReplyForm, UpdateForm, staff_users


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def staff(client, agent):
    client.force_login(agent)
    return client


def _statements(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]


@pytest.mark.parametrize("value", [None, "C-2", 'x"><script>'])
def test_quick_select_renders_what_djangos_select_renders(value):
    choices = [("", "---------"), ("C-1", "C-1 <urgent>"), ("C-2", 'C-2 "high"'), ("x", "&")]
    attrs = {"id": "id_s", "required": True, "disabled": False, "data-x": 'a"b'}
    assert QuickSelect(choices=choices).render("s", value, attrs) == forms.Select(
        choices=choices
    ).render("s", value, attrs)
    grouped = [("Group <1>", [("a", "A"), ("b", "B")]), ("c", "C")]
    assert QuickSelect(choices=grouped).render("g", "b", {"id": "g"}) == forms.Select(
        choices=grouped
    ).render("g", "b", {"id": "g"})


@pytest.mark.django_db
def test_case_page_forms_render_as_with_djangos_widgets(make_user, agent):
    """The update and reply forms: same HTML as with Django's own Select and queries."""
    make_user("engineer", username="eng <b>")
    Team.objects.create(code="T1", name="Team & one")
    initial = {"assignee": agent.username, "severity": "C-1", "version": 3}

    class Reference(UpdateForm):
        assignee = forms.ModelChoiceField(
            label=UpdateForm.base_fields["assignee"].label,
            queryset=staff_users(),
            required=False,
            to_field_name="username",
        )
        team = forms.ModelChoiceField(
            label=UpdateForm.base_fields["team"].label,
            queryset=Team.objects.order_by("name"),
            required=False,
        )
        severity = forms.ChoiceField(
            label=UpdateForm.base_fields["severity"].label, choices=CaseSeverity.choices
        )

    ours, theirs = UpdateForm(initial=initial), Reference(initial=initial)
    for name in ("assignee", "team", "severity"):
        assert str(ours[name]) == str(theirs[name])
    assert "eng &lt;b&gt;" in str(ours["assignee"])
    assert '<option value="' + agent.username + '" selected>' in str(ours["assignee"])

    class ReplyReference(ReplyForm):
        public = forms.TypedChoiceField(
            label=ReplyForm.base_fields["public"].label,
            choices=ReplyForm.base_fields["public"].choices,
            coerce=lambda v: v == "1",
            initial="1",
        )

    assert str(ReplyForm(prefix="reply")["public"]) == str(ReplyReference(prefix="reply")["public"])


def test_update_form_still_checks_the_assignee(agent):
    assert UpdateForm({"assignee": agent.username, "severity": "C-2", "version": 1}).is_valid()
    form = UpdateForm({"assignee": "nobody", "severity": "C-2", "version": 1})
    assert not form.is_valid()
    assert "assignee" in form.errors


def test_case_page_query_count_does_not_grow(staff, make_case, agent, make_user, asset):
    case = make_case(asset=asset)
    case_transition(case=case, to="diagnosing", by=agent)
    case_transition(case=case, to="in_progress", by=agent)  # dispatch candidates shown
    make_user("engineer", username="engineer_a")
    staff.get(f"/console/cases/{case.number}/")  # session and caches warm
    with CaptureQueriesContext(connection) as few:
        page = staff.get(f"/console/cases/{case.number}/")
    assert page.status_code == 200
    # A longer timeline, files, more engineers (candidates) and staff (assignee list).
    for i in range(5):
        case_comment(case=case, by=agent, body=f"note {i}", public=bool(i % 2))
        attachment_add(case=case, by=agent, upload=SimpleUploadedFile(f"f{i}.log", b"x"))
        make_user("engineer", username=f"engineer_{i}")
    with CaptureQueriesContext(connection) as many:
        page = staff.get(f"/console/cases/{case.number}/")
    html = page.content.decode()
    assert html.count("note ") >= 5
    assert "f4.log" in html
    assert "engineer_4" in html
    assert len(_statements(many)) == len(_statements(few))
    # The assignee and team lists come from ordinary queries, not server-side cursors.
    assert not any(sql.startswith("DECLARE") for sql in _statements(many))
