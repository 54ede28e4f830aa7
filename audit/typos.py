"""Suspect words in website text, from ru and en frequency dictionaries; people confirm typos."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from spellchecker import SpellChecker

WORD_RE = re.compile(r"[A-Za-zА-Яа-яЁё]+(?:[-'’][A-Za-zА-Яа-яЁё]+)*")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
MAX_TEXT = 20_000
SENTENCE_END = re.compile(r"[.!?…]\s*$")
# words a website uses that general dictionaries lack
KNOWN = frozenset({"wi-fi", "e-mail", "email", "online", "онлайн", "whatsapp", "telegram", "viber",
                   "vk", "wifi", "sms", "смс", "ок", "ok"})

_lock = threading.Lock()


@lru_cache(maxsize=2)
def _checker(lang: str) -> Any:
    with _lock:
        return SpellChecker(language=lang)


@dataclass(frozen=True)
class Suspect:
    word: str
    suggestion: str | None


def suspect_words(text: str) -> list[Suspect]:
    """Words neither dictionary knows, first occurrence order, with a likely correction.

    Capitalised words inside a sentence are skipped (names of streets and brands are not
    typos), and so are words shorter than 3 letters; the shopper confirms the real typos.
    """
    text = text[:MAX_TEXT]
    seen: set[str] = set()
    out: list[Suspect] = []
    for match in WORD_RE.finditer(text):
        word = match.group(0)
        low = word.lower().replace("’", "'")
        if low in seen or len(low) < 3 or low in KNOWN:
            continue
        before = text[: match.start()]
        starts_sentence = not before.strip() or bool(SENTENCE_END.search(before))
        if word[0].isupper() and not starts_sentence:
            continue
        seen.add(low)
        checker = _checker("ru" if CYRILLIC.search(low) else "en")
        parts = [p for p in re.split(r"[-']", low) if p]
        if all(p in checker for p in parts):
            continue
        suggestion = checker.correction(low) if len(parts) == 1 else None
        out.append(Suspect(word=word, suggestion=suggestion if suggestion != low else None))
    return out
