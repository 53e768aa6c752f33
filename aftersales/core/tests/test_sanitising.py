"""HTML from users never runs: e-mail HTML goes through nh3, everything else is escaped text."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from aftersales.cases.services import case_comment
from aftersales.core.html import clean_html
from aftersales.mailin.parsing import sanitize_html

pytestmark = pytest.mark.django_db

ATTACKS = [
    "<script>alert(document.cookie)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<svg onload="alert(1)"><circle/></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<form action="https://evil.example"><input name="password"></form>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_sanitiser_removes_anything_that_runs(attack):
    cleaned = clean_html(f"<p>before</p>{attack}<p>after</p>").lower()
    for bad in ("<script", "onerror", "onload", "javascript:", "<iframe", "<svg", "<form",
                "style=", "data:"):  # fmt: skip
        assert bad not in cleaned
    assert "<p>before</p>" in cleaned
    assert "<p>after</p>" in cleaned


def test_harmless_markup_and_links_are_kept():
    cleaned = clean_html('<p>The <b>pump</b> <a href="https://vendor.example/kb/1">leaks</a></p>')
    assert cleaned == (
        '<p>The <b>pump</b> <a href="https://vendor.example/kb/1" '
        'rel="noopener noreferrer nofollow">leaks</a></p>'
    )


def test_mail_in_html_uses_the_shared_sanitiser():
    source = '<p onclick="x()">hi</p><img src=x onerror=alert(1)><a href="javascript:x">y</a>'
    assert sanitize_html(source) == clean_html(source)
    assert "onerror" not in sanitize_html(source)


def test_case_text_is_escaped_in_the_console_and_the_portal(client, agent, contact_user, make_case):
    case = make_case(summary="<script>alert(1)</script>", description='<img src=x onerror="a()">')
    case_comment(case=case, by=contact_user, body='<a href="javascript:alert(2)">see</a>')
    for user, url in (
        (agent, f"/console/cases/{case.number}/"),
        (contact_user, f"/portal/cases/{case.number}/"),
    ):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<img src=x" not in html
        assert 'href="javascript:alert(2)"' not in html
        assert "&lt;a href=&quot;javascript:alert(2)&quot;&gt;see&lt;/a&gt;" in html


def test_notification_email_html_escapes_what_the_customer_wrote():
    from aftersales.notifications.services.rendering import render_email

    email = render_email(
        "case_created",
        {
            "number": "SR-2026-000001",
            "summary": '<script>alert(1)</script><img src=x onerror="a()">',
            "recipient_name": "<b>张伟</b>",
        },
        language="en",
        zone=ZoneInfo("Asia/Shanghai"),
        number="SR-2026-000001",
    )
    assert "<script>" not in email.html
    assert "<img" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert "&lt;b&gt;张伟&lt;/b&gt;" in email.html
