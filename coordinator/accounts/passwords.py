"""Passwords: the rule every new password meets, and hashing with Argon2id."""

from __future__ import annotations

import string
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_LENGTH = 12
MAX_LENGTH = 1000
#: Characters people put around a common word to pass rules ("Password123!", "!!monkey2024").
_DECORATION = string.digits + string.punctuation + string.whitespace


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower case), read once per process."""
    text = resources.files("coordinator.accounts").joinpath("common_passwords.txt").read_text(
        encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def problem(password: str) -> str | None:
    """Why ``password`` may not be used, or None when it meets the rule: at least 12
    characters, not a common password, nor a common password with digits or symbols added."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    core = lowered.strip(_DECORATION)
    if lowered in common_passwords() or core in common_passwords():
        return "This is one of the most common passwords; choose one that is harder to guess."
    if len(set(lowered)) < 4 or not core:
        return "This password is too easy to guess; mix more different characters or words."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
