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
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            try:
                conn.ehlo()
                if self.starttls:
                    conn.starttls(context=ssl.create_default_context())
                    conn.ehlo()
                if self.user:
                    conn.login(self.user, self.password)
            except Exception:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def send(self, message_id: int, recipient: str, raw: bytes) -> None:
        # An address beyond ASCII needs the server's SMTPUTF8 extension (RFC 6531).
        options = [] if recipient.isascii() and self.sender.isascii() else ["SMTPUTF8"]
        try:
            conn = self._connect()
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
            raise TransportError(f"{code} {_text(text)}", permanent=500 <= code < 600) from err
        except smtplib.SMTPResponseException as err:
            self._reset()
            raise TransportError(f"{err.smtp_code} {_text(err.smtp_error)}",
                                 permanent=500 <= err.smtp_code < 600) from err
        except (smtplib.SMTPException, OSError) as err:
            self._reset()
            raise TransportError(f"{type(err).__name__}: {err}") from err
        if refused:
            code, text = next(iter(refused.values()))
            raise TransportError(f"{code} {_text(text)}", permanent=500 <= code < 600)

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


def transport_from_config(config: dict[str, Any]) -> Transport:
    if config.get("SMTP_HOST"):
        return SMTPTransport(
            config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25), sender=config["MAIL_FROM"],
            starttls=bool(config.get("SMTP_STARTTLS")), user=config.get("SMTP_USER") or "",
            password=config.get("SMTP_PASSWORD") or "",
        )
    return DirectoryTransport(config["MAIL_DIR"])
