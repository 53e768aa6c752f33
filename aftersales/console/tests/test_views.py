"""Server-side tests of every console page: access, content, actions, query counts."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.cases.models import Attachment, Case
from aftersales.cases.services import case_transition
from aftersales.customers.tests.factories import ContactFactory
from aftersales.sla.tests.helpers import asset_with_contract, at

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def staff(client, agent):
    client.force_login(agent)
    return client


def statements(captured):
    return [q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]


@pytest.mark.parametrize(
    "url", ["/console/", "/console/cases/", "/console/cases/new/", "/console/lookup/?q=139"]
)
def test_console_needs_a_signed_in_staff_member(client, contact_user, url):
    assert client.get(url).status_code == 302
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(contact_user)
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, "/portal/")


def test_home_routes_by_role(client, agent, contact_user):
    client.force_login(agent)
    assert client.get("/")["Location"] == "/console/"
    client.force_login(contact_user)
    assert client.get("/")["Location"] == "/portal/"


def test_dashboard_counts_and_urgent_cases(staff, make_case, agent):
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False):
        mine = make_case(assignee=agent, severity="C-1")
        make_case(severity="C-3")
    with time_machine.travel(at(2026, 11, 3, 10, 0), tick=False):
        page = staff.get("/console/")
    assert page.status_code == 200
    board = page.context["board"]
    assert board["mine_open"] == 1
    assert [c.number for c in board["urgent"]][0] == mine.number
    assert page.context["open_total"] == 2
    assert mine.number in page.content.decode()


def test_dashboard_query_count_is_fixed(staff, make_case):
    for _ in range(3):
        make_case()
    with CaptureQueriesContext(connection) as few:
        staff.get("/console/")
    for _ in range(20):
        make_case(severity="C-1")
    with CaptureQueriesContext(connection) as many:
        staff.get("/console/")
    assert len(statements(many)) == len(statements(few))


def test_list_sorts_by_nearest_due_and_shows_sla_colours(staff, make_case):
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False):
        later = make_case(case_type="consultation")  # response 24 h
        sooner = make_case(severity="C-1")  # confirm 2 h on 7x8
    with time_machine.travel(at(2026, 11, 2, 13, 0), tick=False):
        page = staff.get("/console/cases/")
    rows = page.context["rows"]
    assert [c.number for c in rows] == [sooner.number, later.number]
    html = page.content.decode()
    assert html.index(sooner.number) < html.index(later.number)
    assert 'class="sla sla-running"' in html


def test_list_filters_search_and_queues(staff, make_case, agent, customer):
    contact = ContactFactory(customer=customer, name="王伟", mobile="13912345678")
    mine = make_case(assignee=agent, summary="打印机卡纸", contact=contact)
    other = make_case(severity="C-1", summary="服务器宕机")

    def numbers(query):
        return [c.number for c in staff.get(f"/console/cases/{query}").context["rows"]]

    assert numbers("?queue=mine") == [mine.number]
    assert numbers("?severity=C-1") == [other.number]
    assert numbers("?search=卡纸") == [mine.number]
    assert numbers("?search=王伟") == [mine.number]
    assert numbers("?search=13912345678") == [mine.number]
    assert numbers("?status=closed") == []
    assert staff.get("/console/cases/?severity=C-9").context["rows"] == []


def test_list_pages_by_keyset_without_count(staff, make_case):
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False):
        created = [make_case() for _ in range(55)]
    default = staff.get("/console/cases/")
    assert len(default.context["rows"]) == 25
    assert staff.get("/console/cases/?size=7").context["page_size"] == 25  # not offered
    first = staff.get("/console/cases/", {"size": "50"})
    assert len(first.context["rows"]) == 50
    token = first.context["next_token"]
    assert "size=50&amp;after=" in first.content.decode()  # the next link keeps the size
    second = staff.get("/console/cases/", {"after": token, "size": "50"})
    seen = [c.number for c in first.context["rows"]] + [c.number for c in second.context["rows"]]
    assert sorted(seen) == sorted(c.number for c in created)
    assert second.context["next_token"] is None
    with CaptureQueriesContext(connection) as captured:
        staff.get("/console/cases/", {"after": token})
    assert not any("COUNT(" in q["sql"] for q in captured.captured_queries)


def test_list_query_count_does_not_grow_with_rows(staff, make_case, asset, engineer):
    make_case(asset=asset, assignee=engineer)
    with CaptureQueriesContext(connection) as few:
        staff.get("/console/cases/")
    for _ in range(20):  # still one page (25 rows), so the same page queries run
        make_case(asset=asset, assignee=engineer)
    with CaptureQueriesContext(connection) as many:
        page = staff.get("/console/cases/")
    assert len(page.context["rows"]) == 21
    assert len(statements(many)) == len(statements(few))


def test_htmx_refresh_returns_only_the_rows(staff, make_case):
    make_case()
    response = staff.get("/console/cases/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="case-rows"' in html
    assert "<html" not in html


def test_lookup_finds_callers_and_units(staff, customer, asset):
    ContactFactory(customer=customer, name="李娜", mobile="13811112222")
    html = staff.get("/console/lookup/", {"q": "1381111"}).content.decode()
    assert "李娜" in html
    assert "SN-0001" in staff.get("/console/lookup/", {"q": "SN-00"}).content.decode()


def test_new_case_from_a_call_shows_number_and_due_times(staff, customer, agent):
    asset = asset_with_contract(customer)
    form = staff.get("/console/cases/new/", {"asset": asset.serial_number})
    assert form.context["entitlement"].service_level == "7x24"
    response = staff.post(
        "/console/cases/new/",
        {
            "customer": "ACME",
            "asset": asset.serial_number,
            "case_type": "fault",
            "channel": "phone",
            "severity": "C-1",
            "summary": "核心交换机宕机",
            "description": "机房断网",
            "attachment": SimpleUploadedFile("传真.png", PNG, content_type="image/png"),
        },
        follow=True,
    )
    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == f"/console/cases/{case.number}/"
    message = [str(m) for m in response.context["messages"]][0]
    assert case.number in message
    assert "Response" in message or "响应" in message
    assert Attachment.objects.get().name == "传真.png"
    assert case.created_by == agent


def test_new_case_with_bad_input_shows_errors_and_creates_nothing(staff, customer):
    response = staff.post(
        "/console/cases/new/",
        {
            "customer": "ACME",
            "case_type": "fault",
            "channel": "phone",
            "severity": "C-7",
            "summary": "",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"severity", "summary"}
    assert Case.objects.count() == 0


def test_case_page_shows_clocks_timeline_and_allowed_moves(staff, make_case):
    case = make_case(severity="C-1")
    page = staff.get(f"/console/cases/{case.number}/")
    assert page.status_code == 200
    assert [s for s, _label in page.context["transitions"]] == ["diagnosing", "responded"]
    assert {c.target for c, _left in page.context["clocks"]} == {"response", "confirm"}
    assert staff.get("/console/cases/SR-0000-000000/").status_code == 404


def test_reply_note_transition_and_stale_edit(staff, make_case, agent, supervisor, client):
    case = make_case()
    staff.post(
        f"/console/cases/{case.number}/reply/", {"reply-body": "您好，已收到", "reply-public": "1"}
    )
    staff.post(
        f"/console/cases/{case.number}/reply/", {"reply-body": "内部：查日志", "reply-public": "0"}
    )
    assert list(case.comments.values_list("is_public", flat=True)) == [True, False]
    version = Case.objects.get(pk=case.pk).version
    staff.post(
        f"/console/cases/{case.number}/transition/", {"status": "diagnosing", "version": version}
    )
    case.refresh_from_db()
    assert case.status == "diagnosing"
    # a stale copy: the form still carries the old version
    response = staff.post(
        f"/console/cases/{case.number}/update/",
        {"severity": "C-1", "version": version, "assignee": "", "team": "", "cause": ""},
        follow=True,
    )
    case.refresh_from_db()
    assert case.severity == "C-2"
    assert "Someone else changed this case" in str(
        list(response.context["messages"])[0]
    ) or "其他人" in str(list(response.context["messages"])[0])
    fresh = staff.post(
        f"/console/cases/{case.number}/update/",
        {"severity": "C-1", "version": case.version, "assignee": "", "team": "", "cause": ""},
    )
    assert fresh.status_code == 302
    case.refresh_from_db()
    assert case.severity == "C-1"


def test_resolve_without_a_note_is_refused(staff, make_case, agent):
    case = case_transition(case=make_case(), to="responded", by=agent)
    response = staff.post(
        f"/console/cases/{case.number}/transition/",
        {"status": "resolved", "version": case.version, "note": ""},
        follow=True,
    )
    case.refresh_from_db()
    assert case.status == "responded"
    assert len(list(response.context["messages"])) == 1


def test_escalate_and_attach(staff, make_case, region, make_user):
    region.supervisor = make_user("supervisor", username="sup_east")
    region.save()
    case = make_case()
    response = staff.post(
        f"/console/cases/{case.number}/escalate/", {"escalate-reason": "客户投诉"}, follow=True
    )
    assert "sup_east" in str(list(response.context["messages"])[0])
    staff.post(
        f"/console/cases/{case.number}/attach/",
        {"attach-attachment": SimpleUploadedFile("log.txt", b"x"), "attach-public": "0"},
    )
    assert Attachment.objects.get().is_public is False


def test_customer_file_and_asset_pages(staff, make_case, customer, asset):
    make_case(asset=asset)
    page = staff.get(f"/console/customers/{customer.code}/")
    assert page.status_code == 200
    assert [a.serial_number for a, _e in page.context["assets"]] == ["SN-0001"]
    assert len(page.context["cases"]) == 1
    assert staff.get(f"/console/assets/{asset.serial_number}/").status_code == 200
    assert staff.get("/console/customers/NOPE/").status_code == 404
    assert staff.get("/console/assets/NOPE/").status_code == 404


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_render_in_both_languages(staff, make_case, asset, customer, language):
    case = make_case(asset=asset)
    for url in [
        "/console/",
        "/console/cases/",
        "/console/cases/new/",
        f"/console/cases/{case.number}/",
        f"/console/customers/{customer.code}/",
        f"/console/assets/{asset.serial_number}/",
    ]:
        response = staff.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        assert f'lang="{language}"' in response.content.decode()
    dashboard = staff.get("/console/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert ("仪表板" if language == "zh-hans" else "Dashboard") in dashboard


def test_language_switch_is_remembered(staff, agent):
    response = staff.post("/accounts/language/", {"language": "en", "next": "/console/"})
    assert response["Location"] == "/console/"
    agent.refresh_from_db()
    assert agent.language == "en"
    assert (
        staff.post("/accounts/language/", {"language": "en", "next": "https://evil.example/"})[
            "Location"
        ]
        == "/"
    )


def test_keyset_pages_cover_every_case_in_order_across_due_times_and_the_undue_tail(
    staff, make_case, agent
):
    import datetime as dt

    from aftersales.cases.selectors import case_queue, keyset_page

    created = []
    for n in range(23):
        with time_machine.travel(
            at(2026, 11, 2, 10, 0) + dt.timedelta(minutes=7 * (n % 9)), tick=False
        ):
            created.append(make_case())
    # some cases have nothing due any more (their clocks ended): the undue tail
    Case.objects.filter(pk__in=[c.pk for c in created[:5]]).update(
        sla_due_at=None, sla_state="none"
    )
    expected = list(
        Case.objects.order_by("sla_due_at", "id")
        .filter(sla_due_at__isnull=False)
        .values_list("number", flat=True)
    ) + list(
        Case.objects.filter(sla_due_at__isnull=True).order_by("id").values_list("number", flat=True)
    )
    seen, token = [], None
    while True:
        rows, token = keyset_page(case_queue(user=agent, queue="all"), after=token, size=4)
        seen += [c.number for c in rows]
        if token is None:
            break
    assert seen == expected
    assert (
        keyset_page(case_queue(user=agent, queue="all"), after="garbage|x", size=4)[0][0].number
        == expected[0]
    )


def test_search_survives_renames_of_customers_and_contacts(staff, make_case, customer, agent):
    from aftersales.customers.services import contact_update, customer_update

    contact = ContactFactory(customer=customer, name="赵敏", mobile="13700001111")
    case = make_case(contact=contact, summary="视频会议卡顿")

    def found(term):
        return [c.number for c in staff.get("/console/cases/", {"search": term}).context["rows"]]

    assert found("卡顿") == [case.number]
    assert found("赵敏") == [case.number]
    customer_update(by=agent, customer=customer, data={"name": "华东电网调度中心"})
    assert found("电网") == [case.number]
    assert found("人民医院") == []
    contact_update(by=agent, contact=contact, data={"mobile": "13900002222"})
    assert found("13900002222") == [case.number]
    assert found("13700001111") == []


def test_postgresql_narrows_searches_with_the_bigram_index(staff, make_case):
    make_case(summary="打印机频繁卡纸")
    with CaptureQueriesContext(connection) as captured:
        rows = staff.get("/console/cases/", {"search": "卡纸"}).context["rows"]
    assert [c.summary for c in rows] == ["打印机频繁卡纸"]
    uses_index = any("string_to_array" in q["sql"] for q in captured.captured_queries)
    assert uses_index is (connection.vendor == "postgresql")


def test_list_rows_and_filter_options_escape_and_keep_choices(staff, make_case):
    make_case(summary='<script>alert("x")</script> 卡纸', severity="C-1")
    html = staff.get("/console/cases/?severity=C-1&size=50").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 卡纸" in html
    assert '<option value="C-1" selected>' in html
    assert '<option value="C-2">' in html
    assert '<option value="50" selected>' in html


def test_customer_file_shows_satisfaction_by_month(staff, make_case, customer):
    from aftersales.surveys.models import Rating

    with time_machine.travel(at(2026, 11, 20, 10, 0), tick=False):
        Rating.objects.create(case=make_case(), score=4, created_at=at(2026, 10, 3, 10, 0))
        Rating.objects.create(case=make_case(), score=5, created_at=at(2026, 10, 9, 10, 0))
        page = staff.get(f"/console/customers/{customer.code}/")
    trend = page.context["rating_trend"]
    assert [row["n"] for row in trend][-2:] == [2, 0]
    assert trend[-2]["avg"] == 4.5
    html = page.content.decode()
    assert "2026-10" in html
    assert "4.5" in html
