"""Transports: SMTP (host, port, STARTTLS, login) and a directory of .eml files."""

from __future__ import annotations

import smtplib
import ssl
from pathlib import Path
from typing import Any, Protocol


class TransportError(Exception):
    """A message could not be handed over; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class TransportUnavailable(TransportError):
    """The server cannot take any message now (nobody answers, STARTTLS or AUTH not offered, the
    login refused): every message would fail the same way, so the worker pauses the whole run
    and keeps them queued instead of charging each one an attempt."""


class Transport(Protocol):
    def send(self, message_id: int, recipient: str, raw: bytes) -> None: ...

    def close(self) -> None: ...


class SMTPTransport:
    """One SMTP connection reused for a batch; reconnects after errors."""

    def __init__(self, host: str, port: int, *, sender: str, starttls: bool = False,
                 user: str = "", password: str = "", timeout: float = 30.0) -> None:
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
                        "asks for (use another port or set it to false)")
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if self.user:
                if not conn.has_extn("auth"):
                    raise TransportUnavailable(
                        f"{where} does not offer AUTH (login), but COORDINATOR_SMTP_USER is set"
                        + ("" if self.starttls else
                           "; many servers offer it only after STARTTLS"))
                conn.login(self.user, self.password)
        except smtplib.SMTPAuthenticationError as err:
            raise TransportUnavailable(
                f"{where} refused the login of {self.user!r}: {err.smtp_code} "
                f"{_text(err.smtp_error)}") from err
        except ssl.SSLError as err:
            raise TransportUnavailable(f"STARTTLS with {where} failed: {err}") from err
        except smtplib.SMTPResponseException as err:
            raise TransportUnavailable(
                f"{where} refused to open a session: {err.smtp_code} "
                f"{_text(err.smtp_error)}") from err
        except (smtplib.SMTPException, OSError) as err:
            raise TransportUnavailable(f"{where} failed while opening a session: "
                                       f"{_describe(err)}") from err

    def send(self, message_id: int, recipient: str, raw: bytes) -> None:
        """Hand one message over. Raises :class:`TransportUnavailable` when the server cannot be
        used at all, else :class:`TransportError` (``permanent`` for a 5xx answer)."""
        conn = self._connect()
        # An address beyond ASCII needs the server's SMTPUTF8 extension (RFC 6531).
        options = [] if recipient.isascii() and self.sender.isascii() else ["SMTPUTF8"]
        try:
            refused = conn.sendmail(self.sender, [recipient], raw, mail_options=options)
        except smtplib.SMTPNotSupportedError as err:
            raise TransportError(f"the server does not offer SMTPUTF8, which {recipient!r} "
                                 f"needs: {err}", permanent=True) from err
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
                f"{self.sender}; check COORDINATOR_MAIL_FROM and the server's rules)") from err
        except smtplib.SMTPResponseException as err:
            self._reset()
            raise _refusal(err.smtp_code, err.smtp_error, "the message") from err
        except (smtplib.SMTPException, OSError) as err:
            self._reset()
            raise TransportError(f"the connection failed while sending: {_describe(err)}") from err
        if refused:
            code, text = next(iter(refused.values()))
            raise _refusal(code, text, f"the recipient {recipient}")

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

    def send(self, message_id: int, recipient: str, raw: bytes) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            target = self.directory / f"{message_id:08d}.eml"
            partial = target.with_suffix(".eml.part")
            partial.write_bytes(raw)
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
    return TransportError(f"{code} {_text(text)} (the server refused {what} {verdict})",
                          permanent=permanent)


def transport_from_config(config: dict[str, Any]) -> Transport:
    if config.get("SMTP_HOST"):
        return SMTPTransport(
            config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25), sender=config["MAIL_FROM"],
            starttls=bool(config.get("SMTP_STARTTLS")), user=config.get("SMTP_USER") or "",
            password=config.get("SMTP_PASSWORD") or "",
        )
    return DirectoryTransport(config["MAIL_DIR"])
