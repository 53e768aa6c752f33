"""The cases API: shapes, lifecycle, comments, timeline, idempotency, concurrency, search."""

from __future__ import annotations

import datetime

import time_machine

from aftersales.cases.models import Case, CaseEvent, Comment
from aftersales.cases.services import case_comment, case_transition

URL = "/api/v1/cases/"


def _payload(**overrides):
    data = {
        "customer": "ACME",
        "case_type": "fault",
        "channel": "phone",
        "severity": "C-1",
        "summary": "核心交换机宕机",
        "description": "整个机房网络中断",
    }
    data.update(overrides)
    return data


@time_machine.travel(datetime.datetime(2026, 9, 30, 8, 0, tzinfo=datetime.UTC), tick=False)
def test_create_returns_the_case_in_the_documented_shape(client_for, agent, asset):
    response = client_for(agent).post(
        URL, _payload(asset="SN-0001", reported_at="2026-09-30T15:30:00"), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "new"
    assert body["customer"] == "ACME"
    assert body["asset"] == "SN-0001"
    assert body["contract"] == "C24-001"
    assert body["severity"] == "C-1"
    # a naive timestamp is read in Asia/Shanghai and answered with its offset
    assert body["reported_at"] == "2026-09-30T15:30:00+08:00"
    assert body["assignee"] is None
    assert body["number"].startswith("SR-2026-")
    assert {
        "id",
        "number",
        "status",
        "case_type",
        "channel",
        "severity",
        "customer",
        "asset",
        "summary",
        "reported_at",
        "assignee",
        "version",
    } <= set(body)
    assert response["Location"].endswith(f"/cases/{body['number']}/")
    assert response["ETag"] == '"1"'


def test_create_with_bad_input_answers_400_per_field_and_writes_nothing(
    client_for, agent, other_customer
):
    client = client_for(agent)
    cases = [
        (_payload(customer="NOPE"), "customer"),
        (_payload(severity="C-9"), "severity"),
        (_payload(case_type="party"), "case_type"),
        (_payload(channel="pigeon"), "channel"),
        (_payload(summary=""), "summary"),
        (_payload(summary="长" * 201), "summary"),
        (_payload(description="x" * 20001), "description"),
        (_payload(reported_at="30/09/2026"), "reported_at"),
        (_payload(asset="NO-SUCH-SERIAL"), "asset"),
        (_payload(contact=999999), "contact"),
        (_payload(contact="abc"), "contact"),
    ]
    for data, field in cases:
        response = client.post(URL, data, format="json")
        assert response.status_code == 400, (field, response.content)
        assert field in response.json(), (field, response.json())
    assert Case.objects.count() == 0
    assert CaseEvent.objects.count() == 0


def test_malformed_json_is_a_400(client_for, agent):
    response = client_for(agent).generic("POST", URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_idempotency_key_makes_a_retry_return_the_first_case(client_for, agent, customer):
    client = client_for(agent)
    first = client.post(URL, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    second = client.post(URL, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["number"] == second.json()["number"]
    assert Case.objects.count() == 1
    different = client.post(
        URL, _payload(summary="另一个问题"), format="json", HTTP_IDEMPOTENCY_KEY="abc-123"
    )
    assert different.status_code == 409
    assert Case.objects.count() == 1
    other_key = client.post(URL, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="abc-124")
    assert other_key.status_code == 201
    assert Case.objects.count() == 2


def test_transition_moves_the_case_and_409_lists_allowed(client_for, agent, make_case):
    case = make_case()
    client = client_for(agent)
    ok = client.post(
        f"{URL}{case.number}/transition/",
        {"status": "responded", "note": "已电话联系"},
        format="json",
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "responded"
    refused = client.post(f"{URL}{case.number}/transition/", {"status": "closed"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["allowed"] == sorted(
        ["diagnosing", "dispatched", "in_progress", "waiting_customer", "waiting_parts", "resolved"]
    )
    assert "detail" in refused.json()
    no_note = client.post(f"{URL}{case.number}/transition/", {"status": "resolved"}, format="json")
    assert no_note.status_code == 400
    assert "note" in no_note.json()
    unknown = client.post(f"{URL}{case.number}/transition/", {"status": "exploded"}, format="json")
    assert unknown.status_code == 400
    case.refresh_from_db()
    assert case.status == "responded"


def test_patch_with_stale_version_is_a_409(client_for, agent, supervisor, make_case):
    case = make_case()
    a, b = client_for(agent), client_for(supervisor)
    etag_a = a.get(f"{URL}{case.number}/")["ETag"]
    etag_b = b.get(f"{URL}{case.number}/")["ETag"]
    first = a.patch(
        f"{URL}{case.number}/", {"severity": "C-1"}, format="json", HTTP_IF_MATCH=etag_a
    )
    assert first.status_code == 200
    assert first.json()["version"] == 2
    second = b.patch(
        f"{URL}{case.number}/", {"severity": "C-3"}, format="json", HTTP_IF_MATCH=etag_b
    )
    assert second.status_code == 409
    by_body = b.patch(f"{URL}{case.number}/", {"severity": "C-3", "version": 1}, format="json")
    assert by_body.status_code == 409
    case.refresh_from_db()
    assert case.severity == "C-1"


def test_patch_cannot_set_status(client_for, agent, make_case):
    case = make_case()
    response = client_for(agent).patch(f"{URL}{case.number}/", {"status": "closed"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()


def test_put_and_delete_are_not_offered(client_for, agent, make_case):
    case = make_case()
    client = client_for(agent)
    assert client.put(f"{URL}{case.number}/", _payload(), format="json").status_code == 405
    assert client.delete(f"{URL}{case.number}/").status_code == 405
    assert Case.objects.filter(pk=case.pk).exists()


def test_comments_and_timeline_hide_internal_notes_from_customers(
    client_for, agent, contact_user, make_case
):
    case = make_case()
    staff = client_for(agent)
    assert (
        staff.post(
            f"{URL}{case.number}/comments/",
            {"body": "内部：怀疑光模块", "public": False},
            format="json",
        ).status_code
        == 201
    )
    assert (
        staff.post(
            f"{URL}{case.number}/comments/", {"body": "您好，工程师已出发"}, format="json"
        ).status_code
        == 201
    )
    customer = client_for(contact_user)
    bodies = [c["body"] for c in customer.get(f"{URL}{case.number}/comments/").json()["results"]]
    assert bodies == ["您好，工程师已出发"]
    timeline = customer.get(f"{URL}{case.number}/timeline/").json()["results"]
    assert [e["kind"] for e in timeline] == ["created", "commented"]
    assert all("怀疑" not in str(e) for e in timeline)
    staff_timeline = staff.get(f"{URL}{case.number}/timeline/").json()["results"]
    # "created" and "sla" share the creation instant; their relative order is not the point here
    assert sorted((e["kind"], e["public"]) for e in staff_timeline[:2]) == [
        ("created", True),
        ("sla", False),
    ]
    assert [(e["kind"], e["public"]) for e in staff_timeline[2:]] == [
        ("commented", False),
        ("commented", True),
    ]
    assert staff_timeline[2]["comment"]["body"] == "内部：怀疑光模块"
    assert next(e for e in staff_timeline if e["kind"] == "created")["actor"] == "agent"


def test_customer_posting_internal_comment_gets_400(client_for, contact_user, make_case):
    case = make_case()
    response = client_for(contact_user).post(
        f"{URL}{case.number}/comments/", {"body": "x", "public": False}, format="json"
    )
    assert response.status_code == 400
    assert Comment.objects.count() == 0


def test_search_finds_chinese_substrings_of_two_characters(client_for, agent, make_case, asset):
    make_case(summary="打印机频繁卡纸", description="三楼财务室")
    make_case(summary="服务器硬盘告警", asset=asset)
    make_case(summary="视频会议卡顿")
    client = client_for(agent)

    def numbers(term):
        return sorted(c["summary"] for c in client.get(URL, {"search": term}).json()["results"])

    assert numbers("卡纸") == ["打印机频繁卡纸"]
    assert numbers("卡") == ["打印机频繁卡纸", "视频会议卡顿"]
    assert numbers("财务") == ["打印机频繁卡纸"]
    assert numbers("人民医院") == ["打印机频繁卡纸", "服务器硬盘告警", "视频会议卡顿"]
    assert numbers("sn-0001") == ["服务器硬盘告警"]
    number = Case.objects.get(summary="视频会议卡顿").number
    assert numbers(number) == ["视频会议卡顿"]


def test_filters(client_for, agent, engineer, make_case):
    a = make_case(severity="C-1", channel="email")
    make_case(severity="C-3", channel="phone", assignee=engineer)
    client = client_for(agent)

    def summaries(**params):
        return [c["number"] for c in client.get(URL, params).json()["results"]]

    assert summaries(severity="C-1") == [a.number]
    assert summaries(channel="email") == [a.number]
    assert summaries(assignee="none") == [a.number]
    assert len(summaries(assignee="engineer")) == 1
    assert len(summaries(status="new")) == 2
    assert summaries(status="closed") == []
    assert client.get(URL, {"severity": "C-7"}).status_code == 400
    assert client.get(URL, {"reported_after": "yesterday"}).status_code == 400
    assert client.get(URL, {"ordering": "summary"}).status_code == 400


def test_list_is_paginated_by_cursor(client_for, agent, make_case):
    for _ in range(5):
        make_case()
    client = client_for(agent)
    page = client.get(URL, {"page_size": 2}).json()
    assert set(page) == {"next", "previous", "results"}
    assert len(page["results"]) == 2
    seen = [c["number"] for c in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [c["number"] for c in page["results"]]
    assert len(seen) == 5 == len(set(seen))
    assert client.get(URL, {"page_size": 0}).status_code == 400
    assert client.get(URL, {"cursor": "garbage"}).status_code == 400


def test_list_query_count_does_not_grow_with_rows(
    client_for, agent, engineer, make_case, asset, django_assert_max_num_queries
):
    from aftersales.customers.tests.factories import ContactFactory

    client = client_for(agent)
    contact = ContactFactory(customer=asset.customer)
    make_case(asset=asset, contact=contact, assignee=engineer)
    with django_assert_max_num_queries(4) as few:
        client.get(URL)
    for _ in range(20):
        make_case(asset=asset, contact=contact, assignee=engineer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL).json()["results"]) == 21


def test_customer_sees_only_own_cases_and_others_answer_404(
    client_for, contact_user, other_contact_user, make_case, other_customer
):
    mine = make_case()
    theirs = make_case(customer=other_customer)
    client = client_for(contact_user)
    assert [c["number"] for c in client.get(URL).json()["results"]] == [mine.number]
    assert client.get(f"{URL}{theirs.number}/").status_code == 404
    assert client.get(f"{URL}{theirs.number}/timeline/").status_code == 404
    assert (
        client.post(f"{URL}{theirs.number}/comments/", {"body": "hi"}, format="json").status_code
        == 404
    )
    assert (
        client.post(
            f"{URL}{theirs.number}/transition/", {"status": "responded"}, format="json"
        ).status_code
        == 404
    )
    assert (
        client.patch(f"{URL}{theirs.number}/", {"summary": "x"}, format="json").status_code == 404
    )
    refused = client.post(URL, _payload(customer="OTHER"), format="json")
    assert refused.status_code == 400
    assert Case.objects.filter(customer=other_customer).count() == 1
    assert Comment.objects.count() == 0


def test_customer_creates_case_for_own_organisation_without_naming_it(client_for, contact_user):
    data = _payload(channel="web")
    del data["customer"]
    response = client_for(contact_user).post(URL, data, format="json")
    assert response.status_code == 201
    assert response.json()["customer"] == "ACME"


def test_customer_confirms_and_reopens(client_for, agent, contact_user, make_case):
    case = make_case()
    case = case_transition(case=case, to="responded", by=agent)
    case = case_transition(case=case, to="resolved", by=agent, note="已修复")
    client = client_for(contact_user)
    detail = client.get(f"{URL}{case.number}/").json()
    assert detail["allowed_transitions"] == ["closed", "in_progress"]
    assert (
        client.post(
            f"{URL}{case.number}/transition/", {"status": "closed"}, format="json"
        ).status_code
        == 200
    )
    response = client.post(
        f"{URL}{case.number}/transition/",
        {"status": "in_progress", "note": "又坏了"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["reopen_count"] == 1


def test_customer_cannot_make_staff_moves_403(client_for, contact_user, make_case):
    case = make_case()
    response = client_for(contact_user).post(
        f"{URL}{case.number}/transition/", {"status": "responded"}, format="json"
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "new"


def test_errors_speak_the_users_language(client_for, make_user, agent):
    chinese = client_for(agent).post(URL, _payload(severity="C-9"), format="json")
    assert (
        "不是合法选项" in chinese.json()["severity"][0] or "有效" in chinese.json()["severity"][0]
    )
    english = client_for(agent).post(
        URL, _payload(severity="C-9"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "is not a valid choice" in english.json()["severity"][0]
    preferring_english = make_user("agent", username="anna", language="en")
    answer = client_for(preferring_english).post(URL, _payload(severity="C-9"), format="json")
    assert "is not a valid choice" in answer.json()["severity"][0]


def test_our_own_messages_are_translated(client_for, agent, make_case):
    case = make_case()
    client = client_for(agent)
    case_transition(case=case, to="responded", by=agent)
    zh = client.post(f"{URL}{case.number}/transition/", {"status": "resolved"}, format="json")
    assert zh.json()["note"] == ["请说明问题是如何解决的。"]
    en = client.post(
        f"{URL}{case.number}/transition/",
        {"status": "resolved"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert en.json()["note"] == ["Describe how the problem was resolved."]


def test_anonymous_gets_401(api_client, make_case):
    case = make_case()
    assert api_client.get(URL).status_code == 401
    assert api_client.get(f"{URL}{case.number}/").status_code == 401
    assert api_client.post(URL, _payload(), format="json").status_code == 401


def test_nul_bytes_are_a_400_not_a_500(client_for, agent):
    client = client_for(agent)
    assert client.get(URL, {"search": "a\x00b"}).status_code == 400
    assert client.post(URL, _payload(summary="bad\x00summary"), format="json").status_code == 400


def test_comment_counts_as_response(client_for, agent, make_case):
    case = make_case()
    case_comment(case=case, by=agent, body="收到")
    body = client_for(agent).get(f"{URL}{case.number}/").json()
    assert body["responded_at"] is not None
