"""A real HTTP receiver on loopback, and a webhook endpoint registered for it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask

from coordinator.accounts.models import User
from coordinator.db import db
from coordinator.webhooks import operations
from coordinator.webhooks.delivery import DeliveryReport, deliver_due
from coordinator.webhooks.models import EVENTS, WebhookEndpoint

SECRET = "receiver-secret-0123456789"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next status in ``statuses`` (then 200), after ``delay`` s."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(dict(self.headers.items()), body))
            if state.delay:
                time.sleep(state.delay)
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/coordinator"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def allow_private(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", True)


@pytest.fixture
def register(admin: User, receiver: Receiver,
             allow_private: None) -> Callable[..., WebhookEndpoint]:
    def do(events: tuple[str, ...] = EVENTS, url: str | None = None) -> WebhookEndpoint:
        endpoint = operations.create_endpoint(actor=admin, url=url or receiver.url,
                                              events=list(events), secret=SECRET)
        db.session.commit()
        return endpoint

    return do


@pytest.fixture
def deliver() -> Callable[..., DeliveryReport]:
    def do(**kwargs: Any) -> DeliveryReport:
        kwargs.setdefault("allow_private", True)
        kwargs.setdefault("max_attempts", 3)
        return deliver_due(**kwargs)

    return do
