"""A private Dovecot IMAP server on loopback for the mailbox tests.

Its own configuration in a temporary directory: IMAP only, no TLS, plain logins allowed, one
passwd-file user, Maildir in the same directory, a free port on 127.0.0.1. Dovecot runs in the
foreground as our child process, so the fixture stops exactly the process it started. Under
root, Dovecot refuses to run its login and mail processes as root: they run as Debian's
``dovenull`` and ``dovecot`` users, which own the mail directory.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.invites.conftest import HOST, free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "replies"
PASSWORD = "imap-test-password"


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.user, self.password)
        client.select(self.folder)
        return client

    def append(self, raw: bytes) -> None:
        """Put a message into the mailbox with IMAP APPEND (unseen)."""
        client = self.client()
        try:
            status, _ = client.append(self.folder, None, None, raw)
            assert status == "OK"
        finally:
            client.logout()

    def clear(self) -> None:
        """Delete every message (each test starts with an empty mailbox)."""
        client = self.client()
        try:
            _, data = client.search(None, "ALL")
            if (data[0] or b"").split():
                client.store("1:*", "+FLAGS", "(\\Deleted)")
                client.expunge()
        finally:
            client.logout()

    def unseen(self) -> int:
        return self._count("UNSEEN")

    def seen(self) -> int:
        return self._count("SEEN")

    def _count(self, criterion: str) -> int:
        client = self.client()
        try:
            _, data = client.uid("SEARCH", None, criterion)
            return len((data[0] or b"").split())
        finally:
            client.logout()

    def settings(self) -> dict[str, object]:
        """The application configuration that reads this mailbox."""
        return {"IMAP_HOST": self.host, "IMAP_PORT": self.port, "IMAP_USER": self.user,
                "IMAP_PASSWORD": self.password, "IMAP_FOLDER": self.folder, "IMAP_SSL": False}


def _accounts() -> tuple[str, str, str, int, int]:
    """(login user, internal user, internal group, mail uid, mail gid)."""
    if os.geteuid() == 0:
        mail = pwd.getpwnam("dovecot")
        return "dovenull", "dovecot", grp.getgrgid(mail.pw_gid).gr_name, mail.pw_uid, mail.pw_gid
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, me.pw_name, grp.getgrgid(os.getegid()).gr_name, me.pw_uid, me.pw_gid


def _config(root: Path, port: int) -> str:
    login_user, internal_user, internal_group, uid, gid = _accounts()
    return f"""
protocols = imap
listen = {HOST}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {uid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {HOST}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("dovecot did not start listening")


@pytest.fixture(scope="module")
def imap_server() -> Iterator[ImapServer]:
    if not os.path.exists(DOVECOT):
        if os.environ.get("COORDINATOR_REQUIRE_IMAP") == "1":
            pytest.fail("dovecot is not installed and COORDINATOR_REQUIRE_IMAP=1")
        pytest.skip("dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    # Dovecot's unprivileged processes must reach the directory: not under pytest's 0700 tmp.
    root = Path(tempfile.mkdtemp(prefix="coordinator-imap-"))
    root.chmod(0o755)
    _login, _internal, _group, uid, gid = _accounts()
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir()
    for name in ("mail", "home"):
        os.chown(root / name, uid, gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    (root / "dovecot.conf").write_text(_config(root, port))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port, process, root / "dovecot.log")
        yield ImapServer(HOST, port, USER, PASSWORD)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(imap_server: ImapServer) -> ImapServer:
    imap_server.clear()
    return imap_server
