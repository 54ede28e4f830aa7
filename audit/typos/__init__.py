"""Suspect words in website text (Russian with its inflections, English word forms).

`suspect_words` is the public name other tools import from `audit.typos`.
"""

from audit.typos.check import suspect_words

__all__ = ["suspect_words"]
