"""A real Dovecot IMAP server on loopback for the tests and the benchmark.

Dovecot runs in the foreground (``-F``) with a generated configuration in a temporary
directory: a passwd-file of users, maildirs in the same directory, plain IMAP on 127.0.0.1 on
a free port (no TLS on loopback). Messages are delivered with IMAP APPEND, as a mail server's
delivery agent would put them in the folder.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"


def available() -> bool:
    return Path(DOVECOT).exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Dovecot:
    """One running Dovecot; ``add_user`` makes a fresh account (its own maildir)."""

    def __init__(self, pool: int = 400) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="aftersales-dovecot-"))
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        if os.geteuid() == 0:
            # Dovecot refuses to run its login and mail processes as root.
            login_user, internal_user = "dovenull", "dovecot"
            mail = pwd.getpwnam("dovecot")
            self.uid, self.gid = mail.pw_uid, mail.pw_gid
            internal_group = grp.getgrgid(mail.pw_gid).gr_name
        else:
            login_user = internal_user = pwd.getpwuid(os.getuid()).pw_name
            internal_group = grp.getgrgid(os.getgid()).gr_name
            self.uid, self.gid = os.getuid(), os.getgid()
        self.tls_port: int | None = None
        self.root.chmod(0o755)
        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir()
        for sub in ("mail", "home"):
            os.chown(self.root / sub, self.uid, self.gid)
        # Accounts are made up front: Dovecot notices a changed passwd-file only by its
        # modification time (whole seconds), so accounts added while it runs may be missed.
        self.passwd = self.root / "passwd"
        self.pool = [(f"u{n:04d}", secrets.token_urlsafe(12)) for n in range(pool)]
        self.passwd.write_text(
            "".join(f"{name}:{{PLAIN}}{password}::::::\n" for name, password in self.pool)
        )
        r = self.root
        tls = "ssl = no"
        if shutil.which("openssl"):
            # A self-signed certificate for IMAPS and STARTTLS on loopback.
            subprocess.run(  # noqa: S603
                [
                    "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(r / "key.pem"), "-out", str(r / "cert.pem"),
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                ],
                check=True,
                capture_output=True,
            )  # fmt: skip
            self.tls_port = _free_port()
            tls = f"ssl = yes\nssl_cert = <{r}/cert.pem\nssl_key = <{r}/key.pem"
        imaps_port = self.tls_port or 0
        (r / "dovecot.conf").write_text(
            f"""
base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = imap
listen = 127.0.0.1
{tls}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.passwd}
  default_fields = uid={self.uid} gid={self.gid} home={r}/home/%u
}}
mail_location = maildir:{r}/mail/%u
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service anvil {{
  chroot =
  # No growing delay after failed sign-ins (the tests fail them on purpose).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service pop3-login {{
  chroot =
}}
service submission-login {{
  chroot =
}}
service imap-urlauth-login {{
  chroot =
}}
"""
        )

    def start(self) -> Dovecot:
        self.process = subprocess.Popen(  # noqa: S603 - the test suite's own server
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    if sock.recv(64).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def add_user(self) -> tuple[str, str]:
        """Return (user name, password) of an account not handed out before."""
        return self.pool.pop(0)

    def connect(self, username: str, password: str, folder: str = "INBOX") -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(username, password)
        if folder.upper() != "INBOX":
            imap.create(folder)
        imap.select(folder)
        return imap

    def append(
        self, username: str, password: str, messages: list[bytes], folder: str = "INBOX"
    ) -> None:
        """Deliver ``messages`` into ``folder`` with IMAP APPEND."""
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            imap.login(username, password)
            for raw in messages:
                status, data = imap.append(folder, None, None, raw)
                if status != "OK":
                    raise RuntimeError(f"APPEND failed: {data!r}")
        finally:
            imap.logout()

    def flags(self, username: str, password: str, folder: str = "INBOX") -> dict[int, str]:
        """Return {UID: flags} of every message in ``folder``."""
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            imap.login(username, password)
            imap.select(folder, readonly=True)
            status, data = imap.uid("FETCH", "1:*", "(FLAGS)")
            result = {}
            for line in data:
                if not line:
                    continue
                text = line.decode() if isinstance(line, bytes) else line[0].decode()
                if "UID" not in text:
                    continue
                uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                result[uid] = text.split("FLAGS (")[1].split(")")[0]
            return result
        finally:
            imap.logout()
