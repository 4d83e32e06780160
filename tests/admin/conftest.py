"""Admin fixtures: the loopback SMTP server and the outbox message factory from tests/mail."""

from tests.invites.conftest import make_smtp_server, smtp_server, use_smtp  # noqa: F401
from tests.mail.conftest import queue  # noqa: F401
