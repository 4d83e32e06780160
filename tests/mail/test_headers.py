"""Headers that parse: ``To:`` (and ``From:``, ``Reply-To:``) with any display name is exactly one
address to Python's modern email parser and to ``email.utils.getaddresses`` (the RFC 2047
decoder every mail client implements); ``Subject:`` is valid RFC 2047 and decodes exactly.

CPython's own folder drops the quotes of a long quoted display name (gh-80222): a name with a
comma then reads as two addresses. These tests fail on a composer that leaves folding to it.
"""

from __future__ import annotations

import email
import re
from email.header import decode_header, make_header
from email.policy import default as default_policy
from email.utils import getaddresses

import pytest

from coordinator.mail import messages

NAMES = [
    'Dara "D" O\'Neill, Jr.; Ph.D',
    "Very Long Name, With A Comma In The Middle Of It And More Words To Force Folding",
    "Okonkwo-Abernathy, Maximilian Theodore Alexander Christopherson-Wolfeschlegel III",
    'Backslash \\ and "quoted, comma" ' * 4 + "end",
    "Zoë Ångström, Überlänge Straße Großmann Müller-Lüdenscheidt Ökonomie Abteilung",
    "عربي, עברית, right-to-left",
    "🙂 Emoji, 😀 names",
    "=?utf-8?q?not_an_encoded_word?= Smith",
    "<angle> @ at, (comment) [bracket]: colon",
    "x" * 200,
]

SUBJECTS = [
    'Interview: R&D Lead, "Core"; Platform — Team; round, one',
    "Updated: Interview with Zoë Ångström — 张伟 张伟 and more words after it",
    "Cancelled: " + "ü" * 90 + " end",
    "Reminder: 🙂 " * 12,
    "Mixed عربي and English words, then עברית and more English",
    "Spaces  kept   between words",
    "Looks like =?utf-8?q?an_encoded_word?= but is not",
]


def header_value(raw: bytes, name: str) -> str:
    """A header's raw value, unfolded, from the composed bytes."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    match = re.search(rf"^{name}:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head, re.MULTILINE)
    assert match is not None, name
    return re.sub(r"\r\n(?=[ \t])", "", match.group(1)).strip()


def compose(name: str = "Rene", subject: str = "Hello", reply_to: str = "") -> bytes:
    return messages.compose(
        sender=messages.address("recruiting@coordinator.test", name),
        recipient=messages.address("someone@example.com", name),
        reply_to=messages.address("rita@coordinator.test", reply_to) if reply_to else None,
        subject=subject, text="Hello.", html="<p>Hello.</p>", domain="coordinator.test",
    ).raw


def lines_fit(raw: bytes) -> None:
    """Address and subject lines fold at 78 octets, except a word too long to break."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    for field in re.split(r"\r\n(?![ \t])", head):
        if field.split(":", 1)[0] in {"To", "From", "Reply-To", "Subject"}:
            for line in field.split("\r\n"):
                words = line.split(":", 1)[1] if line[:1] not in " \t" else line
                assert len(line) <= 78 or " " not in words.strip(), line


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("header", ["To", "From", "Reply-To"])
def test_an_address_header_with_any_display_name_is_exactly_one_address(name, header):
    raw = compose(name=name, reply_to=name)
    lines_fit(raw)
    expected = " ".join(name.split())

    modern = email.message_from_bytes(raw, policy=default_policy)[header]
    assert len(modern.addresses) == 1 and modern.defects == ()
    assert modern.addresses[0].addr_spec in {
        "someone@example.com", "recruiting@coordinator.test", "rita@coordinator.test"}
    [(display_name, addr_spec)] = getaddresses([header_value(raw, header)])
    assert addr_spec == modern.addresses[0].addr_spec
    # RFC 2047 decoding (what mail clients do) gives the name back exactly…
    assert str(make_header(decode_header(display_name))) == expected
    # …and CPython's own parser too, except that it adds a space where one long run of
    # non-ASCII text had to be split into several encoded words.
    if expected.isascii():
        assert modern.addresses[0].display_name == expected
    else:
        assert modern.addresses[0].display_name.replace(" ", "") == expected.replace(" ", "")


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_subject_is_valid_rfc_2047_and_decodes_exactly(subject):
    raw = compose(subject=subject)
    lines_fit(raw)
    value = header_value(raw, "Subject")

    words = re.findall(r"=\?([^?]*)\?([bBqQ])\?([^?]*)\?=", value)
    for charset, _encoding, text in words:
        assert charset.lower() == "utf-8"
        assert text, "no empty encoded words"
    for word in re.findall(r"=\?[^?]*\?[bBqQ]\?[^?]*\?=", value):
        assert len(word) <= 75, "RFC 2047 §2: an encoded word is at most 75 characters"
    expected = subject.strip()
    assert str(make_header(decode_header(value))) == expected
    assert str(email.message_from_bytes(raw, policy=default_policy)["Subject"]) == expected


@pytest.mark.parametrize("text", [
    "Line\r\nBcc: everyone@example.com", "Tab\tand\x00nul", "Escape \x1b[31m red", "DEL\x7f",
])
def test_control_characters_never_reach_a_header(text):
    raw = compose(name=text, subject=text, reply_to=text)
    head = raw.split(b"\r\n\r\n", 1)[0]

    assert not re.search(rb"[\x00-\x08\x0b-\x1f\x7f]", head.replace(b"\r\n", b""))
    message = email.message_from_bytes(raw, policy=default_policy)
    assert message["Bcc"] is None
    assert len(message["To"].addresses) == 1
