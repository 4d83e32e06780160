"""Secrets kept at rest: Fernet tokens (``cryptography``) under a key from configuration.

One key configuration serves every stored secret: ``CALENDAR_KEY`` or, when it is empty,
``SECRET_KEY``. Each kind of secret derives its own Fernet key from it (SHA-256 of a purpose
label and the configured text), so a token of one kind never opens as another. Changing the
configured key makes stored tokens unreadable (:class:`InvalidToken`); callers say "enter it
again" rather than fail.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

__all__ = ["InvalidToken", "decrypt", "encrypt", "fernet_for"]


def fernet_for(purpose: str, configured: str) -> Fernet:
    """The Fernet key for ``purpose`` derived from the configured key text."""
    digest = hashlib.sha256(f"coordinator {purpose}\0".encode() + configured.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _cipher(purpose: str) -> Fernet:
    config = current_app.config
    return fernet_for(purpose, str(config.get("CALENDAR_KEY") or config["SECRET_KEY"]))


def encrypt(text: str, purpose: str) -> str:
    return _cipher(purpose).encrypt(text.encode()).decode()


def decrypt(token: str, purpose: str) -> str:
    """The plain text; :class:`InvalidToken` when the key changed or the token is damaged."""
    return _cipher(purpose).decrypt(token.encode()).decode()
