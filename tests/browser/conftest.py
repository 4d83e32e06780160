"""Browser journeys: the real app served on loopback, driven by Debian's Chromium via Playwright.

The tests skip, saying why, where Chromium or Playwright is missing; `.ci/run` installs both
(apt `chromium`, pip `playwright`, npm `axe-core` into tests/browser/node_modules). Each journey
saves a screenshot per step under test-output/browser/<test>/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from coordinator.db import db
from tests.conftest import PG_URL, _pg_url, make_app, scratch_database, worker_id

CHROMIUM = os.environ.get("COORDINATOR_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]


def _skip_reason() -> str | None:
    if sync_playwright is None:
        return "Playwright is not installed (pip install playwright)"
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _skip_reason()
    wanted = any("tests/browser" in str(i.fspath).replace(os.sep, "/") for i in items)
    if reason and wanted and os.environ.get("COORDINATOR_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"browser journeys must run here, but {reason}")
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(self, app: Any, port: int) -> None:
        self.app = app
        self.url = f"http://127.0.0.1:{port}"
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The whole app on a free loopback port with its own database and CSRF switched on."""
    if _skip_reason():
        pytest.skip(_skip_reason() or "")
    from flask_migrate import upgrade

    folder = tmp_path_factory.mktemp("live")
    if PG_URL:
        url = scratch_database(f"{_pg_url(PG_URL).database}_browser_{worker_id()}")
    else:
        url = f"sqlite:///{folder / 'live.sqlite3'}"
    port = _free_port()
    app = make_app(url, folder, WTF_CSRF_ENABLED=True, TESTING=False,
                   BASE_URL=f"http://127.0.0.1:{port}")
    with app.app_context():
        upgrade()
    server = LiveServer(app, port)
    server.start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Journey:
    """A page plus numbered screenshots under test-output/browser/<test>/."""

    def __init__(self, page: Page, name: str) -> None:
        self.page = page
        self.folder = OUTPUT / re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.step = 0

    def shot(self, label: str) -> Path:
        self.step += 1
        path = self.folder / f"{self.step:02d}-{re.sub(r'[^a-z0-9]+', '-', label.lower())}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def axe(self) -> list[dict[str, Any]]:
        """Serious and critical accessibility violations on the current page (axe-core)."""
        if not AXE.exists():
            pytest.skip(f"axe-core is not installed at {AXE} (npm install in tests/browser)")
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate("async () => await axe.run(document)")
        return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def _journey(browser: Browser, request: pytest.FixtureRequest, **context: Any
             ) -> Iterator[Journey]:
    # axe-core is injected as an inline script; the app's CSP (script-src 'self') would block it.
    ctx = browser.new_context(bypass_csp=True, **context)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield Journey(page, request.node.name)
    finally:
        ctx.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def journey(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Journey]:
    yield from _journey(browser, request, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Journey]:
    """A phone-sized viewport (iPhone 12-like), with touch."""
    yield from _journey(browser, request, viewport={"width": 390, "height": 844},
                        device_scale_factor=2, is_mobile=True, has_touch=True,
                        accept_downloads=True)


@pytest.fixture
def in_live_app(live_server: LiveServer) -> Iterator[Any]:
    """An app context on the live server's database, to build scenarios (commits for real)."""
    with live_server.app.app_context():
        yield live_server.app
        db.session.remove()
