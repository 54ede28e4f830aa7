"""Suspect words in website text, Russian with its inflections and English word forms; people confirm.

Russian words are looked up in the OpenCorpora dictionary through pymorphy3, which knows
every inflected form («вкладах», «ответят», «уточняйте»); English words in two word lists
that hold inflected forms and British and American spellings. A word neither knows is a
suspect; a likely correction is one edit away (a letter missing, extra, wrong or two
swapped), never a wider search.

The work is bounded whatever is pasted: a size budget, a word-length cap, a time budget,
and it runs in a small pool of worker processes with a timeout, so one paste cannot hold
the server's interpreter while other people's pages wait.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.resources
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from audit.core import limits

WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")  # letters of any alphabet: café, Öffnung
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LATIN = re.compile(r"[A-Za-z]")
# addresses, e-mails, handles and tags are not prose: blanked out before words are read
NOT_PROSE = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[@#]\w+"
                       r"|\b[\w-]+\.(?:ru|com|рф|org|net|uk)\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?:[.!?…]|^|\n)[\s\"'«»“”()\[\]\d.)•·*-]*$")
MAX_TEXT = limits.TYPO_TEXT_MAX_CHARS
# Words websites use that the dictionaries lack (ru as lemmas: their forms are known through
# pymorphy3's guess of the lemma). Kept short: every entry is a typo the check can no longer see.
KNOWN = frozenset({"wi-fi", "e-mail", "email", "online", "whatsapp", "telegram", "viber", "wifi",
                   "sms", "ok", "cashback", "contactless", "app", "apps", "login", "logins",
                   "smartphone", "smartphones", "checkout", "e-gift"})
KNOWN_RU_LEMMAS = frozenset({"кэшбэк", "кешбэк", "кешбек", "самовывоз", "промокод", "маркетплейс",
                             "эквайринг", "автоплатёж", "постамат", "вайфай", "телеграм", "вотсап",
                             "ватсап", "вайбер", "сторис", "коворкинг"})
RU_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
EN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Latin letters that look Cyrillic: «сaйт» typed with a Latin "a" reads right and is wrong
LOOKALIKES = str.maketrans("aceopxyABCEHKMOPTXy", "асеорхуАВСЕНКМОРТХу")

STATUSES = ("ok", "truncated", "out_of_time", "busy", "unavailable")
NOTES = {  # status: (en, ru); the phone shows them too (walk.typos_<status>)
    "truncated": ("Only the first {chars} characters were checked. Paste the rest separately.",
                  "Проверены только первые {chars} символов. Остальное вставьте отдельно."),
    "out_of_time": ("The check stopped after {chars} characters: the text has too many unknown "
                    "words. Is it in Russian or English?",
                    "Проверка остановилась на {chars} символах: в тексте слишком много незнакомых "
                    "слов. Он на русском или английском?"),
    "busy": ("The typo check is busy with other texts. Paste the text again in a minute.",
             "Проверка опечаток занята другими текстами. Вставьте текст ещё раз через минуту."),
    "unavailable": ("The typo check could not run. Paste the text again; if it keeps failing, "
                    "mark the typos by hand.",
                    "Проверка опечаток не сработала. Вставьте текст ещё раз; если не получится, "
                    "отметьте опечатки вручную."),
}


@dataclass(frozen=True)
class Suspect:
    word: str
    suggestion: str | None


@dataclass(frozen=True)
class TypoCheck:
    """Suspects in order of first appearance, and whether the whole text was checked.

    `status` is one of STATUSES; anything but "ok" has a `note` to show the shopper.
    """

    suspects: tuple[Suspect, ...] = ()
    status: str = "ok"
    checked_chars: int = 0

    def note(self, lang: str) -> str | None:
        pair = NOTES.get(self.status)
        if pair is None:
            return None
        chars = f"{self.checked_chars:,}"
        return pair[1].format(chars=chars.replace(",", " ")) if lang == "ru" else pair[0].format(chars=chars)


def suspect_words(text: str) -> list[Suspect]:
    """Words neither dictionary knows, first occurrence order, with a likely correction.

    Kept for callers that show only the words; `check_typos` also says whether the whole
    text was checked.
    """
    return list(check_typos(text).suspects)


def check_typos(text: str) -> TypoCheck:
    """Check a website text in a worker process (in this thread when workers are off)."""
    workers = _worker_count()
    if workers == 0:
        return check_text(text)
    return _pool(workers).check(text[: MAX_TEXT + 1])


# -- the check itself ---------------------------------------------------------------------------


def check_text(text: str, *, seconds: float = limits.TYPO_CHECK_SECONDS) -> TypoCheck:
    """The check, in this thread, stopping at the size budget and after `seconds` of CPU."""
    dicts = _dictionaries()  # loaded once per process, before the clock starts
    # CPU time, not the wall clock: on a busy machine the same work must give the same answer
    deadline = time.process_time() + seconds
    status = "ok"
    if len(text) > MAX_TEXT:
        text, status = text[:MAX_TEXT], "truncated"
    prose = NOT_PROSE.sub(lambda m: " " * len(m.group(0)), text)
    seen: set[str] = set()
    out: list[Suspect] = []
    budget = _Budget()
    for match in WORD_RE.finditer(prose):
        if time.process_time() > deadline:
            return TypoCheck(tuple(out), "out_of_time", match.start())
        word = match.group(0)
        key = word.lower().replace("’", "'")
        if key in seen:
            continue
        seen.add(key)
        starts_sentence = bool(SENTENCE_END.search(prose[max(0, match.start() - 12): match.start()]))
        suspect = dicts.judge(word, starts_sentence, budget)
        if suspect is not None:
            out.append(suspect)
    return TypoCheck(tuple(out), status, len(text))


@dataclass
class _Budget:
    """Searches for a correction left for this text: a page has a handful of typos, and a
    text with hundreds of unknown words gets its first ones corrected, the rest only listed."""

    searches: int = limits.TYPO_CHECK_SUGGESTIONS
    full_searches: int = limits.TYPO_CHECK_FULL_SEARCHES


class _Dictionaries:
    """The Russian and English word knowledge, loaded once per process."""

    def __init__(self) -> None:
        import pymorphy3
        from spellchecker import SpellChecker

        self.morph = pymorphy3.MorphAnalyzer(lang="ru")
        ru = SpellChecker(language="ru", distance=1)
        en = SpellChecker(language="en", distance=1)
        self.ru_freq: dict[str, int] = dict(ru.word_frequency.dictionary)
        self.en_freq: dict[str, int] = dict(en.word_frequency.dictionary)
        self.ru_words = frozenset(self.ru_freq)
        # SCOWL-based list (British spellings, newer words) with Google n-gram counts
        words = importlib.resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
        for line in words.read_text(encoding="utf-8").splitlines():
            term, _, count = line.partition(" ")
            if term and term not in self.en_freq:
                self.en_freq[term] = max(1, int(count) // 10_000)
        self.en_words = frozenset(self.en_freq)

    # -- knowing a word --------------------------------------------------------------------

    def knows(self, word: str) -> bool:
        """Whether a lower-case word (one script, no hyphen) is a word of its language."""
        if word in KNOWN:
            return True
        if CYRILLIC.search(word):
            if self.morph.word_is_known(word):
                return True
            return any(p.normal_form in KNOWN_RU_LEMMAS for p in self.morph.parse(word)[:3])
        if word in self.en_freq:
            return True
        folded = _fold(word)
        if folded != word and folded in self.en_freq:
            return True  # café, naïve, résumé
        # possessives and contractions: customer's, isn't, we'll, you're
        for tail in ("'s", "n't", "'ll", "'re", "'ve", "'d", "'m", "s'"):
            if word.endswith(tail) and len(word) > len(tail) + 1:
                stem = word[: -len(tail)] if tail != "s'" else word[:-1]
                return stem in self.en_freq or stem in ("ca", "wo", "sha")
        return False

    def knows_compound(self, low: str) -> bool:
        if self.knows(low):
            return True
        parts = [p for p in re.split(r"[-']", low) if p]
        return len(parts) > 1 and all(len(p) < 3 or self.knows(p) for p in parts)

    # -- one word --------------------------------------------------------------------------

    def judge(self, word: str, starts_sentence: bool, budget: _Budget) -> Suspect | None:
        letters = word.replace("-", "").replace("'", "").replace("’", "")
        if len(letters) < 3:
            return None
        if len(letters) > limits.TYPO_CHECK_WORD_MAX:
            return Suspect(word, None)  # no dictionary word is this long
        if word.isupper() and len(letters) <= 5:
            return None  # an abbreviation: СБП, НДФЛ, APR, PIN
        low = word.lower().replace("’", "'")
        if CYRILLIC.search(low) and LATIN.search(low):
            fixed = low.translate(LOOKALIKES)
            if not LATIN.search(fixed) and self.knows_compound(fixed):
                return Suspect(word, _like(word, fixed))
            return Suspect(word, None)
        if any(ch.isupper() for ch in word[1:]) and not word.isupper():
            return None  # inner capitals are a brand's: iPhone, WhatsApp, ВКонтакте
        if self.knows_compound(low):
            return None
        fix = self.correction(low, budget)
        capitalised = word[0].isupper() and not word.isupper()
        if capitalised and not starts_sentence and fix is None:
            return None  # a name (a street, a brand): nothing in the dictionary is one letter off
        return Suspect(word, _like(word, fix) if fix else None)

    def correction(self, low: str, budget: _Budget) -> str | None:
        """The most frequent dictionary word one edit away, if any (hyphenated: none)."""
        if "-" in low or "'" in low or budget.searches <= 0:
            return None
        budget.searches -= 1
        russian = bool(CYRILLIC.search(low))
        freq = self.ru_freq if russian else self.en_freq
        candidates = _edits(low, RU_LETTERS if russian else EN_LETTERS)
        hits = candidates & (self.ru_words if russian else self.en_words)
        if hits:
            return max(hits, key=lambda w: (freq[w], w))
        if russian and budget.full_searches > 0:
            # rarer forms: ask the whole dictionary (slower), likeliest edits first
            budget.full_searches -= 1
            for candidate in sorted(candidates, key=lambda c: (len(c) != len(low), c)):
                if self.morph.word_is_known(candidate):
                    return candidate
        return None


def _edits(word: str, letters: str) -> set[str]:
    """Every string one edit away: two letters swapped, one missing, wrong or extra."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    out.update(left + right[1:] for left, right in splits if right)
    out.update(left + ch + right[1:] for left, right in splits if right for ch in letters)
    out.update(left + ch + right for left, right in splits for ch in letters)
    out.discard(word)
    return out


def _fold(word: str) -> str:
    """Latin letters without their accents (é → e); other letters as they are."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


def _like(original: str, fix: str) -> str:
    """The correction written with the original's capital letter."""
    if original[:1].isupper():
        return fix[:1].upper() + fix[1:]
    return fix


@cache
def _dictionaries() -> _Dictionaries:
    return _Dictionaries()


# -- the worker pool -----------------------------------------------------------------------------


def _worker_count() -> int:
    raw = os.environ.get("AUDIT_TYPO_WORKERS")
    try:
        return max(0, int(raw)) if raw is not None else limits.TYPO_CHECK_WORKERS
    except ValueError:
        return limits.TYPO_CHECK_WORKERS


def _serve(fd: int) -> None:
    """A worker: load the dictionaries once, then check texts until the socket closes."""
    conn = Connection(fd)
    _dictionaries()
    conn.send("ready")
    while True:
        try:
            text = conn.recv()
        except (EOFError, OSError):
            return
        result = check_text(text)
        conn.send((tuple((s.word, s.suggestion) for s in result.suspects), result.status,
                   result.checked_chars))


@dataclass
class _Worker:
    process: Any
    conn: Connection
    ready: bool = False


@dataclass
class _Pool:
    """A few worker processes; a text waits for a free one, then for its answer, each bounded."""

    size: int
    idle: queue.Queue[_Worker] = field(default_factory=queue.Queue)
    started: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, text: str) -> TypoCheck:
        worker = self._take()
        if worker is None:
            return TypoCheck(status="busy")
        try:
            if not worker.ready:
                # the first text also waits for the dictionaries to load (about a second)
                if not worker.conn.poll(limits.TYPO_CHECK_START_SECONDS) or worker.conn.recv() != "ready":
                    raise EOFError
                worker.ready = True
            worker.conn.send(text)
            if not worker.conn.poll(limits.TYPO_CHECK_TIMEOUT):
                self._replace(worker)
                return TypoCheck(status="out_of_time")
            suspects, status, chars = worker.conn.recv()
        except (EOFError, OSError, ValueError):
            self._replace(worker)
            return TypoCheck(status="unavailable")
        self.idle.put(worker)
        return TypoCheck(tuple(Suspect(w, s) for w, s in suspects), status, chars)

    def _take(self) -> _Worker | None:
        with self.lock:
            if self.idle.empty() and self.started < self.size:
                self.started += 1
                return _start()
        try:
            return self.idle.get(timeout=limits.TYPO_CHECK_TIMEOUT)
        except queue.Empty:
            return None

    def _replace(self, worker: _Worker) -> None:
        """A stuck or dead worker is ended; the next text starts a fresh one."""
        _stop(worker)
        with self.lock:
            self.started -= 1

    def close(self) -> None:
        while not self.idle.empty():
            _stop(self.idle.get_nowait())


def _start() -> _Worker:
    # A fresh interpreter, not multiprocessing: a Streamlit script thread has the app script
    # as __main__, which multiprocessing's spawn would run again in the child; and a fork of
    # a threaded server is not safe.
    ours, theirs = socket.socketpair()
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)}
    process = subprocess.Popen(  # noqa: S603  this interpreter and a fixed line of code
        [sys.executable, "-c", "import sys; from audit.typos.check import _serve; _serve(int(sys.argv[1]))",
         str(theirs.fileno())],
        pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env, close_fds=True)
    theirs.close()
    return _Worker(process, Connection(ours.detach()))


def _stop(worker: _Worker) -> None:
    with contextlib.suppress(OSError):
        worker.conn.close()
    with contextlib.suppress(OSError):
        worker.process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.process.wait(timeout=5)


_pools: dict[int, _Pool] = {}
_pools_lock = threading.Lock()


def _pool(size: int) -> _Pool:
    with _pools_lock:
        pool = _pools.get(size)
        if pool is None:
            pool = _pools[size] = _Pool(size)
        return pool


@atexit.register
def _close_pools() -> None:
    for pool in _pools.values():
        pool.close()
