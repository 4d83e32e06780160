"""``flask --app wsgi deliver-mail --once``: sends what is due and exits 0, even when messages
fail; exits non-zero only when it cannot run at all (bad configuration)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from coordinator.db import db
from coordinator.mail.models import OutboxMessage, OutboxState
from coordinator.timeutil import freeze

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(app):
    freeze(T0)


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["deliver-mail", "--once", *args])


def states() -> dict[str, OutboxState]:
    db.session.expire_all()
    return dict(db.session.execute(sa.select(OutboxMessage.recipient, OutboxMessage.state)).all())


def test_once_sends_what_is_due_and_exits_zero(app, use_smtp, queue):
    rows = [queue(f"person{n}@example.com") for n in range(3)]

    result = run(app)

    assert result.exit_code == 0, result.output
    assert "sent 3, to retry 0, gave up 0" in result.output
    assert use_smtp.message_id_counts() == {r.message_id: 1 for r in rows}


def test_once_exits_zero_when_the_server_is_down(app, use_smtp, queue):
    queue("ana@example.com")
    use_smtp.stop()

    result = run(app)

    assert result.exit_code == 0, result.output
    assert "sent 0, to retry 0, gave up 0" in result.output
    assert "delivery paused, messages stay queued: cannot connect" in result.output
    assert states() == {"ana@example.com": OutboxState.pending}


def test_once_exits_zero_when_a_recipient_is_refused(app, use_smtp, queue):
    use_smtp.refuse("gone@example.com", 550)
    queue("gone@example.com")
    queue("here@example.com")

    result = run(app)

    assert result.exit_code == 0, result.output
    assert "sent 1, to retry 0, gave up 1" in result.output
    assert states() == {
        "gone@example.com": OutboxState.failed,
        "here@example.com": OutboxState.sent,
    }


def test_the_configured_number_of_attempts_is_honoured(app, use_smtp, queue, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 1)
    queue("ana@example.com")
    use_smtp.refuse("ana@example.com", 451)

    result = run(app)

    assert result.exit_code == 0, result.output
    assert "gave up 1" in result.output
    assert states() == {"ana@example.com": OutboxState.failed}


def test_without_smtp_the_messages_become_eml_files(app, queue, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    monkeypatch.setitem(app.config, "MAIL_DIR", str(tmp_path / "mail"))
    row = queue()

    result = run(app)

    assert result.exit_code == 0, result.output
    assert (tmp_path / "mail" / f"{row.id:08d}.eml").read_bytes() == row.raw


def test_nothing_due_is_a_quiet_success(app, use_smtp):
    result = run(app)

    assert result.exit_code == 0, result.output
    assert "sent 0, to retry 0, gave up 0" in result.output


@pytest.mark.parametrize(
    "settings",
    [
        {"SMTP_HOST": "127.0.0.1", "MAIL_FROM": ""},
        {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": "twenty-five"},
        {"MAIL_MAX_ATTEMPTS": "many"},
    ],
    ids=["smtp-without-sender", "port-not-a-number", "attempts-not-a-number"],
)
def test_bad_configuration_exits_non_zero_and_sends_nothing(
    app, use_smtp, queue, monkeypatch, settings
):
    row = queue()
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)

    result = run(app)

    assert result.exit_code != 0
    assert not use_smtp.received
    assert states() == {row.recipient: OutboxState.pending}
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).attempts == 0


def test_a_missing_sender_is_explained(app, use_smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_FROM", "")

    result = run(app)

    assert result.exit_code == 1
    assert "COORDINATOR_MAIL_FROM must be set" in result.output
