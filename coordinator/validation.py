"""Small input rules shared by every door and domain: text, ids, page numbers."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from coordinator.errors import MalformedInput, RuleViolation

#: Ids are 32-bit integers on PostgreSQL; a larger number cannot name anything.
MAX_ID = 2**31 - 1

#: Pages beyond this are refused as absurd (the offset would overflow the database's integers).
MAX_PAGE = 100_000

#: How far ahead interviews, availability and suggestion ranges may reach: two years.
MAX_AHEAD = timedelta(days=731)

#: Characters no text field takes: C0 controls but tab and newline (and carriage return, which
#: multi-line text turns into newlines), DEL, C1 controls, lone surrogates (not Unicode at all),
#: the line and paragraph separators, and the bidirectional embedding/override/isolate controls
#: that make a name read differently from what it is.
_REFUSED = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069"
_REFUSED_IN_MULTI_LINE = re.compile(f"[{_REFUSED}]")
_REFUSED_IN_SINGLE_LINE = re.compile(f"[{_REFUSED}\t\n\r]")

_NAMES = {"\t": "a tab", "\n": "a line break", "\r": "a line break", "\x00": "NUL",
          "\x7f": "DEL", "\u2028": "a line separator", "\u2029": "a paragraph separator"}


def normalise_line_breaks(value: str) -> str:
    """``\\r\\n`` and lone ``\\r`` (as browsers and Windows send them) become ``\\n``."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def refused_character(value: str, multi_line: bool = False) -> str | None:
    """Why ``value`` cannot be stored as text (a message naming the character), or None.

    Single-line text (names, titles, emails, locations, addresses) takes no tab or line break;
    multi-line text (notes, bios, reasons) takes tabs and line breaks.
    """
    pattern = _REFUSED_IN_MULTI_LINE if multi_line else _REFUSED_IN_SINGLE_LINE
    found = pattern.search(normalise_line_breaks(value) if multi_line else value)
    if found is None:
        return None
    char = found.group()
    kind = ("the unpaired surrogate" if "\ud800" <= char <= "\udfff"
            else "the text direction control" if char >= "\u202a" else "the control character")
    name = _NAMES.get(char, f"{kind} U+{ord(char):04X}")
    where = "" if multi_line or char not in "\t\n\r" else " (this field is a single line)"
    return f"Remove {name}{where}: it cannot be part of this text."


def check_characters(field: str, value: str, multi_line: bool = False) -> None:
    """RuleViolation on ``field`` when ``value`` holds a character no text field takes."""
    message = refused_character(value, multi_line)
    if message is not None:
        raise RuleViolation(field, message)


def text(field: str, value: str | None, max_length: int, required: bool = False,
         multi_line: bool = False) -> str:
    """Trimmed text of at most ``max_length`` characters (and not empty when ``required``), with
    no character :func:`refused_character` refuses (line breaks only when ``multi_line``)."""
    value = (value or "").strip()
    if multi_line:
        value = normalise_line_breaks(value)
    check_characters(field, value, multi_line)
    if required and not value:
        raise RuleViolation(field, "This field is required.")
    if len(value) > max_length:
        raise RuleViolation(field, f"At most {max_length} characters.")
    return value


def page_parameter(name: str, raw: str | None, default: int, maximum: int) -> int:
    """A page number or page size from the query string (``default`` when absent).

    Anything but a whole number from 1 to ``maximum`` (``1e20``, ``abc``, ``0``, empty) is a
    malformed request: a 400 naming the parameter, never a silent first page or a 500.
    """
    if raw is None:
        return default
    value = raw.strip()
    if not (value.isascii() and value.isdigit() and len(value) <= len(str(maximum))
            and 1 <= int(value) <= maximum):
        raise MalformedInput(name, f"“{name}” must be a whole number from 1 to {maximum}.")
    return int(value)


def horizon(now: datetime) -> datetime:
    """The latest instant anything may be booked or offered for, seen from ``now``."""
    return now + MAX_AHEAD


def check_not_too_far_ahead(field: str, instant: datetime, now: datetime) -> None:
    """RuleViolation on ``field`` when ``instant`` lies more than two years after ``now``."""
    if instant > horizon(now):
        raise RuleViolation(field, f"At most two years ahead (until {horizon(now):%Y-%m-%d}).")
