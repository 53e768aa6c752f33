"""Turn the bytes of an e-mail into what a case needs: pure functions, no database.

Chinese mail is the reason this module exists. Mailers label GBK text as ``gb2312`` (GBK is its
superset and what they really send), split a multi-byte character across two encoded words,
put raw 8-bit GBK or UTF-8 in headers, and encode attachment names in three different ways.
The stdlib parser reads the structure; every piece of text is decoded here, with GB2312 and
GBK read as GB18030 (their common superset), so nothing comes out as mojibake. Text that no
candidate encoding can read raises ``Undecodable`` (the message goes to quarantine) unless the
caller asks for a lenient decode.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import html
import mimetypes
import quopri
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from aftersales.core.html import clean_html


class MessageError(Exception):
    """A message that cannot be turned into a case (it goes to quarantine)."""

    reason = "error"


class Undecodable(MessageError):
    """Text in no encoding that the message declares or that Chinese mail uses."""

    reason = "undecodable"


class TooLarge(MessageError):
    """A message over ``MAILIN_MAX_MESSAGE_BYTES``."""

    reason = "too_large"


# Labels that mailers put on GBK text. GB18030 is a superset of GB2312 and GBK with the same
# bytes for their characters, so decoding all of them as GB18030 loses nothing and reads the
# GBK characters that a "gb2312" label would otherwise turn into replacement marks.
_GB_LABELS = frozenset(
    {
        "gb2312",
        "gb_2312",
        "gb_2312-80",
        "gb2312-80",
        "csgb2312",
        "euc-cn",
        "euccn",
        "x-euc-cn",
        "gbk",
        "x-gbk",
        "cp936",
        "ms936",
        "windows-936",
        "gb18030",
        "chinese",
        "iso-ir-58",
    }
)
_BIG5_LABELS = frozenset({"big5", "big-5", "cn-big5", "csbig5", "x-x-big5", "big5-hkscs"})


def codec_for(charset: str | None) -> str | None:
    """Return the Python codec to read text labelled ``charset`` with, or None if unknown."""
    label = (charset or "").strip().strip("\"'").lower()
    if not label:
        return None
    if label in _GB_LABELS:
        return "gb18030"
    if label in _BIG5_LABELS:
        return "big5hkscs"
    if label in ("unknown-8bit", "x-unknown", "unknown"):
        return None
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None, *, strict: bool = True) -> str:
    """Decode ``data`` labelled ``charset``: the label first, then UTF-8, then GB18030.

    Raises Undecodable when none fits and ``strict``; otherwise undecodable bytes become U+FFFD.
    """
    declared = codec_for(charset)
    for codec in dict.fromkeys(c for c in (declared, "utf-8", "gb18030") if c):
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    if strict:
        raise Undecodable(
            "text labelled {!r} is valid in none of {}".format(
                charset or "(none)",
                ", ".join(dict.fromkeys(c for c in (declared, "utf-8", "gb18030") if c)),
            )
        )
    return data.decode(declared or "utf-8", errors="replace")


_ENCODED_WORD = re.compile(r"=\?([^?\s]+?)\?([bBqQ])\?([^?\s]*)\?=")


def _word_bytes(encoding: str, text: str) -> bytes:
    if encoding in "bB":
        padded = text + "=" * (-len(text) % 4)
        try:
            return base64.b64decode(padded)
        except (binascii.Error, ValueError):
            return base64.b64decode(re.sub(r"[^A-Za-z0-9+/]", "", text) + "==", validate=False)
    return quopri.decodestring(text.replace("_", " ").encode("ascii", "replace"), header=True)


def decode_header(value: str | None, *, strict: bool = True) -> str:
    """Decode a raw header value: RFC 2047 encoded words and raw 8-bit text alike.

    Consecutive encoded words in the same charset are joined before decoding, because mailers
    cut multi-byte characters across them. Whitespace between encoded words is dropped (RFC
    2047); raw 8-bit bytes (which the parser keeps as surrogate escapes) are read as UTF-8 or
    GB18030.
    """
    if not value:
        return ""
    value = re.sub(r"\r?\n[ \t]", " ", value).replace("\r", "").replace("\n", "")
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        raw = value.encode("utf-8", "surrogateescape")
        value = decode_bytes(raw, None, strict=strict)
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset: str | None = None

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode_bytes(b"".join(pending), pending_charset, strict=strict))
        pending, pending_charset = [], None

    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        charset = match.group(1).split("*", 1)[0]
        if between and not (pending and between.isspace()):
            flush()
            out.append(between)
        elif pending and codec_for(charset) != codec_for(pending_charset):
            flush()
        pending.append(_word_bytes(match.group(2), match.group(3)))
        pending_charset = charset
        position = match.end()
    flush()
    out.append(value[position:])
    return "".join(out).strip()


def normalize_message_id(value: str | None) -> str:
    """Return the id inside ``<...>`` (or the trimmed value when it has no brackets)."""
    if not value:
        return ""
    match = re.search(r"<([^<>\s]+)>", value)
    if match:
        return match.group(1)
    return value.strip().strip("<>").split()[0] if value.strip() else ""


def message_ids(value: str | None) -> list[str]:
    """Return every message id in an In-Reply-To or References header, in order."""
    if not value:
        return []
    found = re.findall(r"<([^<>\s]+)>", value)
    return found or ([value.strip()] if value.strip() and " " not in value.strip() else [])


def message_key(message_id: str, raw: bytes) -> str:
    """Return the deduplication key: the Message-ID's hash, or the whole message's without one."""
    if message_id:
        return hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()
    return hashlib.sha256(b"raw:" + raw).hexdigest()


@dataclass
class MailAttachment:
    """A file carried by a message."""

    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedMessage:
    """What intake needs from one message, all text decoded."""

    message_id: str
    key: str
    subject: str
    from_name: str
    from_addr: str
    to_addrs: list[str]
    sent_at: datetime | None
    in_reply_to: list[str]
    references: list[str]
    text: str
    html: str
    attachments: list[MailAttachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain"
    size: int = 0

    @property
    def thread_ids(self) -> list[str]:
        """Return the ids this message answers, nearest first (In-Reply-To, then References)."""
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))


# Headers kept (raw, decoded) for the noise rules.
NOISE_HEADERS = (
    "auto-submitted",
    "precedence",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "x-autogenerated",
    "x-loop",
    "return-path",
    "list-id",
    "x-failed-recipients",
)


def _raw_header(msg: Message, name: str) -> str | None:
    for key, value in msg.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def _raw_headers(msg: Message, name: str) -> list[str]:
    return [str(v) for k, v in msg.raw_items() if k.lower() == name]


def _addresses(raw_values: list[str], *, strict: bool) -> list[tuple[str, str]]:
    pairs = []
    for name, addr in getaddresses([decode_header(v, strict=strict) for v in raw_values]):
        addr = addr.strip().strip("<>")
        if addr and "@" in addr:
            pairs.append((name.strip(), addr))
    return pairs


def _filename(part: Message, *, strict: bool) -> str:
    """Return a part's file name, however the mailer encoded it (RFC 2231, or encoded words
    inside a quoted name, which RFC 2047 forbids and every Chinese mailer does)."""
    name = None
    for source in ("content-disposition", "content-type"):
        key = "filename" if source == "content-disposition" else "name"
        value = part.get_param(key, header=source)
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded text)
            charset, _language, text = value
            data = text.encode("latin-1", "surrogateescape") if isinstance(text, str) else text
            name = decode_bytes(data, charset or "utf-8", strict=strict)
        else:
            text = str(value)
            if any("\udc80" <= ch <= "\udcff" for ch in text):
                text = decode_bytes(text.encode("utf-8", "surrogateescape"), None, strict=strict)
            name = decode_header(text, strict=strict) if "=?" in text else text
        if name:
            break
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().strip(".")
    return name


def _part_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    return b""


def _part_text(part: Message, *, strict: bool) -> str:
    return decode_bytes(_part_bytes(part), part.get_content_charset(), strict=strict)


def _generated_name(content_type: str, number: int) -> str:
    extension = mimetypes.guess_extension(content_type) or ".bin"
    if extension == ".jpe":
        extension = ".jpg"
    return f"attachment-{number}{extension}"


def _limit_name(name: str, limit: int = 200) -> str:
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        return name[:limit]
    return stem[: limit - len(extension) - 1] + "." + extension


class _Collector:
    """Walk a message's MIME tree: text and HTML bodies, and everything else as files."""

    def __init__(self, *, strict: bool):
        self.strict = strict
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[MailAttachment] = []

    def walk(self, part: Message, *, in_attachment: bool = False) -> None:
        content_type = part.get_content_type()
        if content_type == "message/rfc822" or (
            content_type.startswith("message/") and part.is_multipart()
        ):
            self._embedded_message(part)
            return
        if part.is_multipart():
            children = part.get_payload()
            if not isinstance(children, list):
                return
            if content_type == "multipart/alternative":
                self._alternative(children, in_attachment=in_attachment)
                return
            for child in children:
                self.walk(child, in_attachment=in_attachment)
            return
        self._leaf(part)

    def _alternative(self, children: list[Message], *, in_attachment: bool) -> None:
        # Every alternative part can hold inline images (multipart/related); text goes to the
        # text list and HTML to the HTML list, so both versions are kept.
        for child in children:
            self.walk(child, in_attachment=in_attachment)

    def _leaf(self, part: Message) -> None:
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        name = _filename(part, strict=self.strict)
        if content_type in ("text/plain", "text/html") and disposition != "attachment" and not name:
            text = _part_text(part, strict=self.strict)
            (self.texts if content_type == "text/plain" else self.htmls).append(text)
            return
        data = _part_bytes(part)
        if not name:
            name = _generated_name(content_type, len(self.attachments) + 1)
        self.attachments.append(MailAttachment(_limit_name(name), content_type, data))

    def _embedded_message(self, part: Message) -> None:
        """A forwarded message sent as an attachment: keep a readable text copy of it (``.eml``
        is not an accepted file type) and keep its own files."""
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, Message):
            data = _part_bytes(part)
            self.attachments.append(
                MailAttachment(
                    _generated_name("text/plain", len(self.attachments) + 1), "text/plain", data
                )
            )
            return
        nested = _Collector(strict=self.strict)
        nested.walk(inner)
        subject = decode_header(_raw_header(inner, "subject"), strict=self.strict)
        lines = []
        for header in ("from", "to", "cc", "date", "subject"):
            value = _raw_header(inner, header)
            if value:
                lines.append(f"{header.title()}: {decode_header(value, strict=self.strict)}")
        body = "\n\n".join(t for t in nested.texts if t.strip()) or "\n\n".join(
            html_to_text(h) for h in nested.htmls
        )
        rendering = "\n".join(lines) + "\n\n" + body
        stem = re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", subject).strip()[:80] or "message"
        self.attachments.append(
            MailAttachment(f"{stem}.txt", "text/plain", rendering.encode("utf-8"))
        )
        self.attachments.extend(nested.attachments)


def parse_message(raw: bytes, *, strict: bool = True) -> ParsedMessage:
    """Parse one RFC 5322 message into decoded text, HTML, files and the headers intake needs.

    Raises Undecodable when ``strict`` and some text cannot be read.
    """
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    message_id = normalize_message_id(decode_header(_raw_header(msg, "message-id"), strict=False))
    senders = _addresses(_raw_headers(msg, "from"), strict=strict)
    from_name, from_addr = senders[0] if senders else ("", "")
    recipients = _addresses(
        _raw_headers(msg, "to") + _raw_headers(msg, "cc") + _raw_headers(msg, "delivered-to"),
        strict=False,
    )
    sent_at = None
    date_value = _raw_header(msg, "date")
    if date_value:
        try:
            sent_at = parsedate_to_datetime(date_value.strip())
            if sent_at is not None and sent_at.tzinfo is None:
                sent_at = sent_at.replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError, OverflowError):
            sent_at = None
    collector = _Collector(strict=strict)
    collector.walk(msg)
    text = "\n\n".join(t.strip("\n") for t in collector.texts if t.strip())
    html_source = "\n".join(collector.htmls)
    if not text.strip() and html_source.strip():
        text = html_to_text(html_source)
    headers = {}
    for name in NOISE_HEADERS:
        value = _raw_header(msg, name)
        if value is not None:
            headers[name] = decode_header(value, strict=False)
    return ParsedMessage(
        message_id=message_id,
        key=message_key(message_id, raw),
        subject=decode_header(_raw_header(msg, "subject"), strict=strict),
        from_name=from_name,
        from_addr=from_addr.lower(),
        to_addrs=[addr.lower() for _name, addr in recipients],
        sent_at=sent_at,
        in_reply_to=message_ids(_raw_header(msg, "in-reply-to")),
        references=message_ids(" ".join(_raw_headers(msg, "references"))),
        text=normalize_text(text),
        html=sanitize_html(html_source) if html_source.strip() else "",
        attachments=collector.attachments,
        headers=headers,
        content_type=msg.get_content_type(),
        size=len(raw),
    )


def parse_headers(raw: bytes) -> tuple[str, str, str, str]:
    """Return (Message-ID, sender address, sender name, subject) read leniently, for a message
    that could not be parsed in full (its quarantine entry still says what it is)."""
    # Only the header block: the parser would otherwise still read the whole body.
    match = re.search(rb"\r?\n\r?\n", raw)
    head = raw[: match.end()] if match else raw
    msg = BytesParser(policy=policy.compat32).parsebytes(head, headersonly=True)
    message_id = normalize_message_id(decode_header(_raw_header(msg, "message-id"), strict=False))
    senders = _addresses(_raw_headers(msg, "from"), strict=False)
    name, addr = senders[0] if senders else ("", "")
    return message_id, addr.lower(), name, decode_header(_raw_header(msg, "subject"), strict=False)


# --- HTML ----------------------------------------------------------------------------------------


def sanitize_html(source: str) -> str:
    """Return ``source`` cleaned by nh3 (the allow-list of tags and attributes; no scripts,
    styles, event handlers or ``javascript:`` links; aftersales.core.html)."""
    return clean_html(source)


_BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "table", "tr", "ul", "ol", "dl",
        "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr", "address", "center",
        "blockquote", "form", "fieldset", "li",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript", "xml"})
_QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix")


class _TextExtractor(HTMLParser):
    """Render HTML as plain text: blocks on their own lines, quotations prefixed with ``> ``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip = 0
        self.quote = 0
        self.pre = 0
        self.stack: list[tuple[str, bool]] = []

    def _break(self) -> None:
        line = "".join(self.current).strip() if not self.pre else "".join(self.current)
        prefix = "> " * self.quote
        if line or (self.lines and self.lines[-1].strip("> ")):
            self.lines.append(prefix + line if line else prefix.rstrip())
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        attributes = dict(attrs)
        classes = attributes.get("class") or ""
        quoting = tag == "blockquote" or any(c in classes for c in _QUOTE_CLASSES)
        if tag in _BLOCK_TAGS or tag == "br" or quoting:
            self._break()
        if tag in ("br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base"):
            if tag == "img" and attributes.get("alt"):
                self.current.append(f"[{attributes['alt']}]")
            return
        if tag == "li":
            self.current.append("- ")
        if tag in ("td", "th") and self.current:
            self.current.append("\t")
        if tag == "pre":
            self.pre += 1
        if quoting:
            self.quote += 1
        self.stack.append((tag, quoting))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
            return
        # Close up to the matching open tag (HTML in mail is rarely well formed).
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                for _tag, quoting in self.stack[index:]:
                    if quoting:
                        self._break()
                        self.quote = max(0, self.quote - 1)
                del self.stack[index:]
                break
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in _BLOCK_TAGS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            parts = data.split("\n")
            for i, part in enumerate(parts):
                if i:
                    self._break()
                self.current.append(part)
            return
        self.current.append(re.sub(r"\s+", " ", data.replace("\xa0", " ")))

    def text(self) -> str:
        self._break()
        return "\n".join(self.lines)


def html_to_text(source: str) -> str:
    """Return a plain-text rendering of an HTML body (quoted parts prefixed with ``> ``)."""
    extractor = _TextExtractor()
    try:
        extractor.feed(source)
        extractor.close()
    except (AssertionError, ValueError):  # the parser gives up on some malformed markup
        return normalize_text(re.sub(r"<[^>]+>", " ", html.unescape(source)))
    return normalize_text(extractor.text())


def normalize_text(text: str) -> str:
    """Return ``text`` with Unix line ends, no trailing spaces, at most one blank line in a row,
    and no characters a database refuses (NUL)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


# --- Quoted history --------------------------------------------------------------------------

_QUOTE_START = [
    # Outlook, Thunderbird, Foxmail, QQ Mail, NetEase (163/126) separators.
    re.compile(
        r"^[-_=\s]{2,}\s*(original message|forwarded message|original|原始邮件|原始郵件|"
        r"转发邮件|转发的邮件|轉寄郵件|回复的邮件)\s*[-_=\s]{2,}$",
        re.IGNORECASE,
    ),
    re.compile(r"^-{3,}\s*(original message|原始邮件|原始郵件)\s*-*$", re.IGNORECASE),
    # "On Tue, 25 Nov 2026 at 10:00, Zhang San <zhang@example.com> wrote:"
    re.compile(r"^on\b.{0,300}\bwrote\s*:$", re.IGNORECASE),
    # Apple Mail / Gmail in Chinese: "在 2026年11月25日 10:00，张三 <…> 写道：",
    # "张三 <…> 于2026年11月25日周三 10:00写道："
    re.compile(r"^.{0,300}(写道|寫道)\s*[:：]$"),
    re.compile(r"^(am|le|el|il)\s.{0,300}(schrieb|écrit|escribió|scritto)\s*.{0,40}:$", re.I),
]
_HEADER_FROM = re.compile(r"^\*?\s*(from|发件人|發件人|寄件者|寄件人)\s*\*?\s*[:：]", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    r"^\*?\s*(sent|date|to|cc|subject|发送时间|發送時間|时间|日期|收件人|收件者|抄送|副本|主题|主題|主旨|"
    r"寄件日期)\s*\*?\s*[:：]",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^[-_=]{8,}$")


def trim_quoted(text: str) -> str:
    """Return ``text`` without the quoted history that mail clients append to a reply.

    Cuts at the first attribution ("On … wrote:", "在…写道："), separator ("-----Original
    Message-----", "------------------ 原始邮件 ------------------") or forwarded header block
    ("From:/发件人:" followed by "Sent:/发送时间:" …), or at a trailing block of ``>`` lines.
    Inline answers between quoted lines are kept. When nothing but quotation is left, the whole
    text is returned: a reply is never emptied.
    """
    lines = text.split("\n")
    cut: int | None = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if any(pattern.match(stripped) for pattern in _QUOTE_START):
            cut = index
            break
        # Attributions that the mailer wrapped over up to three lines.
        if (
            re.match(r"^on\b", stripped, re.IGNORECASE)
            and len(stripped) < 300
            and any(
                re.search(
                    r"\bwrote\s*:$",
                    " ".join(s.strip() for s in lines[index : index + size]).strip(),
                    re.IGNORECASE,
                )
                for size in (2, 3)
            )
        ):
            cut = index
            break
        if _HEADER_FROM.match(stripped):
            following = [s.strip() for s in lines[index + 1 : index + 8] if s.strip()][:4]
            if sum(1 for s in following if _HEADER_OTHER.match(s)) >= 2:
                cut = index
                previous = [i for i in range(index) if lines[i].strip()]
                if previous and _SEPARATOR.match(lines[previous[-1]].strip()):
                    cut = previous[-1]
                break
        if stripped.startswith(">") and all(
            not rest.strip() or rest.lstrip().startswith(">") for rest in lines[index:]
        ):
            cut = index
            break
    if cut is None:
        return text.strip()
    kept = "\n".join(lines[:cut]).strip()
    return kept or text.strip()


# --- Subjects ----------------------------------------------------------------------------------

_REPLY_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|sv|vs|antw|回复|回覆|答复|转发|轉寄|转寄)\s*(\[\d+\])?\s*[:：]\s*)+",
    re.IGNORECASE,
)


def clean_subject(subject: str) -> str:
    """Return ``subject`` without leading reply and forward prefixes (Re:, Fwd:, 回复：, 转发：)."""
    return _REPLY_PREFIX.sub("", subject or "").strip()


# --- Noise: auto-replies, bounces, loops -------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"^\s*(自动回复|自動回覆|自动答复|automatic reply|auto[- ]?reply|autoreply|auto response|"
    r"out of (the )?office|abwesenheitsnotiz|undeliverable|undelivered mail|"
    r"delivery status notification|mail delivery (failed|failure)|退信|系统退信|投递失败)\s*[:：]",
    re.IGNORECASE,
)
_BOUNCE_LOCALPARTS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})


def classify_noise(message: ParsedMessage, *, own_addresses: frozenset[str]) -> str:
    """Return why ``message`` is automatic mail that must never open a case (a reason code of
    ``InboundReason``), or "" for mail a person wrote.

    Auto-Submitted other than "no" (RFC 3834), Precedence bulk/junk/list/auto_reply, the
    auto-reply headers of Exchange and others, auto-reply subjects, bounces and delivery or
    read reports (mailer-daemon, empty Return-Path, multipart/report), and mail from our own
    addresses or carrying our own Message-IDs.
    """
    headers = message.headers
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return "auto_submitted"
    if headers.get("precedence", "").strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return "precedence"
    localpart = message.from_addr.split("@", 1)[0]
    if (
        localpart in _BOUNCE_LOCALPARTS
        or headers.get("return-path", "").strip() == "<>"
        or message.content_type == "multipart/report"
        or "x-failed-recipients" in headers
    ):
        return "bounce"
    if "x-autoreply" in headers or "x-autorespond" in headers or "x-autogenerated" in headers:
        return "auto_reply"
    suppress = headers.get("x-auto-response-suppress", "").lower()
    if any(token in suppress for token in ("all", "oof", "autoreply")):
        return "auto_reply"
    if _AUTO_SUBJECT.match(message.subject or ""):
        return "auto_reply"
    if message.from_addr and message.from_addr in own_addresses:
        return "own_address"
    if re.match(r"^case\.[^@]+@", message.message_id, re.IGNORECASE):
        return "own_message"
    return ""
