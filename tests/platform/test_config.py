"""Configuration: defaults, then instance/config.py, then COORDINATOR_* environment."""

from __future__ import annotations

import pytest
from flask import Flask

from coordinator import config


def _app(tmp_path) -> Flask:
    return Flask("probe", instance_path=str(tmp_path), instance_relative_config=True)


def test_environment_overrides_defaults_with_typed_values(tmp_path, monkeypatch):
    monkeypatch.setenv("COORDINATOR_SMTP_PORT", "2525")
    monkeypatch.setenv("COORDINATOR_SMTP_STARTTLS", "true")
    monkeypatch.setenv("COORDINATOR_BASE_URL", "https://jobs.example.com/")
    app = _app(tmp_path)
    config.load(app)
    assert app.config["SMTP_PORT"] == 2525
    assert app.config["SMTP_STARTTLS"] is True
    assert app.config["BASE_URL"] == "https://jobs.example.com"


@pytest.mark.parametrize(("name", "value"), [("COORDINATOR_SMTP_STARTTLS", "maybe"),
                                             ("COORDINATOR_SMTP_PORT", "twenty-five")])
def test_a_bad_environment_value_is_a_clear_configuration_error(tmp_path, monkeypatch, name,
                                                                value):
    monkeypatch.setenv(name, value)
    with pytest.raises(config.ConfigurationError, match=name.removeprefix("COORDINATOR_")):
        config.load(_app(tmp_path))


def test_a_plain_postgresql_url_uses_psycopg_3(tmp_path, monkeypatch):
    monkeypatch.setenv("COORDINATOR_DATABASE_URL", "postgresql://app@db.internal/coordinator")
    app = _app(tmp_path)
    config.load(app)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://app@db.internal/coordinator")


def test_instance_config_file_sits_between_defaults_and_environment(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('MAIL_FROM = "hr@acme.example"\nSMTP_HOST = "relay"\n')
    monkeypatch.setenv("COORDINATOR_SMTP_HOST", "smtp.acme.example")
    app = _app(tmp_path)
    config.load(app)
    assert app.config["MAIL_FROM"] == "hr@acme.example"
    assert app.config["SMTP_HOST"] == "smtp.acme.example"


def test_without_a_secret_key_one_is_made_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("COORDINATOR_SECRET_KEY", raising=False)
    first, second = _app(tmp_path), _app(tmp_path)
    config.load(first)
    config.load(second)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 40
