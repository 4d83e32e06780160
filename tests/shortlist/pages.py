"""Reading the shortlist page in tests: a row's cells by column."""

from __future__ import annotations

import html
import re
from typing import Any


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def row_html(page: str, candidacy_id: int) -> str:
    match = re.search(rf'<tr id="candidacy-{candidacy_id}">(.*?)</tr>', page, re.S)
    assert match, f"no row for candidacy {candidacy_id}"
    return match.group(1)


def cell(page: str, candidacy_id: int, attribute: str) -> str:
    """The visible text of a row's cell marked ``data-column=`` / ``data-criterion=``."""
    match = re.search(rf"<td[^>]*\b{attribute}[^>]*>(.*?)</td>", row_html(page, candidacy_id), re.S)
    assert match, f"no cell {attribute} for candidacy {candidacy_id}"
    return _plain(match.group(1))


def tally(page: str, candidacy_id: int) -> dict[str, int]:
    row = row_html(page, candidacy_id)
    return {
        name: int(count)
        for name, count in re.findall(r'class="rec rec-(\w+)">.*?</span> (\d+)</span>', row)
    }


def shown_rows(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="candidacy-(\d+)">', page)]
