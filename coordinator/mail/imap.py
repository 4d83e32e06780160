"""Read new messages from an IMAP mailbox (the replies to our invites arrive there).

:func:`poll` fetches every unseen message of the folder without marking it (``BODY.PEEK[]``),
hands its bytes to a handler, and only when the handler returns — its change committed — marks
the message ``\\Seen``. A handler that raises leaves the message unseen, so it is read again at
the next poll. This module knows no domain: the handler decides what a message means.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

#: Unseen messages handled in one poll.
BATCH = 200


class MailboxError(RuntimeError):
    """The mailbox cannot be read (bad settings, login refused, server gone)."""


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    use_ssl: bool = True
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailboxSettings:
        host = str(config.get("IMAP_HOST") or "")
        if not host:
            raise MailboxError("COORDINATOR_IMAP_HOST is not set.")
        use_ssl = bool(config.get("IMAP_SSL", True))
        port = int(config.get("IMAP_PORT") or (993 if use_ssl else 143))
        return cls(host=host, port=port, user=str(config.get("IMAP_USER") or ""),
                   password=str(config.get("IMAP_PASSWORD") or ""),
                   folder=str(config.get("IMAP_FOLDER") or "INBOX"), use_ssl=use_ssl)


@dataclass
class PollReport:
    handled: int = 0
    left_unseen: int = 0


def _connect(settings: MailboxSettings) -> imaplib.IMAP4:
    try:
        if settings.use_ssl:
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=ssl.create_default_context(),
                timeout=settings.timeout)
        else:
            client = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
    except (OSError, imaplib.IMAP4.error) as err:
        raise MailboxError(f"cannot reach {settings.host}:{settings.port}: {err}") from err
    try:
        client.login(settings.user, settings.password)
        status, _ = client.select(_quoted(settings.folder))
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot select folder {settings.folder!r}")
    except (OSError, imaplib.IMAP4.error) as err:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.shutdown()
        raise MailboxError(f"cannot open {settings.folder} on {settings.host}:{settings.port}: "
                           f"{err}") from err
    return client


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _body(data: list[Any]) -> bytes | None:
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def poll(settings: MailboxSettings, handle: Callable[[bytes], None]) -> PollReport:
    """Hand each unseen message to ``handle``; mark it seen only after ``handle`` returned.

    An exception from ``handle`` stops the poll (the message stays unseen) and is re-raised.
    """
    report = PollReport()
    client = _connect(settings)
    try:
        status, data = client.uid("SEARCH", None, "UNSEEN")
        if status != "OK":
            raise MailboxError("SEARCH UNSEEN failed")
        uids = (data[0] or b"").split()
        report.left_unseen = max(0, len(uids) - BATCH)
        for uid in uids[:BATCH]:
            status, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = _body(fetched) if status == "OK" else None
            if raw is None:
                log.warning("message %s could not be fetched; left unseen", uid)
                report.left_unseen += 1
                continue
            try:
                handle(raw)
            except Exception:
                report.left_unseen += 1
                raise
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            report.handled += 1
    except (OSError, imaplib.IMAP4.error) as err:
        raise MailboxError(f"mailbox connection failed: {err}") from err
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    return report
