"""Text and numbers as people type them, made safe once: at the request boundary (every form field, URL
parameter and API field, see portal/http.py) and again in every renderer for text already stored.

- NUL is refused (PostgreSQL text cannot hold it); other C0 controls (and DEL, U+FFFE/U+FFFF, which XML
  forbids) are removed; tab and newline stay; CRLF and lone CR become LF.
- Whole numbers are ASCII digits only: ``"²".isdigit()`` is True and ``int("١٢")`` is 12.
"""
from __future__ import annotations

import re

#: Removed from input: C0 controls except tab, LF and CR (CR is handled apart), DEL, and U+FFFE/U+FFFF.
_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
#: Not allowed anywhere in an XML 1.0 document (surrogates included, for text that never passed clean()).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ASCII_INT = re.compile(r"[0-9]{1,18}")
#: A spreadsheet treats a cell starting with these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(value: str) -> str:
    """Input text without control characters (NUL is the caller's to refuse first)."""
    if value.isprintable():          # the common case, fast: no controls at all
        return value
    return _CONTROLS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def has_nul(value: str) -> bool:
    return "\x00" in value


def xml_safe(value: str) -> str:
    """Text that can go into an XML (or Atom) document, whatever was stored."""
    return _NOT_XML.sub("", value)


def csv_safe(value):
    """A CSV cell that no spreadsheet runs as a formula, without control characters."""
    if not isinstance(value, str):
        return value
    value = xml_safe(value.replace("\x00", ""))
    return "'" + value if value.startswith(_FORMULA_START) else value


def ascii_int(text, low: int | None = None, high: int | None = None) -> int | None:
    """A whole number written in ASCII digits (optionally within [low, high]), else None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not _ASCII_INT.fullmatch(text):
        return None
    number = int(text)
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number
