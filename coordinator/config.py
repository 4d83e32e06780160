"""Configuration: defaults → instance/config.py → COORDINATOR_* environment → explicit overrides."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

#: Environment names read from the process environment (API.md fixes them).
ENVIRONMENT_KEYS: dict[str, str] = {
    "COORDINATOR_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "COORDINATOR_SECRET_KEY": "SECRET_KEY",
    "COORDINATOR_BASE_URL": "BASE_URL",
    "COORDINATOR_MAIL_FROM": "MAIL_FROM",
    "COORDINATOR_MAIL_FROM_NAME": "MAIL_FROM_NAME",
    "COORDINATOR_COMPANY_NAME": "COMPANY_NAME",
    "COORDINATOR_SMTP_HOST": "SMTP_HOST",
    "COORDINATOR_SMTP_PORT": "SMTP_PORT",
    "COORDINATOR_SMTP_USER": "SMTP_USER",
    "COORDINATOR_SMTP_PASSWORD": "SMTP_PASSWORD",
    "COORDINATOR_SMTP_STARTTLS": "SMTP_STARTTLS",
    "COORDINATOR_RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "COORDINATOR_SESSION_COOKIE_SECURE": "SESSION_COOKIE_SECURE",
    "COORDINATOR_MAIL_MAX_ATTEMPTS": "MAIL_MAX_ATTEMPTS",
    "COORDINATOR_PORTAL_LINK_DAYS": "PORTAL_LINK_DAYS",
    "COORDINATOR_MAIL_LEASE_SECONDS": "MAIL_LEASE_SECONDS",
    "COORDINATOR_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "WEBHOOK_ALLOW_PRIVATE_NETWORKS",
    "COORDINATOR_WEBHOOK_MAX_ATTEMPTS": "WEBHOOK_MAX_ATTEMPTS",
    "COORDINATOR_API_RATE_LIMIT": "API_RATE_LIMIT",
    "COORDINATOR_MAIL_RECORD_EVERY": "MAIL_RECORD_EVERY",
    "COORDINATOR_LOGIN_RATE_LIMIT": "LOGIN_RATE_LIMIT",
    "COORDINATOR_LOGIN_ACCOUNT_RATE_LIMIT": "LOGIN_ACCOUNT_RATE_LIMIT",
    "COORDINATOR_REMEMBER_DAYS": "REMEMBER_DAYS",
    "COORDINATOR_IMAP_HOST": "IMAP_HOST",
    "COORDINATOR_IMAP_PORT": "IMAP_PORT",
    "COORDINATOR_IMAP_USER": "IMAP_USER",
    "COORDINATOR_IMAP_PASSWORD": "IMAP_PASSWORD",
    "COORDINATOR_IMAP_FOLDER": "IMAP_FOLDER",
    "COORDINATOR_IMAP_SSL": "IMAP_SSL",
    "COORDINATOR_CALENDAR_KEY": "CALENDAR_KEY",
    "COORDINATOR_CALENDAR_ALLOW_PRIVATE_NETWORKS": "CALENDAR_ALLOW_PRIVATE_NETWORKS",
    "COORDINATOR_CALENDAR_SYNC_MINUTES": "CALENDAR_SYNC_MINUTES",
    "COORDINATOR_SELF_RESCHEDULE_HOURS": "SELF_RESCHEDULE_HOURS",
}

BOOLEAN_KEYS = {
    "SMTP_STARTTLS", "SESSION_COOKIE_SECURE", "IMAP_SSL", "CALENDAR_ALLOW_PRIVATE_NETWORKS",
    "WEBHOOK_ALLOW_PRIVATE_NETWORKS",
}
INTEGER_KEYS = {
    "SMTP_PORT", "MAIL_MAX_ATTEMPTS", "PORTAL_LINK_DAYS", "MAIL_LEASE_SECONDS",
    "MAIL_RECORD_EVERY", "REMEMBER_DAYS", "IMAP_PORT", "CALENDAR_SYNC_MINUTES",
    "WEBHOOK_MAX_ATTEMPTS",
    "SELF_RESCHEDULE_HOURS",
}


class ConfigurationError(RuntimeError):
    """The configuration cannot work (a bad value in the environment or instance config)."""


def defaults(instance_path: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(instance_path) / 'coordinator.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BASE_URL": "http://127.0.0.1:5000",
        "MAIL_FROM": "recruiting@coordinator.example",
        "MAIL_FROM_NAME": "Interview Coordinator",
        # The employer candidates hear from; empty means the domain of MAIL_FROM.
        "COMPANY_NAME": "",
        "MAIL_DIR": str(Path(instance_path) / "mail"),
        "SMTP_HOST": "",
        "SMTP_PORT": 25,
        "SMTP_USER": "",
        "SMTP_PASSWORD": "",
        "SMTP_STARTTLS": False,
        "MAIL_MAX_ATTEMPTS": 8,
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": False,
        "WEBHOOK_MAX_ATTEMPTS": 8,
        # The mailbox replies to invites arrive in (poll-mailbox); no host: not polled.
        "IMAP_HOST": "",
        "IMAP_PORT": 0,  # 0: 993 with SSL, 143 without
        "IMAP_USER": "",
        "IMAP_PASSWORD": "",
        "IMAP_FOLDER": "INBOX",
        "IMAP_SSL": True,
        # A worker's claim on a message; after a crash the message is retried when it runs out.
        "MAIL_LEASE_SECONDS": 120,
        "PORTAL_LINK_DAYS": 45,
        # Calendar sources: the key that encrypts their passwords (empty: derived from
        # SECRET_KEY), whether they may live on loopback/private networks, how often to sync.
        "CALENDAR_KEY": "",
        "CALENDAR_ALLOW_PRIVATE_NETWORKS": False,
        "CALENDAR_SYNC_MINUTES": 15,
        # A candidate may move a time they booked themselves until this many hours before it
        # (the default of each self-scheduling offer; the recruiter may set another per offer).
        "SELF_RESCHEDULE_HOURS": 24,
        # Session and CSRF lifetimes allow an hour (and more) of writing an assessment.
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # "Keep me signed in" lasts this many days (the server ends the session then too).
        "REMEMBER_DAYS": 14,
        # limits' memory storage without a timer thread per request (coordinator.extensions)
        "RATELIMIT_STORAGE_URI": "coordinator-memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Failed sign-ins only: per address (high, as many people may share one proxy), and per
        # account whatever the address (so that many addresses cannot guess one password).
        "LOGIN_RATE_LIMIT": "30 per minute;200 per hour",
        "LOGIN_ACCOUNT_RATE_LIMIT": "10 per 15 minutes",
        "API_RATE_LIMIT": "600 per minute",
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        "PER_PAGE": 50,
    }


def _coerce(key: str, value: str) -> Any:
    if key in BOOLEAN_KEYS:
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigurationError(f"{key} must be true or false, not {value!r}")
    if key in INTEGER_KEYS:
        try:
            return int(value)
        except ValueError as err:
            raise ConfigurationError(f"{key} must be a whole number, not {value!r}") from err
    return value


def _secret_key(instance_path: str) -> str:
    """A development secret kept in the instance folder, so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` in precedence order."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    for env_name, key in ENVIRONMENT_KEYS.items():
        if env_name in os.environ:
            app.config[key] = _coerce(key, os.environ[env_name])
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; a plain postgresql:// URL means it.
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    if int(app.config["REMEMBER_DAYS"]) < 1:
        raise ConfigurationError("REMEMBER_DAYS must be at least 1")
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=int(app.config["REMEMBER_DAYS"]))
    # The remember-me cookie is a credential too: Secure whenever the session cookie is.
    app.config["REMEMBER_COOKIE_SECURE"] = bool(app.config.get("REMEMBER_COOKIE_SECURE")
                                                or app.config["SESSION_COOKIE_SECURE"])
