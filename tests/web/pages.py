"""Reading rendered pages in tests: a field's error message, whether it is marked invalid."""

from __future__ import annotations

import html
import re
from typing import Any


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def field_error(page: str, field_id: str) -> str:
    """The error message shown under a field (empty when there is none)."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.S)
    return html.unescape(match.group(1)).strip() if match else ""


def is_marked_invalid(page: str, field_id: str) -> bool:
    """Whether the field's control carries ``aria-invalid="true"``."""
    match = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    return bool(match) and 'aria-invalid="true"' in match.group(0)


def value_of(page: str, field_id: str) -> str | None:
    """The value an input shows (its ``value`` attribute), or None without one."""
    match = re.search(rf'<input[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    if not match:
        return None
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else None
