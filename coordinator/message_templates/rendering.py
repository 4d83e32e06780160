"""The placeholder syntax and its rendering: ``{name}`` stands for a value, ``{{`` and ``}}``
for literal braces; nothing else is interpreted (no expressions, attributes or filters), so a
recruiter's wording cannot run anything. The HTML part is built from the text, escaped."""

from __future__ import annotations

import re
from collections.abc import Mapping

from markupsafe import Markup, escape

from coordinator.message_templates.catalogue import MessageKind

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}|[{}]")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_URL = re.compile(r"https?://[^\s<>\"']+")
_URL_TRAILING = ".,;:!?)]"
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")


def problems(text: str, kind: MessageKind, *, subject: bool = False) -> list[str]:
    """What is wrong with the placeholders in ``text``, each said once (empty when none)."""
    found: list[str] = []

    def say(message: str) -> None:
        if message not in found:
            found.append(message)

    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            say(f"A lone “{token}”: a placeholder is a name in braces, like {{candidate_name}}; "
                f"write “{token * 2}” for a brace itself.")
        elif not _NAME.fullmatch(name):
            say(f"“{token}” is not a placeholder: use a name in lower case with underscores, "
                f"like {{candidate_name}}.")
        elif (placeholder := kind.placeholder(name)) is None:
            say(f"Unknown placeholder {{{name}}}. This message can use: "
                + ", ".join("{" + p.name + "}" for p in kind.placeholders) + ".")
        elif subject and placeholder.multi_line:
            say(f"{{{name}}} has several lines and can be used in the body only.")
    return found


def substitute(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each placeholder replaced by its value (unknown ones by nothing)."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        if name is None or not _NAME.fullmatch(name):
            return token
        return values.get(name, "")

    return _TOKEN.sub(replace, text)


def render_body(text: str, values: Mapping[str, str]) -> str:
    """The plain-text body: placeholders filled, runs of blank lines (left by empty values)
    made one."""
    filled = substitute(text, values).replace("\r\n", "\n")
    return _BLANK_LINES.sub("\n\n", filled).strip("\n") + "\n"


def render_subject(text: str, values: Mapping[str, str]) -> str:
    return " ".join(substitute(text, values).split())


def html_paragraphs(text: str) -> Markup:
    """What ``text`` says as HTML: every character escaped, paragraphs at blank lines, line
    breaks kept, web addresses made links."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text.strip("\n")) if p.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(
            Markup("<br>\n").join(_linked(line) for line in paragraph.split("\n")))
        for paragraph in paragraphs)


def html_from_text(text: str, title: str) -> str:
    """An HTML part (a whole document) saying what ``text`` says (:func:`html_paragraphs`)."""
    body = html_paragraphs(text)
    return ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>'
            f"{escape(title)}</title></head>\n"
            '<body style="font-family: sans-serif; line-height: 1.5; color: #1d2330;">\n'
            f"{body}\n</body></html>\n")


def _linked(line: str) -> Markup:
    out = Markup("")
    position = 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_URL_TRAILING)
        out += escape(line[position:match.start()])
        out += Markup('<a href="{0}">{0}</a>').format(url)
        position = match.start() + len(url)
    return out + escape(line[position:])
