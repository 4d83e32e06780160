"""The password rule: at least 12 characters and not a common password, wherever one is set."""

from __future__ import annotations

import pytest

from coordinator.accounts import operations, passwords
from coordinator.accounts.models import Role
from coordinator.demo import DEMO_PASSWORD
from coordinator.errors import RuleViolation
from tests.factories import PASSWORD


@pytest.mark.parametrize("password", [DEMO_PASSWORD, PASSWORD, "browser-password-1",
                                      "  spaced secret  ", "a-fresh-and-long-passphrase"])
def test_demo_and_test_passwords_meet_the_rule(password):
    assert passwords.problem(password) is None


def test_eleven_characters_are_too_few():
    assert passwords.problem("x7#kP2!mQ9z") == "Use at least 12 characters."


@pytest.mark.parametrize("password", ["qwerty123456", "1q2w3e4r5t6y", "QAZWSXEDCRFV",
                                      "123456789123"])
def test_common_password_of_twelve_or_more_characters_is_refused(password):
    assert "most common passwords" in passwords.problem(password)


@pytest.mark.parametrize("password", ["Password1234!", "!!monkey2024!!", "iloveyou123456",
                                      "  dragon 2025  "])
def test_common_password_with_digits_or_symbols_around_it_is_refused(password):
    assert "most common passwords" in passwords.problem(password)


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "abababababab", "2024-12-05!!!"])
def test_repetitive_or_word_free_password_is_refused(password):
    assert passwords.problem(password) is not None


def test_shipped_list_has_thousands_of_entries_with_hundreds_of_twelve_or_more():
    common = passwords.common_passwords()
    assert len(common) > 4000
    assert sum(len(p) >= 12 for p in common) >= 150
    assert all(p == p.lower() and p.strip() == p for p in common)


def test_list_is_read_once():
    assert passwords.common_passwords() is passwords.common_passwords()


def test_create_user_refuses_a_common_password(app):
    with pytest.raises(RuleViolation) as caught:
        operations.create_user(actor=None, email="weak@example.com", name="Weak",
                               roles={Role.interviewer}, password="qwertyuiop123")
    assert caught.value.field == "password"


def test_password_change_refuses_a_common_password(app, make_user):
    user = make_user()
    with pytest.raises(RuleViolation) as caught:
        operations.change_password(user, actor=user, current_password=PASSWORD,
                                   new_password="Password1234!")
    assert caught.value.field == "password"
    assert passwords.verify_password(user.password_hash, PASSWORD)
