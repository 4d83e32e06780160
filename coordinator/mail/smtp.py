"""Transports: SMTP (host, port, STARTTLS, login) and a directory of .eml files."""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

#: Lines starting with a dot get a second one (RFC 5321 4.5.2), as smtplib does.
_LEADING_DOT = re.compile(rb"(?m)^\.")


class TransportError(Exception):
    """A message could not be handed over; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class TransportUnavailable(TransportError):
    """The server cannot take any message now (nobody answers, STARTTLS or AUTH not offered, the
    login refused): every message would fail the same way, so the worker pauses the whole run
    and keeps them queued instead of charging each one an attempt."""


def _go() -> None:
    return None


class Transport(Protocol):
    """Hands messages to a server (or a folder), one at a time.

    ``send`` calls ``ready`` once, as late as it can before the message can be accepted (SMTP:
    the sender and recipient were accepted and the message transferred, all but the end of data;
    a folder: the file written under a temporary name); if ``ready`` raises, the message is not
    accepted and the error propagates. The worker's ``ready`` waits until the previous
    message's outcome is durably recorded, so that writing it overlaps with this exchange while
    a worker killed at any point can have sent at most one message it did not record.
    """

    def send(
        self, message_id: int, recipient: str, raw: bytes, ready: Callable[[], None] = _go
    ) -> None: ...

    def close(self) -> None: ...


class SMTPTransport:
    """One SMTP connection reused for a batch; reconnects after errors."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        starttls: bool = False,
        user: str = "",
        password: str = "",
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.starttls, self.user, self.password, self.timeout = starttls, user, password, timeout
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self._conn is None:
            where = f"the SMTP server {self.host}:{self.port}"
            try:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            except (smtplib.SMTPException, OSError) as err:
                raise TransportUnavailable(f"cannot connect to {where}: {_describe(err)}") from err
            try:
                # The end of data follows the message as a few bytes of its own: send them at
                # once, not after the server acknowledged the message (Nagle's algorithm).
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._open_session(conn, where)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _open_session(self, conn: smtplib.SMTP, where: str) -> None:
        """EHLO, STARTTLS and login, each failure named for what it says about the server."""
        try:
            conn.ehlo()
            if self.starttls:
                if not conn.has_extn("starttls"):
                    raise TransportUnavailable(
                        f"{where} does not offer STARTTLS, which COORDINATOR_SMTP_STARTTLS=true "
                        "asks for (use another port or set it to false)"
                    )
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if self.user:
                if not conn.has_extn("auth"):
                    raise TransportUnavailable(
                        f"{where} does not offer AUTH (login), but COORDINATOR_SMTP_USER is set"
                        + ("" if self.starttls else "; many servers offer it only after STARTTLS")
                    )
                conn.login(self.user, self.password)
        except smtplib.SMTPAuthenticationError as err:
            raise TransportUnavailable(
                f"{where} refused the login of {self.user!r}: {err.smtp_code} "
                f"{_text(err.smtp_error)}"
            ) from err
        except ssl.SSLError as err:
            raise TransportUnavailable(f"STARTTLS with {where} failed: {err}") from err
        except smtplib.SMTPResponseException as err:
            raise TransportUnavailable(
                f"{where} refused to open a session: {err.smtp_code} {_text(err.smtp_error)}"
            ) from err
        except (smtplib.SMTPException, OSError) as err:
            raise TransportUnavailable(
                f"{where} failed while opening a session: {_describe(err)}"
            ) from err

    def send(
        self, message_id: int, recipient: str, raw: bytes, ready: Callable[[], None] = _go
    ) -> None:
        """Hand one message over, calling ``ready`` once the server has the whole message but
        the end of data, which makes it accept it (see :class:`Transport`). Raises
        :class:`TransportUnavailable` when the server cannot be used at all, else
        :class:`TransportError` (``permanent`` for a 5xx answer)."""
        conn = self._connect()
        with self._explained(recipient):
            self._open_transaction(conn, recipient, raw)
            self._send_data(conn, raw)
        try:
            ready()
        except BaseException:
            self._reset()  # hang up mid-transaction: the server drops the unfinished message
            raise
        with self._explained(recipient):
            self._end_data(conn)

    def _open_transaction(self, conn: smtplib.SMTP, recipient: str, raw: bytes) -> None:
        """MAIL FROM, RCPT TO and DATA, as :meth:`smtplib.SMTP.sendmail` sends them for one
        recipient, up to the server's 354 (go ahead)."""
        conn.ehlo_or_helo_if_needed()
        options = []
        if conn.does_esmtp:
            if conn.has_extn("size"):
                options.append(f"size={len(raw)}")
            # An address beyond ASCII needs the server's SMTPUTF8 extension (RFC 6531).
            if not (recipient.isascii() and self.sender.isascii()):
                options.append("SMTPUTF8")
        code, reply = conn.mail(self.sender, options)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, self.sender)
        code, reply = conn.rcpt(recipient)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        code, reply = conn.docmd("data")
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)

    @staticmethod
    def _send_data(conn: smtplib.SMTP, raw: bytes) -> None:
        """The message, dot-stuffed, ending with a line break (RFC 5321 4.5.2)."""
        data = _LEADING_DOT.sub(b"..", raw)
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        conn.send(data)

    @staticmethod
    def _end_data(conn: smtplib.SMTP) -> None:
        """The end of data: the server's 250 is its acceptance of the message."""
        conn.send(b".\r\n")
        code, reply = conn.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)

    @contextmanager
    def _explained(self, recipient: str) -> Iterator[None]:
        """smtplib's errors as transport errors, each named for what it says; after any of
        them the connection is dropped (the next message opens a new one)."""
        try:
            yield
        except smtplib.SMTPNotSupportedError as err:
            raise TransportError(
                f"the server does not offer SMTPUTF8, which {recipient!r} needs: {err}",
                permanent=True,
            ) from err
        except UnicodeError as err:
            self._reset()
            raise TransportError(f"cannot send to {recipient!r}: {err}", permanent=True) from err
        except smtplib.SMTPRecipientsRefused as err:
            self._reset()
            code, text = next(iter(err.recipients.values()))
            raise _refusal(code, text, f"the recipient {recipient}") from err
        except smtplib.SMTPSenderRefused as err:
            self._reset()
            # The sender is the same for every message: a refusal of it concerns them all.
            raise TransportUnavailable(
                f"{err.smtp_code} {_text(err.smtp_error)} (the server refused the sender "
                f"{self.sender}; check COORDINATOR_MAIL_FROM and the server's rules)"
            ) from err
        except smtplib.SMTPResponseException as err:
            self._reset()
            raise _refusal(err.smtp_code, err.smtp_error, "the message") from err
        except (smtplib.SMTPException, OSError) as err:
            self._reset()
            raise TransportError(f"the connection failed while sending: {_describe(err)}") from err

    def _reset(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            finally:
                self._conn = None


class DirectoryTransport:
    """Writes each message as ``<id>.eml`` (the embedded default: open them in a mail client)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def send(
        self, message_id: int, recipient: str, raw: bytes, ready: Callable[[], None] = _go
    ) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            target = self.directory / f"{message_id:08d}.eml"
            partial = target.with_suffix(".eml.part")
            partial.write_bytes(raw)
        except OSError as err:
            raise TransportError(f"cannot write {self.directory}: {err}") from err
        ready()  # the message counts as delivered once renamed into place
        try:
            partial.replace(target)
        except OSError as err:
            raise TransportError(f"cannot write {self.directory}: {err}") from err

    def close(self) -> None:
        return None


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _describe(err: BaseException) -> str:
    """An exception as a person reads it (``TimeoutError: timed out``)."""
    detail = str(err)
    if isinstance(err, TimeoutError) and not detail:
        detail = "no answer in time"
    return f"{type(err).__name__}: {detail}" if detail else type(err).__name__


def _refusal(code: int, text: Any, what: str) -> TransportError:
    """A 4xx (try again later) or 5xx (give up on this message) answer about one message."""
    permanent = 500 <= code < 600
    verdict = "for good" if permanent else "for now"
    return TransportError(
        f"{code} {_text(text)} (the server refused {what} {verdict})", permanent=permanent
    )


def transport_from_config(config: dict[str, Any]) -> Transport:
    if config.get("SMTP_HOST"):
        return SMTPTransport(
            config["SMTP_HOST"],
            int(config.get("SMTP_PORT") or 25),
            sender=config["MAIL_FROM"],
            starttls=bool(config.get("SMTP_STARTTLS")),
            user=config.get("SMTP_USER") or "",
            password=config.get("SMTP_PASSWORD") or "",
        )
    return DirectoryTransport(config["MAIL_DIR"])
