"""Flask extensions, created unbound and initialised in create_app."""

from __future__ import annotations

import time

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from limits.storage import MemoryStorage

from coordinator.db import db


class SweepingMemoryStorage(MemoryStorage):
    """limits' in-memory storage (``coordinator-memory://``), but expired entries are swept at
    most once a second in the request that finds them due, instead of by a new timer thread
    started on nearly every rate-limited request (a thread per API request was a measurable
    part of its CPU). Counts expire exactly as before: each read checks its own key's expiry."""

    STORAGE_SCHEME = ["coordinator-memory"]
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the thread-starting original
        now = time.monotonic()
        if now >= getattr(self, "_next_sweep", 0.0):
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

__all__ = ["csrf", "db", "limiter", "login_manager", "migrate"]
