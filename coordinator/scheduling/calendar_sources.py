"""A user's own calendar, read for busy time: a secret iCalendar address or a CalDAV calendar.

* An iCalendar address is polled with ``If-None-Match`` / ``If-Modified-Since``; ``304`` means
  unchanged and costs one small request.
* A CalDAV calendar is asked for its ``getctag`` (or ``sync-token``) first (one ``PROPFIND``
  Depth 0 for that one property); only when that changed are the events fetched with a
  time-range ``calendar-query`` ``REPORT`` and expanded like an uploaded feed. The requests
  go through :mod:`fetching` (not the ``caldav`` library's HTTP client) so that every
  connection goes to a checked address.
* A sync replaces the user's *synced* busy blocks only; uploaded ones stay. A failed sync keeps
  the last good busy time and records why (``last_error``) and when (``last_attempt_at``).
* Passwords are stored as Fernet tokens under ``CALENDAR_KEY`` (derived from ``SECRET_KEY``
  when unset; :mod:`coordinator.crypto`) and never returned or logged.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import datetime, timedelta
from xml.etree import ElementTree

import icalendar
import sqlalchemy as sa
from flask import current_app

from coordinator import crypto
from coordinator.accounts.models import User
from coordinator.audit.operations import record
from coordinator.db import db
from coordinator.errors import RuleViolation
from coordinator.scheduling import availability, fetching
from coordinator.scheduling.models import BusyBlock, BusySource, CalendarSource, CalendarSourceKind
from coordinator.timeutil import utcnow

MAX_ERROR = 2000
_DAV = "{DAV:}"
_CALDAV = "{urn:ietf:params:xml:ns:caldav}"
_CS = "{http://calendarserver.org/ns/}"
#: The collection's tag, one property at a time: a server computes each one it is asked for
#: (Radicale hashes every item's ETag for each), so asking for both costs twice.
_PROPFIND = """<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">
  <d:prop>{prop}</d:prop>
</d:propfind>"""
_TAG_PROPS = ((f"{_CS}getctag", "<cs:getctag/>"), (f"{_DAV}sync-token", "<d:sync-token/>"))
_REPORT = """<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><c:calendar-data/></d:prop>
  <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
    <c:time-range start="{start}" end="{end}"/>
  </c:comp-filter></c:comp-filter></c:filter>
</c:calendar-query>"""


# --- secrets -------------------------------------------------------------------------------------


_PURPOSE = "calendar source"


def encrypt_password(password: str) -> str:
    return crypto.encrypt(password, _PURPOSE)


def decrypt_password(token: str) -> str:
    """The stored password; an unreadable token (the key changed) is a sync error."""
    try:
        return crypto.decrypt(token, _PURPOSE)
    except crypto.InvalidToken as err:
        raise fetching.FetchError(
            "The stored password cannot be read (the key changed); enter it again."
        ) from err


# --- managing the source -------------------------------------------------------------------------


def source_of(user: User) -> CalendarSource | None:
    return db.session.scalar(sa.select(CalendarSource).where(CalendarSource.user_id == user.id))


def synced_block_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(BusyBlock).where(
            BusyBlock.user_id == user.id, BusyBlock.source == BusySource.synced)
    ) or 0


def set_source(
    user: User,
    *,
    actor: User,
    kind: CalendarSourceKind,
    url: str,
    username: str = "",
    password: str | None = None,
) -> CalendarSource:
    """Connect or replace the user's calendar source; it is due for a sync at once.

    For a CalDAV source, a missing password keeps the stored one (when the address and user
    name stay the same), so that a form need not show it again.
    """
    url = url.strip()
    try:
        fetching.check_url(url)
    except fetching.FetchError as err:
        raise RuleViolation("url", str(err)) from err
    if kind is CalendarSourceKind.ics_url and (username or password):
        raise RuleViolation("username", "An iCalendar address takes no user name or password.")
    source = source_of(user)
    if source is None:
        source = CalendarSource(user_id=user.id, kind=kind, url=url)
        db.session.add(source)
        kept = None
    else:
        same = source.kind is kind and source.url == url and source.username == username
        kept = source.password_encrypted if same else None
    source.kind, source.url, source.username = kind, url, username
    if kind is CalendarSourceKind.caldav:
        source.password_encrypted = encrypt_password(password) if password else kept
    else:
        source.password_encrypted = None
    source.etag = source.last_modified = None
    source.last_error = None
    source.next_sync_at = utcnow()
    db.session.flush()
    record(actor, "user.calendar_source_set", user, kind=kind.value)
    return source


def remove_source(user: User, *, actor: User) -> None:
    """Disconnect the source and drop the busy time it gave (uploaded busy time stays)."""
    db.session.execute(sa.delete(CalendarSource).where(CalendarSource.user_id == user.id))
    db.session.execute(sa.delete(BusyBlock).where(
        BusyBlock.user_id == user.id, BusyBlock.source == BusySource.synced))
    db.session.flush()
    record(actor, "user.calendar_source_removed", user)


# --- syncing -------------------------------------------------------------------------------------


def _allow_private() -> bool:
    return bool(current_app.config.get("CALENDAR_ALLOW_PRIVATE_NETWORKS"))


def _auth(source: CalendarSource) -> dict[str, str]:
    if not source.username and not source.password_encrypted:
        return {}
    password = decrypt_password(source.password_encrypted) if source.password_encrypted else ""
    pair = f"{source.username}:{password}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def _fail_status(answer: fetching.Response) -> None:
    if answer.status in {401, 403}:
        raise fetching.FetchError(f"The server refused the credentials ({answer.status}).")
    if not 200 <= answer.status < 300:
        raise fetching.FetchError(f"The server answered {answer.status}.")


def _sync_ics(source: CalendarSource, now: datetime) -> list[tuple[datetime, datetime]] | None:
    """Busy periods from the address, or ``None`` when the server says unchanged (304)."""
    headers = {"Accept": "text/calendar"}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    answer = fetching.fetch(source.url, headers=headers, allow_private=_allow_private())
    if answer.status == 304:
        return None
    _fail_status(answer)
    blocks = availability.parse_busy_calendar(answer.body, source.user.time_zone, now=now)
    source.etag = answer.headers.get("etag")
    source.last_modified = answer.headers.get("last-modified")
    return blocks


def _xml(body: bytes) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError as err:
        raise fetching.FetchError("The server's answer is not a CalDAV answer.") from err


def _collection_tag(source: CalendarSource, headers: dict[str, str]) -> str | None:
    """The collection's ``getctag`` (else its ``sync-token``), as ``{namespace}name=value``.

    One ``PROPFIND`` (Depth 0) for one property: the one the stored tag names, else
    ``getctag``; a server without it is asked for ``sync-token`` next (and, its tag stored
    under that name, only for that from then on).
    """
    props = list(_TAG_PROPS)
    if source.etag:
        props.sort(key=lambda prop: not source.etag.startswith(prop[0] + "="))
    for name, element in props:
        answer = fetching.fetch(
            source.url, method="PROPFIND", body=_PROPFIND.format(prop=element).encode(),
            allow_private=_allow_private(),
            headers={**headers, "Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
        )
        _fail_status(answer)
        found = _xml(answer.body).find(f".//{name}")
        if found is not None and found.text and found.text.strip():
            return f"{name}={found.text.strip()}"[:500]
    return None


def _sync_caldav(source: CalendarSource, now: datetime) -> list[tuple[datetime, datetime]] | None:
    headers = _auth(source)
    tag = _collection_tag(source, headers)
    if tag is not None and tag == source.etag:
        return None
    start, end = now - availability.IMPORT_PAST, now + availability.IMPORT_AHEAD
    report = _REPORT.format(start=start.strftime("%Y%m%dT%H%M%SZ"),
                            end=end.strftime("%Y%m%dT%H%M%SZ")).encode()
    answer = fetching.fetch(
        source.url, method="REPORT", body=report, allow_private=_allow_private(),
        headers={**headers, "Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
    )
    _fail_status(answer)
    combined = icalendar.Calendar()
    seen_zones: set[str] = set()
    for data in _xml(answer.body).iter(f"{_CALDAV}calendar-data"):
        if not data.text:
            continue
        try:
            part = icalendar.Calendar.from_ical(data.text)
        except Exception as err:  # icalendar raises ValueError, KeyError, IndexError, …
            raise fetching.FetchError(f"An event could not be read: {str(err)[:200]}") from err
        for component in part.subcomponents:
            if component.name == "VTIMEZONE":
                zone_id = str(component.get("TZID"))
                if zone_id in seen_zones:
                    continue
                seen_zones.add(zone_id)
            combined.add_component(component)
    blocks = availability.busy_periods(combined, source.user.time_zone, now=now)
    source.etag = tag
    return blocks


def sync_source(source: CalendarSource, *, actor: User | None = None,
                now: datetime | None = None) -> CalendarSource:
    """Sync once, in the caller's transaction: replace the synced busy time, or keep it and
    record why not. Never raises for what the remote server does."""
    moment = now or utcnow()
    source.last_attempt_at = moment
    source.next_sync_at = moment + timedelta(
        minutes=max(int(current_app.config.get("CALENDAR_SYNC_MINUTES", 15)), 1))
    try:
        if source.kind is CalendarSourceKind.caldav:
            blocks = _sync_caldav(source, moment)
        else:
            blocks = _sync_ics(source, moment)
    except (fetching.FetchError, RuleViolation) as err:
        source.last_error = str(err)[:MAX_ERROR]
        db.session.flush()
        return source
    except Exception as err:  # whatever a remote answer trips, it is that source's failure
        source.last_error = f"The calendar could not be read ({type(err).__name__})."
        db.session.flush()
        return source
    if blocks is not None:
        availability.replace_busy_blocks(source.user, blocks, actor=actor,
                                         source=BusySource.synced)
    source.last_synced_at = moment
    source.last_error = None
    db.session.flush()
    return source


def due_sources(now: datetime | None = None, limit: int = 100) -> list[CalendarSource]:
    return list(db.session.scalars(
        sa.select(CalendarSource)
        .where(CalendarSource.next_sync_at <= (now or utcnow()))
        .order_by(CalendarSource.next_sync_at, CalendarSource.id)
        .limit(limit)
    ))


def sync_statuses(user_ids: Iterable[int], now: datetime | None = None) -> dict[int, str]:
    """:func:`sync_status` of each user, in one query (for pages listing panel members)."""
    ids = list(user_ids)
    sources = {s.user_id: s for s in db.session.scalars(
        sa.select(CalendarSource).where(CalendarSource.user_id.in_(ids)))} if ids else {}
    return {i: sync_status(sources.get(i), now) for i in ids}


def sync_status(source: CalendarSource | None, now: datetime | None = None) -> str:
    """“calendar last synced 3 days ago”, said where people are scheduled."""
    if source is None:
        return "no calendar connected"
    if source.last_synced_at is None:
        text = "calendar not synced yet"
    else:
        age = (now or utcnow()) - source.last_synced_at
        if age < timedelta(minutes=1):
            ago = "just now"
        elif age < timedelta(hours=1):
            ago = f"{int(age.total_seconds() // 60)} min ago"
        elif age < timedelta(days=2):
            ago = f"{int(age.total_seconds() // 3600)} h ago"
        else:
            ago = f"{age.days} days ago"
        text = f"calendar last synced {ago}"
    if source.last_error:
        text += " (last attempt failed)"
    return text
