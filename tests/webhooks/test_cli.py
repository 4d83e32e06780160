"""``flask --app wsgi deliver-webhooks --once``."""

from __future__ import annotations

from coordinator.db import db
from coordinator.webhooks.operations import emit


def test_once_delivers_what_is_due_and_exits_zero(app, register, receiver):
    register(events=("decision.recorded",))
    emit("decision.recorded", {"decision_id": 7})
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["deliver-webhooks", "--once"])

    assert result.exit_code == 0, result.output
    assert "delivered 1, to retry 0, gave up 0" in result.output
    assert len(receiver.requests) == 1


def test_once_exits_zero_when_the_receiver_fails(app, register, receiver):
    register(events=("decision.recorded",))
    emit("decision.recorded", {"decision_id": 7})
    db.session.commit()
    receiver.statuses = [500]

    result = app.test_cli_runner().invoke(args=["deliver-webhooks", "--once"])

    assert result.exit_code == 0, result.output
    assert "delivered 0, to retry 1, gave up 0" in result.output
