"""Hostile and foreign texts for the typo checks; imports nothing of the tests' set-up, so a
benchmark can use them without the tests' cheap password hashing coming along."""

from __future__ import annotations

import random
import string

GERMAN = ("Die Öffnungszeiten unserer Filiale sind montags bis freitags von neun bis achtzehn Uhr. "
          "Bitte vereinbaren Sie einen Termin für eine persönliche Beratung zu Krediten und Konten. "
          "Unsere Mitarbeiter helfen Ihnen gerne weiter und beantworten alle Fragen.")


def random_latin(chars: int, seed: int = 7) -> str:
    """Random Latin "words" of 3 to 12 letters: the paste that took 192 s of CPU."""
    rng = random.Random(seed)
    words: list[str] = []
    while len(" ".join(words)) < chars:
        words.append("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 12))))
    return " ".join(words)[:chars]
