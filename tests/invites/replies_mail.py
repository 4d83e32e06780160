"""iMIP REPLY messages shaped like the ones real calendar clients send, for the reply tests."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

CRLF = "\r\n"
ORGANIZER = "recruiting@coordinator.test"


def reply_calendar(uid: str, attendee: str, partstat: str, *, sequence: int | None = 0,
                   comment: str = "", minimal: bool = False, extra_attendees: tuple[str, ...] = (),
                   method: str = "REPLY") -> bytes:
    """A REPLY calendar; ``minimal`` is Outlook's (no DTSTART/DTEND/SUMMARY)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test client//EN", f"METHOD:{method}",
             "BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20270301T090000Z"]
    if sequence is not None:
        lines.append(f"SEQUENCE:{sequence}")
    if not minimal:
        lines += ["DTSTART:20270302T140000Z", "DTEND:20270302T150000Z", "SUMMARY:Interview"]
    lines.append(f"ORGANIZER;CN=Recruiting:mailto:{ORGANIZER}")
    lines.append(f"ATTENDEE;PARTSTAT={partstat};CN=Replier:{attendee}")
    lines += [f"ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:{a}" for a in extra_attendees]
    if comment:
        lines.append(f"COMMENT:{comment}")
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return CRLF.join(lines).encode()


def _headers(message: EmailMessage, sender: str, subject: str) -> EmailMessage:
    message["From"] = sender
    message["To"] = ORGANIZER
    message["Subject"] = subject
    message["Message-ID"] = "<reply-1@client.example>"
    return message


def gmail(sender: str, calendar: bytes, subject: str = "Accepted: Interview") -> bytes:
    """Gmail: multipart/mixed with text, HTML, inline ``text/calendar; method=REPLY`` and the
    same bytes as an ``application/ics`` attachment."""
    message = _headers(EmailMessage(), sender, subject)
    message.set_content("Priya has accepted this invitation.")
    message.add_alternative("<p>Priya has accepted this invitation.</p>", subtype="html")
    message.add_alternative(calendar, maintype="text", subtype="calendar",
                            params={"method": "REPLY"})
    message.add_attachment(calendar, maintype="application", subtype="ics",
                           filename="invite.ics")
    return message.as_bytes(policy=SMTP)


def outlook(sender: str, calendar: bytes, subject: str = "Accepted: Interview") -> bytes:
    """Outlook: ``Accepted: <subject>``, multipart/alternative with a quoted-printable
    ``text/calendar; method=REPLY`` (the VEVENT is minimal)."""
    message = _headers(EmailMessage(), sender, subject)
    message.set_content("")
    message.add_alternative(calendar.decode(), subtype="calendar", params={"method": "REPLY"},
                            cte="quoted-printable")
    return message.as_bytes(policy=SMTP)


def apple(sender: str, calendar: bytes, subject: str = "Invitation: Interview") -> bytes:
    """Apple Calendar: a text part and the reply as a base64 ``.ics`` attachment."""
    message = _headers(EmailMessage(), sender, subject)
    message.set_content("Priya has accepted your event invitation.")
    message.add_attachment(calendar, maintype="application", subtype="octet-stream",
                           filename="iCal-20270301-090000.ics")
    return message.as_bytes(policy=SMTP)


def ics_only(sender: str, calendar: bytes, subject: str = "Declined: Interview") -> bytes:
    """A single-part ``application/ics`` message."""
    message = _headers(EmailMessage(), sender, subject)
    message.set_content(calendar, maintype="application", subtype="ics")
    return message.as_bytes(policy=SMTP)


def plain(sender: str, text: str = "Thanks, see you then!") -> bytes:
    message = _headers(EmailMessage(), sender, "Re: Interview")
    message.set_content(text)
    return message.as_bytes(policy=SMTP)
