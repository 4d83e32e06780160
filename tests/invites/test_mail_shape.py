"""Invite mails as a real SMTP server receives them (RFC 6047 iMIP, CalConnect's shape).

Each test books (and changes) interviews, runs the outbox worker against aiosmtpd on loopback
and reads what arrived with the standard ``email`` package (``read_invite`` in conftest.py).
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from coordinator.db import db
from coordinator.mail import outbox
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.mail.smtp import transport_from_config
from coordinator.scheduling import operations
from tests.invites.conftest import SMTPServer, parse, read_invite
from tests.scheduling.conftest import at


def deliver(app) -> outbox.DeliveryReport:
    return outbox.deliver_due(transport_from_config(app.config))


def test_every_invite_arrives_once_in_the_imip_shape(
    app, use_smtp: SMTPServer, make_round, panelists, make_user, book, recruiter
):
    peer, supervisor = panelists
    newcomer = make_user(("interviewer",), name="Nina Newcomer", time_zone="Asia/Tokyo")
    interview = book(
        make_round(), at(2, 14), [(peer, "peer"), (supervisor, "supervisor")], location="Room 1"
    ).interview
    operations.reschedule_interview(
        interview,
        actor=recruiter,
        reason="Nina instead of Sofia",
        panel=[operations.Seat(peer.id, "peer"), operations.Seat(newcomer.id, "supervisor")],
    )
    db.session.commit()
    operations.cancel_interview(interview, actor=recruiter, reason="Role filled")
    db.session.commit()
    queued = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()

    report = deliver(app)

    assert (report.sent, report.retried, report.failed) == (len(queued), 0, 0) == (10, 0, 0)
    received = use_smtp.received
    assert sorted(r.message_id for r in received) == sorted(row.message_id for row in queued)
    assert set(use_smtp.message_id_counts().values()) == {1}
    methods = Counter()
    for envelope in received:
        mail = read_invite(envelope.content)
        assert envelope.mail_from == "recruiting@coordinator.test"
        assert envelope.rcpt_tos == (mail.to,), "one recipient per message"
        methods[mail.method] += 1
    assert methods == {"REQUEST": 6, "CANCEL": 4}
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state != OutboxState.sent)
        )
        == 0
    )


def test_the_calendar_arrives_byte_for_byte_as_queued(app, use_smtp, make_round, panelists, book):
    peer, supervisor = panelists
    book(make_round(), at(2, 14), [(peer, "peer"), (supervisor, "supervisor")])
    queued = {
        row.message_id: read_invite(row.raw) for row in db.session.scalars(sa.select(OutboxMessage))
    }

    deliver(app)

    for envelope in use_smtp.received:
        mail = read_invite(envelope.content)
        assert mail.calendar.data == queued[envelope.message_id].calendar.data
        assert b"\r\nEND:VCALENDAR\r\n" in mail.calendar.data


def test_the_calendar_part_declares_the_method_it_carries(
    app, use_smtp, make_round, panelists, book, recruiter
):
    peer, supervisor = panelists
    interview = book(make_round(), at(2, 14), [(peer, "peer"), (supervisor, "supervisor")])
    operations.cancel_interview(interview.interview, actor=recruiter, reason="Role filled")
    db.session.commit()

    deliver(app)

    seen = set()
    for envelope in use_smtp.received:
        message = parse(envelope.content)
        calendar_part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        body = calendar_part.get_payload(decode=True)
        method = calendar_part.get_param("method")
        assert method in {"REQUEST", "CANCEL"} and method.isupper()
        assert f"\r\nMETHOD:{method}\r\n".encode() in body
        seen.add(method)
    assert seen == {"REQUEST", "CANCEL"}


def test_headers_are_ascii_and_read_back_as_written(
    app, use_smtp, make_user, make_candidate, make_candidacy, make_round, plan, book, recruiter
):
    candidate = make_candidate(
        actor=recruiter, name='Dara "D" O\'Neill, Jr.; Ph.D', email="dara@candidates.example"
    )
    peer = make_user(("interviewer",), name="张伟", email="zhang@team.example")
    supervisor = make_user(("interviewer",), name="Zoë Ångström", email="zoe@team.example")
    round_ = make_round(make_candidacy(job=plan[0], candidate=candidate, actor=recruiter))
    book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")])

    deliver(app)

    names = {}
    for envelope in use_smtp.received:
        head = envelope.content.split(b"\r\n\r\n", 1)[0]
        assert head.isascii(), "RFC 5322 headers without SMTPUTF8 are ASCII (RFC 2047 words)"
        for line in envelope.content.split(b"\r\n"):
            assert len(line) <= 998, "SMTP line limit"
        message = read_invite(envelope.content).message
        to = message["To"].addresses[0]
        names[to.addr_spec] = to.display_name
        assert message["Message-ID"].endswith("@coordinator.test>")
        assert message["Auto-Submitted"] == "auto-generated"
    assert names == {
        "dara@candidates.example": 'Dara "D" O\'Neill, Jr.; Ph.D',
        "zhang@team.example": "张伟",
        "zoe@team.example": "Zoë Ångström",
    }


def test_markup_in_names_is_escaped_in_the_html_part(
    app, use_smtp, make_user, make_candidate, make_candidacy, make_round, plan, book, recruiter
):
    candidate = make_candidate(actor=recruiter, name="<script>alert(1)</script> Eve")
    peer = make_user(("interviewer",), name='<img src=x onerror="x()">')
    supervisor = make_user(("interviewer",), name="Sam & Co")
    round_ = make_round(make_candidacy(job=plan[0], candidate=candidate, actor=recruiter))
    book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")])

    deliver(app)

    assert len(use_smtp.received) == 3
    for envelope in use_smtp.received:
        mail = read_invite(envelope.content)
        assert "<script>" not in mail.html and "<img" not in mail.html
        assert "&lt;script&gt;" in mail.html or "&lt;img" in mail.html
        assert "Sam &amp; Co" in mail.html


def test_addresses_beyond_ascii_get_their_invites(
    app,
    make_smtp_server,
    monkeypatch,
    make_user,
    make_candidate,
    make_candidacy,
    make_round,
    plan,
    book,
    recruiter,
):
    server = make_smtp_server(enable_SMTPUTF8=True)
    monkeypatch.setitem(app.config, "SMTP_HOST", server.host)
    monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
    candidate = make_candidate(actor=recruiter, name="Zoë Ångström", email="zoë@example.com")
    peer = make_user(("interviewer",), name="张伟", email="张伟@例子.example")
    supervisor = make_user(("interviewer",), name="Ana", email="ana@bücher.example")
    round_ = make_round(make_candidacy(job=plan[0], candidate=candidate, actor=recruiter))
    book(round_, at(2, 14), [(peer, "peer"), (supervisor, "supervisor")])

    assert deliver(app).sent == 3

    arrived = {envelope.rcpt_tos: read_invite(envelope.content) for envelope in server.received}
    assert arrived.keys() == {
        ("zoë@example.com",),
        ("张伟@xn--fsqu00a.example",),
        ("ana@xn--bcher-kva.example",),
    }
    assert arrived[("zoë@example.com",)].calendar.attendees == (
        ("zoë@example.com", "Zoë Ångström"),
    )
    panel = arrived[("ana@xn--bcher-kva.example",)].calendar
    assert panel.attendee_emails == ["张伟@例子.example", "ana@bücher.example"]
