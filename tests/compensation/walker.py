"""Walk every readable URL of the app and collect what it answers, to look for leaked figures.

The walker discovers its URLs itself, so it keeps covering what others add:

* every ``GET`` rule in ``app.url_map`` (pages, ``.csv`` exports, ``.ics`` files, the portal,
  calendar feeds, and the API's rules too);
* every ``GET`` operation of the OpenAPI document (with its required query parameters);
* every message in the outbox, as raw bytes and as decoded MIME parts.

Path parameters are filled by name, never by route:

1. ``values`` given by the test (``candidacy_id``, ``job_id``, ``token``, ...);
2. an ``any(...)`` converter's items;
3. an ``int`` parameter ``<thing>_id`` with the ids of the table holding ``<thing>`` rows
   (a model named ``Thing``, a table ``things`` or ``..._things``): every row the scenario made.

What it cannot fill it skips and reports in ``Walk.skipped`` (today: only ``static``, whose
``<path:filename>`` names asset files). It does not send POST, PUT, PATCH or DELETE (a refused
form re-shows only what its own GET shows), and does not vary query strings beyond the
required ones (filters and page numbers show the same rows the first page does here).
"""

from __future__ import annotations

import email
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from email import policy
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from coordinator.db import db
from coordinator.mail.models import OutboxMessage

#: At most this many URLs per rule (the product of its parameters' values).
MAX_COMBINATIONS = 300
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass
class Answer:
    where: str
    status: int
    text: str


@dataclass
class Walk:
    answers: list[Answer] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def reached(self) -> set[str]:
        return {a.where for a in self.answers if a.status == 200}

    def leaks(self, needles: Iterable[str]) -> list[tuple[str, str]]:
        wanted = list(needles)
        return [(a.where, n) for a in self.answers for n in wanted if n in a.text]

    def server_errors(self) -> list[str]:
        return [f"{a.status} {a.where}" for a in self.answers if a.status >= 500]


# --- amounts as people write them ----------------------------------------------------------------


def spellings(amount: Decimal | str, *, whole: bool = True) -> set[str]:
    """``123457.89`` as it might be shown: 123457.89, 123,457.89, 123.457,89, 123 457,89, and
    with ``whole`` also 123457, 123,457 (and 123458 / 123,458 rounded).

    Whole spellings shorter than five digits are left out: they occur by chance too often.
    """
    value = Decimal(amount)
    grouped = f"{value:,.2f}"
    found = {
        f"{value:.2f}",
        grouped,
        f"{value:.2f}".replace(".", ","),
        grouped.replace(",", "\x00").replace(".", ",").replace("\x00", "."),
        grouped.replace(",", " ").replace(".", ","),
        grouped.replace(",", "\u202f"),
    }
    if whole:
        for number in {int(value), int(value.quantize(Decimal(1)))}:
            if len(str(number)) >= 5:
                found |= {str(number), f"{number:,}"}
    return found


# --- filling parameters --------------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _table_ids(thing: str) -> list[int] | None:
    """Ids of every row of the table that holds ``thing`` rows, or None without such a table."""
    plurals = {f"{thing}s", f"{thing}es", f"{thing[:-1]}ies" if thing.endswith("y") else ""}
    for mapper in db.Model.registry.mappers:
        table = getattr(mapper.class_, "__table__", None)
        if table is None or "id" not in table.c:
            continue
        name = table.name
        if (
            _snake(mapper.class_.__name__) == thing
            or name in plurals
            or any(p and name.endswith("_" + p) for p in plurals)
        ):
            return list(db.session.scalars(sa.select(table.c.id).order_by(table.c.id).limit(50)))
    return None


class Filler:
    """Values for path and query parameters, by name."""

    def __init__(self, values: dict[str, list[Any]]) -> None:
        self.values = values

    def for_name(self, name: str, converter: Any = None) -> list[Any] | None:
        if name in self.values:
            return list(self.values[name])
        if isinstance(converter, AnyConverter):
            return sorted(converter.items)
        integer = converter is None or isinstance(converter, IntegerConverter)
        if integer and name.endswith("_id"):
            return _table_ids(name.removesuffix("_id"))
        return None

    def combinations(self, names: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
        """Every combination of values for these parameters, or the name it cannot fill."""
        choices: dict[str, list[Any]] = {}
        for name, converter in names.items():
            found = self.for_name(name, converter)
            if not found:
                return [], name
            choices[name] = found
        combos = itertools.islice(itertools.product(*choices.values()), MAX_COMBINATIONS)
        return [dict(zip(choices, combo, strict=True)) for combo in combos], None


# --- walking -------------------------------------------------------------------------------------


def page_urls(app: Flask, filler: Filler, walk: Walk) -> Iterator[str]:
    """Every GET rule of the URL map with its parameters filled (API rules included)."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()):
            continue
        names = {name: rule._converters.get(name) for name in rule.arguments}
        combos, missing = filler.combinations(names) if names else ([{}], None)
        if missing:
            walk.skipped[rule.endpoint] = f"no value for <{missing}> in {rule.rule}"
            continue
        for values in combos:
            yield _build(rule, values)


def _build(rule: Rule, values: dict[str, Any]) -> str:
    _domain, path = rule.build(values, append_unknown=False)  # type: ignore[misc]
    return path


def api_urls(document: dict[str, Any], filler: Filler, walk: Walk) -> Iterator[str]:
    """Every GET operation of the OpenAPI document, required query parameters filled."""
    for path, operations in sorted(document["paths"].items()):
        operation = operations.get("get")
        if operation is None:
            continue
        names = {name: None for name in _PLACEHOLDER.findall(path)}
        query = [
            p["name"]
            for p in operation.get("parameters", [])
            if p.get("in") == "query" and p.get("required")
        ]
        combos, missing = filler.combinations({**names, **dict.fromkeys(query)})
        if missing:
            walk.skipped[f"GET {path}"] = f"no value for {missing}"
            continue
        for values in combos:
            url = _PLACEHOLDER.sub(lambda m, v=values: str(v[m.group(1)]), path)
            pairs = [f"{name}={values[name]}" for name in query]
            yield url + ("?" + "&".join(pairs) if pairs else "")


def fetch(
    client: Any,
    urls: Iterable[str],
    walk: Walk,
    headers: dict[str, str] | None = None,
) -> None:
    seen: set[str] = set()
    for url in urls:
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, headers=headers or {})
        walk.answers.append(
            Answer(url, response.status_code, response.get_data().decode("utf-8", "replace"))
        )


def read_outbox(walk: Walk) -> None:
    """Each queued message whole (raw bytes) and each of its parts decoded.

    Values that are random to the eye (MIME boundaries, Message-ID, Content-ID, base64 lines)
    are blanked in the raw text, or they would match an amount's digits by chance now and then;
    base64 parts are read decoded.
    """
    for message in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)):
        where = f"outbox #{message.id} {message.kind} to {message.recipient}"
        raw = bytes(message.raw)
        parsed = email.message_from_bytes(raw, policy=policy.default)
        text = raw.decode("utf-8", "replace")
        for noise in _random_values(parsed):
            text = text.replace(noise, "<random>")
        walk.answers.append(Answer(where, 200, text))
        for part in parsed.walk():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                charset = part.get_content_charset() or "utf-8"
                walk.answers.append(
                    Answer(
                        f"{where} ({part.get_content_type()})",
                        200,
                        payload.decode(charset, "replace"),
                    )
                )


def _random_values(message: Any) -> set[str]:
    found: set[str] = set()
    for part in message.walk():
        boundary = part.get_boundary()
        if boundary:
            found.add(boundary)
        for header in ("Message-ID", "Content-ID"):
            value = part.get(header)
            if value:
                found.add(str(value).strip())
        if not part.is_multipart() and str(part.get("Content-Transfer-Encoding", "")) == "base64":
            # Encoded lines are letters and digits at random; the decoded part is read instead.
            found |= {line for line in part.get_payload().splitlines() if len(line) >= 8}
    return found
