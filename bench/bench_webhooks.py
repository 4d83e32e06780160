"""Webhooks: delivering queued deliveries to a loopback receiver, against raw ``http.client``.

1. ``webhook_deliveries_per_s``: ``deliver_due`` over 300 queued deliveries (claims, leases,
   the address check, HMAC signing, one outcome transaction each) into a local HTTP receiver.
2. ``raw_http_posts_per_s``: the same bodies POSTed with plain ``http.client`` to the same
   receiver, a new connection each, as the worker makes them (the floor).
3. ``webhook_vs_raw_http_ratio``: how much of raw HTTP's speed the durable delivery keeps.

Each figure is the best of several runs (interleaved). Run from the project folder:
``.venv/bin/python bench/bench_webhooks.py`` (or ``make bench``).
"""

from __future__ import annotations

import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import sqlalchemy as sa
from _common import report, scratch_app

from coordinator.accounts import operations as accounts
from coordinator.accounts.models import Role
from coordinator.db import db
from coordinator.webhooks import operations as webhooks
from coordinator.webhooks.delivery import deliver_due
from coordinator.webhooks.models import WebhookDelivery

DELIVERIES = 300
ROUNDS = 3


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_POST(self) -> None:  # http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def queue(endpoint_id: int) -> list[bytes]:
    """Queue DELIVERIES deliveries; their bodies."""
    db.session.execute(sa.delete(WebhookDelivery))
    for n in range(DELIVERIES):
        webhooks.emit("decision.recorded", {"decision_id": n, "candidacy_id": n, "job_id": 1,
                                            "outcome": "advance"})
    db.session.commit()
    return list(db.session.scalars(sa.select(WebhookDelivery.body)))


def raw(port: int, bodies: list[bytes]) -> float:
    started = time.perf_counter()
    for body in bodies:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("POST", "/hook", body=body,
                           headers={"Content-Type": "application/json"})
        connection.getresponse().read()
        connection.close()
    return len(bodies) / (time.perf_counter() - started)


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    with scratch_app() as app, app.app_context():
        app.config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = True
        admin = accounts.create_user(actor=None, email="admin@example.com", name="Admin",
                                     roles={Role.admin}, password=None)
        endpoint = webhooks.create_endpoint(actor=admin, url=f"http://127.0.0.1:{port}/hook",
                                            events=["decision.recorded"], secret="s" * 32)
        db.session.commit()
        ours, floor = [], []
        for _ in range(ROUNDS):
            bodies = queue(endpoint.id)
            floor.append(raw(port, bodies))
            started = time.perf_counter()
            result = deliver_due(allow_private=True, max_attempts=3)
            assert result.delivered == DELIVERIES, result
            ours.append(DELIVERIES / (time.perf_counter() - started))
    server.shutdown()
    best, best_floor = max(ours), max(floor)
    report("webhook_deliveries_per_s", best, "1/s")
    report("raw_http_posts_per_s", best_floor, "1/s")
    report("webhook_vs_raw_http_ratio", best / best_floor, "ratio")


if __name__ == "__main__":
    main()
