"""What writing invites costs: statements that do not grow with the panel, and panel copies
rendered once for every member who reads them alike (issue 16)."""

from __future__ import annotations

from collections import Counter

from flask import template_rendered

from coordinator.db import db
from coordinator.invites.models import Audience
from tests.invites.test_invites import mails
from tests.scheduling.conftest import at

PANEL_BODY = "email/_interview_panel_body.txt"


def _renders(app, work) -> Counter[str]:
    seen: Counter[str] = Counter()

    def on_render(_sender, template, context, **_extra) -> None:
        seen[template.name] += 1

    template_rendered.connect(on_render, app)
    try:
        work()
    finally:
        template_rendered.disconnect(on_render, app)
    return seen


def _reads(log) -> list[str]:
    return [s for s in log.statements if not s.lstrip().upper().startswith("INSERT")]


def _inserts(log) -> list[str]:
    return [s.split()[2] for s in log.statements if s.lstrip().upper().startswith("INSERT")]


def test_booking_reads_as_much_for_a_panel_of_four_as_for_two(
        people, book, make_user, count_queries):
    round_, _candidate, peer, supervisor, newcomer = people
    colleague = make_user(("interviewer",), name="Carl Colleague", email="carl@team.example",
                          time_zone="Europe/Berlin")
    members = [peer, supervisor, newcomer, colleague]

    [user.id for user in members]  # the fixtures' own reloads are not the booking's
    with count_queries() as two:
        book(round_, at(2, 10), [(peer, "peer"), (supervisor, "supervisor")])
    [user.id for user in members]
    with count_queries() as four:
        book(round_, at(3, 10), [(peer, "peer"), (supervisor, "supervisor"),
                                 (newcomer, "peer"), (colleague, "colleague")])

    assert len(_reads(four)) == len(_reads(two)), f"panel of two:\n{two}\npanel of four:\n{four}"
    if db.engine.dialect.name == "postgresql":
        # rows of one table go in one INSERT (the identities, messages and invites included)
        assert len(_inserts(four)) == len(set(_inserts(four))) == len(_inserts(two)), str(four)


def test_panel_members_in_one_zone_share_one_render_and_are_each_greeted(
        app, people, book, make_user):
    round_, _candidate, peer, supervisor, newcomer = people
    colleague = make_user(("interviewer",), name="Carl Colleague", email="carl@team.example",
                          time_zone="Europe/Berlin")
    panel = [(peer, "peer"), (supervisor, "supervisor"), (colleague, "colleague"),
             (newcomer, "peer")]
    changes = []

    renders = _renders(app, lambda: changes.append(book(round_, at(2, 10), panel)))

    # Berlin (three members) and Kolkata (one): two renders of the shared body, not four
    assert renders[PANEL_BODY] == 2
    assert renders["email/_interview_panel_body.html"] == 2
    panel_mail = {mail.to: mail for invite, _, mail in mails(changes[0].interview)
                  if invite.audience is Audience.panel}
    assert set(panel_mail) == {u.email for u, _ in panel}
    for user, _ in panel:
        assert panel_mail[user.email].text.startswith(f"Hello {user.name},")
    berlin = {panel_mail[u.email].text.split("\n", 1)[1] for u in (peer, supervisor, colleague)}
    assert len(berlin) == 1  # the same words after the greeting
    assert panel_mail[newcomer.email].text.split("\n", 1)[1] not in berlin  # Kolkata's times
