"""A small IMAP client for the intake: list new messages, fetch one, mark it done.

Messages are read with ``BODY.PEEK[]`` (reading does not mark them \\Seen); the intake marks a
message only once its case or comment is committed, with the ``MAILIN_DONE_KEYWORD`` keyword
(and \\Seen), or moves it to the mailbox's processed folder. A server that keeps no custom
keywords is searched for UNSEEN mail instead. Each round first reads the sizes of the messages it
will take (one ``UID FETCH ... (RFC822.SIZE)``), so that a message over the size limit is never
downloaded: only its header block is read, for the ledger.

Errors are raised as ``ImapError`` with a message that never contains the password.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from aftersales.mailin.choices import MailboxSecurity
from aftersales.mailin.models import LOOPBACK_HOSTS, Mailbox

# The header block read of a message too large to download (enough for any real header).
HEADER_MAX_BYTES = 65536
# UIDs per RFC822.SIZE request.
_SIZE_SLICE = 200
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ImapError(Exception):
    """Connecting, signing in or talking to the IMAP server failed."""


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _imap_date(value: datetime) -> str:
    local = timezone.localtime(value, timezone.get_current_timezone())
    return f"{local.day:02d}-{_MONTHS[local.month - 1]}-{local.year}"


class MailboxConnection:
    """An open, selected IMAP folder of ``mailbox``; use as a context manager."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.keyword = settings.MAILIN_DONE_KEYWORD
        self.imap: imaplib.IMAP4 | None = None
        self.uidvalidity: int | None = None
        self.keywords_supported = True
        self.capabilities: frozenset[str] = frozenset()

    # --- connection ------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        password = self.mailbox.password
        return text.replace(password, "***") if password else text

    def _fail(self, what: str, exc: BaseException | str) -> ImapError:
        return ImapError(self._scrub(f"{what}: {exc}"))

    def __enter__(self) -> MailboxConnection:
        mailbox = self.mailbox
        timeout = settings.MAILIN_TIMEOUT
        context = ssl.create_default_context()
        if not mailbox.tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            if mailbox.security == MailboxSecurity.SSL:
                imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    mailbox.host, mailbox.port, ssl_context=context, timeout=timeout
                )
            else:
                if (
                    mailbox.security == MailboxSecurity.PLAIN
                    and mailbox.host.strip() not in LOOPBACK_HOSTS
                ):
                    raise ImapError(
                        f"plain-text IMAP refused for {mailbox.host}: use IMAPS or STARTTLS"
                    )
                imap = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
                if mailbox.security == MailboxSecurity.STARTTLS:
                    imap.starttls(ssl_context=context)
        except ImapError:
            raise
        except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
            raise self._fail(f"cannot connect to {mailbox.host}:{mailbox.port}", exc) from None
        self.imap = imap
        try:
            imap.login(mailbox.username, mailbox.password)
        except (OSError, imaplib.IMAP4.error) as exc:
            self._close()
            raise self._fail(f"sign-in as {mailbox.username} refused", exc) from None
        try:
            # The greeting's capabilities are the pre-login ones; ask again (MOVE, UIDPLUS).
            status, data = imap.capability()
            words = b" ".join(d for d in data if d).decode("ascii", "replace").upper().split()
            self.capabilities = frozenset(words) | frozenset(imap.capabilities)
            status, data = imap.select(_quote(mailbox.folder))
            if status != "OK":
                raise ImapError(f"cannot open folder {mailbox.folder!r}: {data!r}")
            validity = imap.response("UIDVALIDITY")[1]
            if validity and validity[0]:
                self.uidvalidity = int(validity[0])
            flags = imap.response("PERMANENTFLAGS")[1]
            text = b" ".join(f for f in flags if f).decode("ascii", "replace")
            self.keywords_supported = "\\*" in text or self.keyword in text
        except ImapError as exc:
            self._close()
            raise self._fail("folder", exc) from None
        except (OSError, imaplib.IMAP4.error) as exc:
            self._close()
            raise self._fail(f"cannot open folder {mailbox.folder!r}", exc) from None
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._close()

    def _close(self) -> None:
        imap, self.imap = self.imap, None
        if imap is None:
            return
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            with contextlib.suppress(OSError):
                imap.shutdown()

    def _uid(self, command: str, *args: str) -> list:
        assert self.imap is not None
        try:
            status, data = self.imap.uid(command, *args)
        except (TimeoutError, OSError, imaplib.IMAP4.error) as exc:
            raise self._fail(f"UID {command} failed", exc) from None
        if status != "OK":
            raise self._fail(f"UID {command} failed", repr(data))
        return data

    # --- operations --------------------------------------------------------------------------

    def new_uids(self, *, since: datetime | None = None) -> list[int]:
        """Return the UIDs of messages not yet marked done, oldest first."""
        criteria = ["UNKEYWORD", self.keyword] if self.keywords_supported else ["UNSEEN"]
        if since is not None:
            criteria += ["SINCE", _imap_date(since)]
        data = self._uid("SEARCH", *criteria)
        uids = [int(x) for x in b" ".join(d for d in data if d).split()]
        return sorted(uids)

    def sizes(self, uids: list[int]) -> dict[int, int]:
        """Return each message's size in bytes (RFC822.SIZE), without downloading anything.

        A UID missing from the answer (expunged meanwhile) is missing from the result.
        """
        result: dict[int, int] = {}
        # In slices: a batch of thousands of UIDs would exceed the servers' command line limit.
        for start in range(0, len(uids), _SIZE_SLICE):
            chunk = uids[start : start + _SIZE_SLICE]
            data = self._uid("FETCH", ",".join(str(u) for u in chunk), "(RFC822.SIZE)")
            for item in data:
                line = item[0] if isinstance(item, tuple) else item
                if not line:
                    continue
                text = line.decode("ascii", "replace")
                uid = re.search(r"UID (\d+)", text)
                size = re.search(r"RFC822\.SIZE (\d+)", text)
                if uid and size:
                    result[int(uid.group(1))] = int(size.group(1))
        return result

    def _fetch_literal(self, uid: int, item: str) -> bytes | None:
        data = self._uid("FETCH", str(uid), f"({item})")
        for entry in data:
            if isinstance(entry, tuple) and len(entry) >= 2 and isinstance(entry[1], bytes):
                return entry[1]
        return None

    def fetch(self, uid: int) -> bytes | None:
        """Return the whole message ``uid`` without marking it read (None if it is gone)."""
        return self._fetch_literal(uid, "BODY.PEEK[]")

    def fetch_header(self, uid: int) -> bytes | None:
        """Return the header block of message ``uid`` (at most its first ``HEADER_MAX_BYTES``),
        without its body and without marking it read (None if it is gone)."""
        return self._fetch_literal(uid, f"BODY.PEEK[HEADER]<0.{HEADER_MAX_BYTES}>")

    def mark_done(self, uid: int, *, move: bool = True) -> None:
        """Mark ``uid`` as recorded: keyword and \\Seen, then move it to the processed folder
        (if the mailbox has one and ``move``; a message left unprocessed stays where it is, under
        its UID, so that an administrator's release can still download it)."""
        flags = f"(\\Seen {self.keyword})" if self.keywords_supported else "(\\Seen)"
        self._uid("STORE", str(uid), "+FLAGS.SILENT", flags)
        target = self.mailbox.processed_folder.strip()
        if not target or not move:
            return
        if "MOVE" in self.capabilities:
            self._uid("MOVE", str(uid), _quote(target))
        else:
            self._uid("COPY", str(uid), _quote(target))
            self._uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)")
            if "UIDPLUS" in self.capabilities:
                self._uid("EXPUNGE", str(uid))
