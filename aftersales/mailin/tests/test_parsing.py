"""Parsing without a database: Chinese encodings, quoted history, noise rules."""

from __future__ import annotations

import base64

import pytest

from aftersales.mailin.parsing import (
    Undecodable,
    classify_noise,
    clean_subject,
    decode_header,
    parse_message,
    sanitize_html,
    trim_quoted,
)
from aftersales.mailin.tests.messages import message, raw_message

HEAD = "From: a@b.cn\nTo: s@x.cn\nSubject: t\nMessage-ID: <m@b.cn>\nMIME-Version: 1.0\n"


def _b64_word(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


# --- Bodies in each encoding ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "codec", "text"),
    [
        ("gb2312", "gb2312", "设备无法开机，请派工程师。"),
        # "镕" and "堃" are GBK-only; mailers still label such text gb2312.
        ("gb2312", "gbk", "朱镕基路的堃宇大厦设备故障"),
        ("gbk", "gbk", "朱镕基路的堃宇大厦设备故障"),
        # 𠮷 (U+20BB7) is a four-byte GB18030 sequence.
        ("gb18030", "gb18030", "吉野家的𠮷字与€符号"),
        ("utf-8", "utf-8", "超声探头有杂波 🙂"),
    ],
)
def test_bodies_decode_in_every_chinese_encoding(label, codec, text):
    raw = raw_message(
        HEAD + f"Content-Type: text/plain; charset={label}\nContent-Transfer-Encoding: 8bit",
        text.encode(codec),
    )
    assert parse_message(raw).text == text


def test_base64_gbk_body():
    text = "请检查二号机的电源模块"
    raw = raw_message(
        HEAD + "Content-Type: text/plain; charset=GBK\nContent-Transfer-Encoding: base64",
        base64.encodebytes(text.encode("gbk")),
    )
    assert parse_message(raw).text == text


def test_unlabelled_8bit_gbk_is_read_as_gb18030():
    raw = raw_message(HEAD + "Content-Type: text/plain", "无字符集标注的中文".encode("gbk"))
    assert parse_message(raw).text == "无字符集标注的中文"


def test_text_in_no_candidate_encoding_is_undecodable():
    raw = raw_message(HEAD + "Content-Type: text/plain; charset=utf-8", b"\xff\xfe\xfa\x81\x30")
    with pytest.raises(Undecodable):
        parse_message(raw)
    assert "\ufffd" in parse_message(raw, strict=False).text


# --- Headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (_b64_word("设备报修", "gb2312"), "设备报修"),
        (_b64_word("朱镕基路", "gbk"), "朱镕基路"),
        (_b64_word("朱镕基路", "gbk").replace("gbk", "gb2312"), "朱镕基路"),
        (_b64_word("𠮷野家", "gb18030"), "𠮷野家"),
        (_b64_word("回复：故障", "utf-8"), "回复：故障"),
        ("=?utf-8?Q?=E8=AE=BE=E5=A4=87_OK?=", "设备 OK"),
        ("Re: " + _b64_word("报修", "utf-8") + " [SR-2026-000001]", "Re: 报修 [SR-2026-000001]"),
    ],
)
def test_encoded_word_subjects_decode(value, expected):
    assert decode_header(value) == expected


def test_a_character_split_across_two_encoded_words_is_joined():
    data = "医院设备".encode()
    first, second = data[:4], data[4:]  # cuts the second character in half
    value = (
        f"=?utf-8?B?{base64.b64encode(first).decode()}?= "
        f"=?utf-8?B?{base64.b64encode(second).decode()}?="
    )
    assert decode_header(value) == "医院设备"


def test_raw_8bit_gbk_subject_and_sender_name():
    raw = (
        b"From: "
        + "张伟".encode("gbk")
        + b" <zw@h.cn>\r\nSubject: "
        + "设备报修".encode("gbk")
        + b"\r\nMessage-ID: <x@h.cn>\r\n\r\nbody\r\n"
    )
    parsed = parse_message(raw)
    assert (parsed.subject, parsed.from_name, parsed.from_addr) == ("设备报修", "张伟", "zw@h.cn")


@pytest.mark.parametrize(
    "disposition",
    [
        # RFC 2231
        "attachment; filename*=utf-8''%E6%95%85%E9%9A%9C%E7%85%A7%E7%89%87.jpg",
        # encoded word inside quotes (what Outlook, Foxmail and QQ Mail send)
        'attachment; filename="' + _b64_word("故障照片.jpg", "gb2312") + '"',
    ],
)
def test_chinese_attachment_names(disposition):
    raw = raw_message(
        HEAD + 'Content-Type: multipart/mixed; boundary="b"',
        (
            "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee photo\r\n"
            "--b\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n"
            f"Content-Disposition: {disposition}\r\n\r\n/9j/\r\n--b--\r\n"
        ).encode(),
    )
    parsed = parse_message(raw)
    assert [a.name for a in parsed.attachments] == ["故障照片.jpg"]
    assert parsed.attachments[0].data == b"\xff\xd8\xff"


# --- Quoted history -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            "好的，明天上午可以。\n\n-----原始邮件-----\n"
            "发件人: 客服\n发送时间: 2026年11月25日\n主题: 工单",
            "好的，明天上午可以。",
        ),
        (
            "收到\n\n------------------ 原始邮件 ------------------\n"
            '发件人: "客服"<s@x.cn>;\n发送时间: 2026年11月25日(星期三) 上午10:00\n'
            '收件人: "张伟"<z@h.cn>;\n主题: 回复',
            "收到",
        ),
        (
            "已重启，正常了\n\n在 2026年11月25日 10:00，客服中心 <s@x.cn> 写道：\n> 请重启设备",
            "已重启，正常了",
        ),
        ("谢谢\n\n张伟 <z@h.cn> 于2026年11月25日周三 上午10:00写道：\n> 内容", "谢谢"),
        (
            "Thanks!\n\nFrom: Support <s@x.cn>\n"
            "Sent: Wednesday, November 25, 2026 10:00 AM\nTo: Zhang Wei\nSubject: RE: case",
            "Thanks!",
        ),
        (
            "好的\n\n发件人: 客服中心 <s@x.cn>\n"
            "发送时间: 2026年11月25日 10:00\n收件人: 张伟\n主题: 答复: 工单",
            "好的",
        ),
        (
            "Works now.\n\nOn Wed, 25 Nov 2026 at 10:00, Support <s@x.cn> wrote:\n> Please restart",
            "Works now.",
        ),
        (
            "Works now.\n\nOn Wed, 25 Nov 2026 at 10:00, Support Centre\n<s@x.cn> wrote:\n> Please",
            "Works now.",
        ),
        ("Yes.\n\n> Can you restart it?\n> Thanks", "Yes."),
        ("-----Original Message-----\nFrom: x", "-----Original Message-----\nFrom: x"),
    ],
)
def test_quoted_history_is_trimmed(text, kept):
    assert trim_quoted(text) == kept


def test_inline_answers_between_quotes_are_kept():
    text = "> Is it on?\nYes, it is on.\n> Any error?\nE-102"
    assert trim_quoted(text) == text


def test_html_reply_quote_becomes_a_quote_and_is_trimmed():
    raw = raw_message(
        HEAD + "Content-Type: text/html; charset=utf-8",
        '<div>已处理</div><blockquote class="gmail_quote">原来的内容</blockquote>'.encode(),
    )
    parsed = parse_message(raw)
    assert parsed.text == "已处理\n\n> 原来的内容"
    assert trim_quoted(parsed.text) == "已处理"


def test_reply_prefixes_are_removed_from_subjects():
    assert clean_subject("回复：Re: 转发: [SR-2026-000001] 故障") == "[SR-2026-000001] 故障"


def test_sanitize_html_drops_scripts_and_handlers():
    cleaned = sanitize_html('<a href="javascript:x()" onmouseover="y()">a</a><script>z</script>')
    assert "javascript" not in cleaned
    assert "onmouseover" not in cleaned
    assert "<script" not in cleaned


# --- Noise ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, None, "auto_submitted"),
        ({"Auto-Submitted": "auto-generated"}, None, "auto_submitted"),
        ({"Precedence": "bulk"}, None, "precedence"),
        ({"Precedence": "junk"}, None, "precedence"),
        ({"Precedence": "list"}, None, "precedence"),
        ({"Precedence": "auto_reply"}, None, "precedence"),
        ({"X-Autoreply": "yes"}, None, "auto_reply"),
        ({}, "MAILER-DAEMON@mx.hospital.example.cn", "bounce"),
        ({}, "postmaster@hospital.example.cn", "bounce"),
        ({"Return-Path": "<>"}, None, "bounce"),
        ({}, "service@aftersales.example.cn", "own_address"),
    ],
)
def test_automatic_mail_is_recognised(headers, sender, reason):
    parsed = parse_message(message(headers=headers, sender=sender or "z@h.cn"))
    assert classify_noise(parsed, own_addresses=frozenset({"service@aftersales.example.cn"})) == (
        reason
    )


def test_auto_submitted_no_is_a_person():
    parsed = parse_message(message(headers={"Auto-Submitted": "no"}))
    assert classify_noise(parsed, own_addresses=frozenset()) == ""
