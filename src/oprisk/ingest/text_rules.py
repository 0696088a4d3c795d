"""What a text cell must be to be stored: text (no NUL, no unpaired surrogate), short enough for its
column, and, for an id, free of invisible characters.

A NUL or a lone surrogate (from a JSON ``\\u0000`` or ``\\ud800`` escape) cannot be stored as text
by PostgreSQL or serialised as JSON; an id with a byte-order mark inside (``\\ufeffINC-1``, from
files concatenated with their BOMs) would silently make a second event. Invisible characters at
the edges of a cell are trimmed like spaces; inside an id they are refused.
"""

from __future__ import annotations

import re

__all__ = ["ID_FIELDS", "MAX_LENGTHS", "clean_text", "id_problem", "text_problem"]

#: fields whose value identifies something: an invisible character in them is an error
ID_FIELDS = frozenset({"external_id", "line_id", "root_external_id", "exclusion_reference"})
#: the width of the columns these fields are stored in (``VARCHAR(200)``)
MAX_LENGTHS = {
    "external_id": 200,
    "line_id": 200,
    "root_external_id": 200,
    "exclusion_reference": 200,
    "legal_entity": 200,
    "org_unit": 200,
}
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00ad"
_NAMES = {0xFEFF: "a byte-order mark", 0x200B: "a zero-width space", 0x00AD: "a soft hyphen"}


def clean_text(raw: str) -> str:
    """A cell's text with spaces and invisible characters trimmed from both ends."""
    s = raw.strip()
    if s and (s[0] in _INVISIBLE or s[-1] in _INVISIBLE):
        s = s.strip(_INVISIBLE).strip()
    return s


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored as text (a NUL, an unpaired surrogate), or ``None``."""
    if text.isascii() and "\x00" not in text:
        return None
    m = _NOT_TEXT.search(text)
    if m is None:
        return None
    if m.group() == "\x00":
        return "contains a NUL character (U+0000), which is not text"
    return f"contains an unpaired surrogate (U+{ord(m.group()):04X}), which is not text"


def id_problem(name: str, text: str) -> str | None:
    """Why ``text`` cannot be the value of ``name`` (too long, an invisible character), or ``None``."""
    limit = MAX_LENGTHS.get(name)
    if limit is None:
        return None
    if len(text) > limit:
        return f"is {len(text):,} characters long; at most {limit}"
    if name in ID_FIELDS and not text.isprintable():
        for ch in text:
            if not ch.isprintable() and ch not in " ":
                what = _NAMES.get(ord(ch), "an invisible or control character")
                return f"contains {what} (U+{ord(ch):04X}); remove it"
    return None
