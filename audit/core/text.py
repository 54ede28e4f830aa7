"""Control characters in text: which ones a field holds, and one line made safe for a header."""

from __future__ import annotations

import unicodedata

# Cc (C0, DEL, C1 — NEL among them) and the Unicode line and paragraph separators: each can end a
# line somewhere (a mail header, a CSV cell, a terminal), so none belongs in a one-line field.
_BREAKING = frozenset({"Cc", "Zl", "Zp"})


def control_chars(text: str, *, allowed: str = "") -> list[str]:
    """The distinct control characters and line breaks in `text` (except `allowed`), as U+XXXX."""
    found: dict[str, None] = {}
    for ch in text:
        if ch not in allowed and unicodedata.category(ch) in _BREAKING:
            found[f"U+{ord(ch):04X}"] = None
    return list(found)


def one_line(text: str) -> str:
    """`text` on one line: every control character and line break becomes a space, runs collapsed."""
    cleaned = "".join(" " if unicodedata.category(ch) in _BREAKING else ch for ch in text)
    return " ".join(cleaned.split())
