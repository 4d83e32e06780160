"""Syncing busy time from a user's own calendar: a secret iCalendar address served by a real HTTP
server on loopback (ETag / 304), and a real CalDAV server (Radicale). "Now" is Monday 1 March
2027, 08:00 UTC."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.scheduling import availability, calendar_sources, fetching, slots
from coordinator.scheduling.models import BusyBlock, BusySource, CalendarSource, CalendarSourceKind
from tests.invites.test_identity import caldav as caldav  # the Radicale fixture
from tests.scheduling.conftest import at
from tests.scheduling.test_busy_import import calendar, event
from tests.webhooks.test_pinning import RebindingResolver


class Feed:
    """What the loopback server answers, and what it was asked."""

    def __init__(self) -> None:
        self.body = calendar(event("a@example.com", "DTSTART:20270302T090000Z",
                                   "DTEND:20270302T100000Z"))
        self.etag = '"v1"'
        self.requests: list[dict[str, str]] = []
        self.redirect_to: str | None = None
        self.delay = 0.0
        self.status = 200


@pytest.fixture
def feed() -> Iterator[tuple[Feed, str]]:
    state = Feed()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append({k.lower(): v for k, v in self.headers.items()})
            if state.redirect_to:
                self.send_response(302)
                self.send_header("Location", state.redirect_to)
                self.end_headers()
                return
            if state.status != 200:
                self.send_response(state.status)
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == state.etag:
                self.send_response(304)
                self.end_headers()
                return
            time.sleep(state.delay)
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("ETag", state.etag)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(state.body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/secret/basic.ics"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def allow_loopback(app):
    app.config["CALENDAR_ALLOW_PRIVATE_NETWORKS"] = True
    yield
    app.config["CALENDAR_ALLOW_PRIVATE_NETWORKS"] = False


@pytest.fixture
def person(make_user):
    return make_user(("interviewer",), name="Sam Synced", time_zone="Europe/Berlin")


def synced(user) -> list[tuple[datetime, datetime]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(BusyBlock.starts_at, BusyBlock.ends_at).where(
            BusyBlock.user_id == user.id, BusyBlock.source == BusySource.synced)
        .order_by(BusyBlock.starts_at))]


def connect(user, url: str, **kwargs: Any) -> CalendarSource:
    kind = kwargs.pop("kind", CalendarSourceKind.ics_url)
    source = calendar_sources.set_source(user, actor=user, kind=kind, url=url, **kwargs)
    db.session.commit()
    return source


def sync(source: CalendarSource) -> CalendarSource:
    calendar_sources.sync_source(source)
    db.session.commit()
    return source


# --- iCalendar address ---------------------------------------------------------------------------


def test_a_sync_stores_the_feeds_busy_time_as_synced(feed, allow_loopback, person):
    _state, url = feed
    source = sync(connect(person, url))
    assert source.last_error is None
    assert source.last_synced_at is not None
    assert synced(person) == [(at(2, 9), at(2, 10))]


def test_an_unchanged_feed_answers_304_and_keeps_the_blocks(feed, allow_loopback, person):
    state, url = feed
    source = sync(connect(person, url))
    state.body = calendar()  # would clear the blocks if it were fetched again
    sync(source)
    assert state.requests[-1]["if-none-match"] == '"v1"'
    assert synced(person) == [(at(2, 9), at(2, 10))]
    assert source.last_error is None


def test_a_changed_feed_replaces_the_synced_blocks(feed, allow_loopback, person):
    state, url = feed
    source = sync(connect(person, url))
    state.body = calendar(event("b@example.com", "DTSTART:20270303T090000Z",
                                "DTEND:20270303T100000Z"))
    state.etag = '"v2"'
    sync(source)
    assert synced(person) == [(at(3, 9), at(3, 10))]


def test_a_sync_leaves_uploaded_busy_time_alone(feed, allow_loopback, person):
    _state, url = feed
    availability.replace_busy_blocks(person, [(at(5, 9), at(5, 10))], actor=person)
    sync(connect(person, url))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BusyBlock).where(
        BusyBlock.user_id == person.id, BusyBlock.source == BusySource.uploaded)) == 1


def test_a_failed_sync_keeps_the_last_good_blocks_and_says_why(feed, allow_loopback, person):
    state, url = feed
    source = sync(connect(person, url))
    state.status = 500
    sync(source)
    assert synced(person) == [(at(2, 9), at(2, 10))]
    assert "500" in source.last_error
    assert "last attempt failed" in calendar_sources.sync_status(source)


def test_a_feed_that_is_not_a_calendar_keeps_the_last_good_blocks(feed, allow_loopback, person):
    state, url = feed
    source = sync(connect(person, url))
    state.body, state.etag = b"<html>sign in</html>", '"v3"'
    sync(source)
    assert synced(person) == [(at(2, 9), at(2, 10))]
    assert source.last_error


def test_an_unexpected_failure_reading_a_feed_is_that_sources_error(feed, allow_loopback, person,
                                                                      monkeypatch):
    state, url = feed
    source = sync(connect(person, url))
    state.etag = '"v4"'

    def broken(*args: Any, **kwargs: Any) -> None:
        raise TypeError("a parser bug")

    monkeypatch.setattr(availability, "parse_busy_calendar", broken)
    sync(source)
    assert source.last_error == "The calendar could not be read (TypeError)."
    assert synced(person) == [(at(2, 9), at(2, 10))]


def test_removing_the_source_drops_its_busy_time(feed, allow_loopback, person):
    _state, url = feed
    sync(connect(person, url))
    calendar_sources.remove_source(person, actor=person)
    db.session.commit()
    assert synced(person) == []
    assert calendar_sources.source_of(person) is None


# --- bounds and refusals -------------------------------------------------------------------------


def test_loopback_is_refused_unless_allowed(feed, person):
    _state, url = feed
    source = sync(connect(person, url))
    assert "loopback" in source.last_error
    assert synced(person) == []


@pytest.mark.parametrize("address", ["169.254.169.254", "[fe80::1]", "[::ffff:169.254.169.254]",
                                     "100.100.100.200", "[64:ff9b::a9fe:a9fe]",
                                     "[2002:a9fe:a9fe::1]"])
def test_link_local_and_metadata_addresses_are_refused_even_when_private_is_allowed(
        allow_loopback, address):
    with pytest.raises(fetching.FetchError, match="never fetched"):
        fetching.fetch(f"http://{address}/latest/meta-data/", allow_private=True)


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.10", "172.16.5.5", "127.0.0.1",
                                     "[::1]"])
def test_private_networks_are_refused_when_not_allowed(address):
    with pytest.raises(fetching.FetchError, match="private"):
        fetching.fetch(f"http://{address}/cal.ics", allow_private=False)


def test_a_redirect_to_a_refused_address_is_refused(feed, allow_loopback):
    state, url = feed
    state.redirect_to = "http://169.254.169.254/latest/meta-data/"
    with pytest.raises(fetching.FetchError, match="never fetched"):
        fetching.fetch(url, allow_private=True)
    assert len(state.requests) == 1


def test_more_than_three_redirects_are_refused(feed):
    state, url = feed
    state.redirect_to = url
    with pytest.raises(fetching.FetchError, match="redirects"):
        fetching.fetch(url, allow_private=True)
    assert len(state.requests) == 4


def test_an_answer_over_the_size_bound_is_refused(feed):
    state, url = feed
    state.body = b"x" * 5000
    with pytest.raises(fetching.FetchError, match="larger"):
        fetching.fetch(url, allow_private=True, max_bytes=4096)


def test_a_slow_answer_is_abandoned_at_the_time_bound(feed):
    state, url = feed
    state.delay = 2.0
    begun = time.monotonic()
    with pytest.raises(fetching.FetchError, match="seconds"):
        fetching.fetch(url, allow_private=True, timeout=0.5)
    assert time.monotonic() - begun < 1.5


def test_the_connection_goes_to_the_checked_address(monkeypatch):
    """A name that resolves to a refused address is refused before any connection."""
    monkeypatch.setattr(fetching.socket, "getaddrinfo",
                        lambda *a, **k: [(2, 1, 6, "", ("169.254.169.254", 80))])
    with pytest.raises(fetching.FetchError, match="never fetched"):
        fetching.fetch("http://calendar.example.com/x.ics")


def test_a_fetch_connects_to_the_checked_address_and_never_to_a_second_answer(feed):
    """The name is looked up once, through a resolver whose next answers are forbidden: the
    request still reaches the loopback server (it never resolved the name again), naming the
    host in its Host header."""
    state, url = feed
    port = url.split(":")[2].split("/")[0]
    resolver = RebindingResolver("127.0.0.1", "169.254.169.254")

    answer = fetching.fetch(url.replace("127.0.0.1", "cal.rebind.invalid"), allow_private=True,
                            resolver=resolver)

    assert answer.status == 200
    assert resolver.asked == ["cal.rebind.invalid"]
    assert state.requests[-1]["host"] == f"cal.rebind.invalid:{port}"


def test_a_fetch_whose_first_answer_is_forbidden_connects_nowhere(feed):
    state, url = feed
    with pytest.raises(fetching.FetchError, match="never fetched"):
        fetching.fetch(url.replace("127.0.0.1", "cal.rebind.invalid"), allow_private=True,
                       resolver=RebindingResolver("169.254.169.254", "127.0.0.1"))
    assert state.requests == []


# --- secrets -------------------------------------------------------------------------------------


def test_the_password_is_stored_encrypted(person):
    source = connect(person, "https://dav.example.com/cal/", kind=CalendarSourceKind.caldav,
                     username="sam", password="app-password-123")
    raw = db.session.execute(sa.text(
        "SELECT password_encrypted FROM calendar_sources WHERE id = :id"), {"id": source.id}
    ).scalar_one()
    assert "app-password-123" not in raw
    assert calendar_sources.decrypt_password(raw) == "app-password-123"


def test_a_replace_without_password_keeps_the_stored_one(person):
    source = connect(person, "https://dav.example.com/cal/", kind=CalendarSourceKind.caldav,
                     username="sam", password="app-password-123")
    connect(person, "https://dav.example.com/cal/", kind=CalendarSourceKind.caldav,
            username="sam")
    assert calendar_sources.decrypt_password(source.password_encrypted) == "app-password-123"


# --- the finder and the conflict check -----------------------------------------------------------


def test_the_slot_finder_sees_synced_busy_time(feed, allow_loopback, person):
    _state, url = feed
    sync(connect(person, url))
    calendars = slots.load_calendars([person], at(1, 8), at(5, 8))
    assert (at(2, 9), at(2, 10)) in calendars[person.id].all_busy()


def test_booking_over_synced_busy_time_warns(feed, allow_loopback, person, make_round, make_user,
                                             book):
    _state, url = feed
    sync(connect(person, url))
    change = book(make_round(), at(2, 9), [(person, "peer"), (make_user(), "supervisor")])
    assert any(w["kind"] == "busy" and w["user_id"] == person.id for w in change.warnings)


# --- CalDAV (Radicale) ---------------------------------------------------------------------------


def test_a_caldav_calendar_syncs_and_an_unchanged_one_is_not_fetched(caldav,
                                                                    allow_loopback, person):
    dav = caldav
    dav.put("standup.ics", calendar(event(
        "standup@example.com", "DTSTART:20270301T100000Z", "DTEND:20270301T103000Z",
        "RRULE:FREQ=DAILY;COUNT=3")))
    source = sync(connect(person, dav.base + dav.calendar, kind=CalendarSourceKind.caldav,
                          username="tester", password="secret"))
    assert source.last_error is None
    assert synced(person) == [(datetime(2027, 3, d, 10, tzinfo=UTC),
                               datetime(2027, 3, d, 10, 30, tzinfo=UTC)) for d in (1, 2, 3)]
    tag = source.etag
    sync(source)
    assert source.etag == tag
    dav.put("other.ics", calendar(event("other@example.com", "DTSTART:20270304T120000Z",
                                        "DTEND:20270304T130000Z")))
    sync(source)
    assert source.etag != tag
    assert (at(4, 12), at(4, 13)) in synced(person)


def test_an_unchanged_caldav_calendar_costs_one_propfind_for_one_property_and_no_busy_writes(
        caldav, allow_loopback, person, monkeypatch, count_queries):
    dav = caldav
    dav.put("standup.ics", calendar(event(
        "standup@example.com", "DTSTART:20270301T100000Z", "DTEND:20270301T103000Z")))
    source = sync(connect(person, dav.base + dav.calendar, kind=CalendarSourceKind.caldav,
                          username="tester", password="secret"))
    asked: list[tuple[str, str, bytes]] = []
    real_fetch = fetching.fetch

    def spy(url: str, **kwargs: Any) -> fetching.Response:
        asked.append((kwargs.get("method", "GET"), kwargs["headers"].get("Depth", ""),
                      kwargs.get("body") or b""))
        return real_fetch(url, **kwargs)

    monkeypatch.setattr(fetching, "fetch", spy)
    with count_queries() as queries:
        sync(source)

    [(method, depth, body)] = asked
    assert (method, depth) == ("PROPFIND", "0")
    assert b"getctag" in body and b"sync-token" not in body
    assert source.last_error is None
    assert not [q for q in queries.statements if "busy_blocks" in q]


def test_a_caldav_calendar_gone_from_its_server_keeps_the_last_good_busy_time(
        caldav, allow_loopback, person):
    dav = caldav
    dav.put("standup.ics", calendar(event(
        "standup@example.com", "DTSTART:20270302T090000Z", "DTEND:20270302T100000Z")))
    source = sync(connect(person, dav.base + dav.calendar, kind=CalendarSourceKind.caldav,
                          username="tester", password="secret"))
    good_at = source.last_synced_at
    assert dav.request("DELETE", dav.calendar)[0] in {200, 204}

    sync(source)

    assert synced(person) == [(at(2, 9), at(2, 10))]
    assert "404" in (source.last_error or "")
    assert source.last_synced_at == good_at
    assert "last attempt failed" in calendar_sources.sync_status(source)


@pytest.fixture
def sync_token_server() -> Iterator[tuple[list[bytes], str]]:
    """A loopback CalDAV collection with a ``sync-token`` but no ``getctag`` property."""
    asked: list[bytes] = []
    data = calendar(event("t@example.com", "DTSTART:20270302T090000Z",
                          "DTEND:20270302T100000Z")).decode()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, body: str) -> None:
            encoded = body.encode()
            self.send_response(207)
            self.send_header("Content-Type", "application/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def do_PROPFIND(self) -> None:
            request = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            asked.append(b"PROPFIND " + request)
            found = ('<d:propstat><d:prop><d:sync-token>http://x/sync/1</d:sync-token>'
                     '</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>'
                     if b"sync-token" in request else
                     '<d:propstat><d:prop><cs:getctag/></d:prop>'
                     '<d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>')
            self._answer('<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" '
                         'xmlns:cs="http://calendarserver.org/ns/"><d:response>'
                         f'<d:href>/cal/</d:href>{found}</d:response></d:multistatus>')

        def do_REPORT(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            asked.append(b"REPORT")
            self._answer('<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" '
                         'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:response>'
                         '<d:href>/cal/t.ics</d:href><d:propstat><d:prop><c:calendar-data>'
                         f'{data}</c:calendar-data></d:prop>'
                         '<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>'
                         '</d:multistatus>')

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield asked, f"http://127.0.0.1:{server.server_address[1]}/cal/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_without_getctag_is_asked_for_its_sync_token_and_then_only_for_that(
        sync_token_server, allow_loopback, person):
    asked, url = sync_token_server
    source = sync(connect(person, url, kind=CalendarSourceKind.caldav, username="u",
                          password="p"))
    assert source.last_error is None
    assert source.etag == "{DAV:}sync-token=http://x/sync/1"
    assert synced(person) == [(at(2, 9), at(2, 10))]
    asked.clear()

    sync(source)

    [only] = asked
    assert only.startswith(b"PROPFIND") and b"sync-token" in only and b"getctag" not in only


# --- the command ---------------------------------------------------------------------------------


def test_sync_calendars_once_syncs_what_is_due_and_not_again_until_the_interval(
        app, feed, allow_loopback, person):
    state, url = feed
    connect(person, url)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sync-calendars", "--once"])
    assert result.exit_code == 0, result.output
    assert "synced 1, failed 0" in result.output
    assert synced(person) == [(at(2, 9), at(2, 10))]
    asked = len(state.requests)
    result = runner.invoke(args=["sync-calendars", "--once"])
    assert "synced 0, failed 0" in result.output
    assert len(state.requests) == asked


def test_sync_calendars_reports_a_failed_source_and_still_exits_0(app, feed, person):
    _state, url = feed
    connect(person, url)
    result = app.test_cli_runner().invoke(args=["sync-calendars", "--once"])
    assert result.exit_code == 0
    assert "synced 0, failed 1" in result.output
