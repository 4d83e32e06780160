"""Admin fixtures: the loopback SMTP server, the outbox message factory, the OpenAPI document."""

from tests.api.conftest import openapi_document  # noqa: F401
from tests.invites.conftest import make_smtp_server, smtp_server, use_smtp  # noqa: F401
from tests.mail.conftest import queue  # noqa: F401
