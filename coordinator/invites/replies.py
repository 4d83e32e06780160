"""iMIP replies (RFC 6047, RFC 5546 §3.2.3): an attendee's Accept, Maybe or Decline by mail.

:func:`ingest` takes one RFC 5322 message as bytes, finds its calendar (``text/calendar``
inline as Gmail sends it, an ``.ics`` attachment as Apple Calendar does, or ``application/ics``
alone), reads the ``METHOD:REPLY`` and sets the replier's response.

A reply is matched on the UID *as recorded for the invite sent* (:func:`invite_for`) and the
ATTENDEE address (case-insensitive, ``mailto:`` stripped). It changes nothing, and says why in
the log, when: the message holds no calendar or no REPLY; the UID is unknown; the address was
never sent that event (or was last sent a CANCEL: no longer on the panel); its SEQUENCE is older
than the one that attendee was last sent (a missing SEQUENCE counts as 0, RFC 5545); the
PARTSTAT is not an answer; the interview is cancelled. The From address can be forged, so a reply
is the attendee's word and never changes anything but that attendee's response.

Malformed mail and malformed calendars are ignored, never raised; only database errors escape
(the caller decides to retry).
"""

from __future__ import annotations

import email
import logging
from dataclasses import dataclass
from email.message import Message
from email.policy import default as default_policy
from email.utils import getaddresses

import icalendar
import sqlalchemy as sa

from coordinator.accounts.models import User
from coordinator.db import db
from coordinator.errors import DomainError
from coordinator.invites import responses
from coordinator.invites.models import Audience, Invite, InviteMethod
from coordinator.jobs.models import PlannedRound
from coordinator.scheduling.models import Interview, InviteResponse, PanelMember, Round

log = logging.getLogger(__name__)

#: iCalendar PARTSTAT → our response; other values (NEEDS-ACTION, DELEGATED …) are no answer.
PARTSTATS = {
    "ACCEPTED": InviteResponse.accepted,
    "TENTATIVE": InviteResponse.tentative,
    "DECLINED": InviteResponse.declined,
}
CALENDAR_TYPES = {"text/calendar", "application/ics", "text/x-vcalendar"}
_planned = sa.orm.joinedload(Interview.round).joinedload(Round.planned_round)
#: What applying a reply reads: the interview, its round and panel; no scorecards or roles.
_LEAN = (
    _planned.lazyload(PlannedRound.required_relationships),
    _planned.lazyload(PlannedRound.criteria),
    sa.orm.selectinload(Interview.panel).joinedload(PanelMember.user).lazyload(User.role_rows),
)
#: A message larger than this is not a calendar reply.
MAX_MESSAGE_BYTES = 2 * 1024 * 1024
#: Parts looked at in one message.
MAX_PARTS = 50


@dataclass(frozen=True)
class Reply:
    """One attendee's answer as read from a REPLY's VEVENT."""

    uid: str
    sequence: int
    attendee: str
    partstat: str
    comment: str


@dataclass(frozen=True)
class Outcome:
    """What became of one message: ``applied`` or the reason it was ignored."""

    status: str
    detail: str = ""
    interview_id: int | None = None

    @property
    def applied(self) -> bool:
        return self.status == "applied"


def normalise_address(value: object) -> str:
    """``MAILTO:Ana@Example.com`` → ``ana@example.com``."""
    text = str(value or "").strip()
    if text[:7].lower() == "mailto:":
        text = text[7:]
    return text.strip().strip("<>").lower()


# --- reading the mail ----------------------------------------------------------------------------


def _is_calendar_part(part: Message) -> bool:
    if part.get_content_type() in CALENDAR_TYPES:
        return True
    filename = (part.get_filename() or "").lower()
    return filename.endswith((".ics", ".ical", ".ifb", ".icalendar"))


def _calendars(message: Message) -> list[bytes]:
    found: list[bytes] = []
    for index, part in enumerate(message.walk()):
        if index >= MAX_PARTS:
            break
        if part.is_multipart() or not _is_calendar_part(part):
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and payload.strip():
            found.append(payload)
    return found


def _text(value: object) -> str:
    if isinstance(value, list):  # a property given twice
        value = value[0] if value else ""
    return str(value or "").strip()


def _sequence(value: object) -> int:
    try:
        return max(0, int(_text(value) or 0))
    except ValueError:
        return 0


def _replies_in(data: bytes, sender: str) -> list[Reply] | None:
    """The replies in one calendar object; ``None`` when it is not a parsable REPLY."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception:  # icalendar raises ValueError, KeyError, IndexError … on bad input
        return None
    if _text(calendar.get("METHOD")).upper() != "REPLY":
        return None
    found: list[Reply] = []
    for event in calendar.walk("VEVENT"):
        uid = _text(event.get("UID"))
        attendees = event.get("ATTENDEE")
        if attendees is None or not uid:
            continue
        if not isinstance(attendees, list):
            attendees = [attendees]
        if len(attendees) > 1:
            # RFC 5546 wants the replier alone; some clients list everyone. Take the sender's.
            attendees = [a for a in attendees if normalise_address(a) == sender]
        for attendee in attendees[:1]:
            params = getattr(attendee, "params", {})
            found.append(Reply(
                uid=uid, sequence=_sequence(event.get("SEQUENCE")),
                attendee=normalise_address(attendee),
                partstat=str(params.get("PARTSTAT", "")).upper(),
                comment=_text(event.get("COMMENT")),
            ))
        break  # one event per reply: overridden instances of a series are not ours
    return found


def parse(raw: bytes) -> tuple[list[Reply], str]:
    """The replies a message carries, and why there are none when the list is empty."""
    if len(raw) > MAX_MESSAGE_BYTES:
        return [], "message too large for a calendar reply"
    try:
        message = email.message_from_bytes(raw, policy=default_policy)
        sender_field = message.get("From", "")
        senders = getaddresses([str(sender_field)]) if sender_field else []
        sender = normalise_address(senders[0][1]) if senders else ""
        calendars = _calendars(message)
    except Exception:  # the email package can raise on pathological headers
        log.info("reply ignored: unreadable message", exc_info=True)
        return [], "unreadable message"
    if not calendars:
        return [], "not calendar mail"
    for data in calendars:
        found = _replies_in(data, sender)
        if found:
            return found, ""
        if found is not None:
            return [], "REPLY without a usable attendee"
    return [], "no METHOD:REPLY calendar"


# --- matching and applying -----------------------------------------------------------------------


def invite_for(uid: str, address: str) -> Invite | None:
    """The latest invite sent for ``uid`` (as it was sent) to ``address`` (any case)."""
    return db.session.scalar(
        sa.select(Invite)
        .where(Invite.uid == uid, sa.func.lower(Invite.recipient) == address.lower())
        .order_by(Invite.id.desc())
        .limit(1)
    )


def _ignored(reason: str, reply: Reply | None = None, interview_id: int | None = None) -> Outcome:
    if reply is not None:
        log.info("reply ignored (%s): uid=%s attendee=%s sequence=%s partstat=%s", reason,
                 reply.uid, reply.attendee, reply.sequence, reply.partstat)
    else:
        log.info("reply ignored (%s)", reason)
    return Outcome("ignored", reason, interview_id)


def apply(reply: Reply) -> Outcome:
    """Set the response one reply gives, if it is one of ours and current (flushes, no commit)."""
    answer = PARTSTATS.get(reply.partstat)
    if answer is None:
        return _ignored(f"PARTSTAT {reply.partstat or 'missing'} is not an answer", reply)
    invite = invite_for(reply.uid, reply.attendee)
    if invite is None:
        known = db.session.scalar(sa.select(Invite.id).where(Invite.uid == reply.uid).limit(1))
        return _ignored("not an attendee of that event" if known else "unknown UID", reply)
    if invite.method is InviteMethod.cancel:
        # The interview was cancelled, or this attendee was taken off its panel.
        return _ignored("the last message to this attendee was a cancellation", reply,
                        invite.interview_id)
    if reply.sequence < invite.sequence:
        return _ignored(f"SEQUENCE {reply.sequence} older than {invite.sequence} last sent",
                        reply, invite.interview_id)
    interview = db.session.scalar(
        sa.select(Interview).where(Interview.id == invite.interview_id).options(*_LEAN))
    if interview is None:
        return _ignored("interview no longer exists", reply)
    if interview.is_cancelled:
        return _ignored("interview is cancelled", reply, interview.id)
    try:
        if invite.audience is Audience.candidate:
            responses.record_candidate_response(interview, answer, comment=reply.comment,
                                                via=responses.Via.mail)
        else:
            member = next((m for m in interview.panel if m.user_id == invite.user_id), None)
            if member is None:
                return _ignored("attendee is no longer on the panel", reply, interview.id)
            responses.record_panel_response(member, answer, actor=None, comment=reply.comment,
                                            via=responses.Via.mail)
    except DomainError as err:
        return _ignored(err.message, reply, interview.id)
    log.info("reply applied: interview=%s attendee=%s response=%s", interview.id,
             reply.attendee, answer.value)
    return Outcome("applied", answer.value, interview.id)


def ingest(raw: bytes) -> Outcome:
    """Read one message and apply the reply it carries (flushes; the caller commits)."""
    found, reason = parse(raw)
    if not found:
        return _ignored(reason)
    outcome = Outcome("ignored", "no reply")
    for reply in found:
        outcome = apply(reply)
    return outcome

