"""Photo hashes and re-use: which stored photos are the same or look alike (no Pillow here).

The store indexes perceptual hashes by piece (`hash_pieces`), so a near duplicate is found with
a few exact look-ups; `reuse_flags` tells HQ what a new photo matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from audit.model import PhotoRef

# A hash with almost all bits equal comes from a flat picture (a wall, a dark pocket shot);
# every such picture matches every other, so it says nothing about re-use.
_MIN_HASH_BITS = 8


def hash_distance(a: str, b: str) -> int:
    """How many bits differ between two hex hashes of the same length."""
    if len(a) != len(b):
        raise ValueError(f"hashes differ in length: {len(a)} and {len(b)} hex digits")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def reuse_flags(
    photo: PhotoRef,
    *,
    audit_id: str,
    visit_at: str | None,
    known: Iterable[tuple[str, str, str]],
    max_distance: int = 6,
    max_age_days: int = 14,
) -> tuple[str, ...]:
    """Signs for HQ that a photo may be re-used evidence rather than taken at this visit.

    `known` yields (audit_id, sha256, phash) of photos already stored. A photo matches
    another audit's as "duplicate:<id>" (same bytes) or "similar:<id>" (perceptual hash
    within max_distance); "old" means captured more than max_age_days before visit_at.
    """
    matches: dict[str, str] = {}
    informative = _is_informative(photo.phash)
    for other_audit, sha256, phash in known:
        if other_audit == audit_id:
            continue
        if sha256 == photo.sha256:
            matches[other_audit] = "duplicate"
        elif (
            informative
            and other_audit not in matches
            and _is_informative(phash)
            and len(phash) == len(photo.phash)
            and hash_distance(phash, photo.phash) <= max_distance
        ):
            matches[other_audit] = "similar"
    flags = [f"{kind}:{other}" for other, kind in matches.items()]
    if _is_old(photo.captured_at, visit_at, max_age_days):
        flags.append("old")
    return tuple(flags)


# A 64-bit hash in 7 pieces: two hashes within 6 bits of each other differ in at most 6
# pieces, so they share at least one piece exactly (pigeonhole). An index by piece finds every
# near duplicate with 7 exact look-ups, whatever the archive's size.
NEAR_PIECES = (10, 9, 9, 9, 9, 9, 9)
NEAR_DISTANCE = len(NEAR_PIECES) - 1


def hash_pieces(phash: str) -> tuple[int, ...] | None:
    """The values of a 64-bit hash's 7 pieces, or None for a hash the re-use check ignores."""
    if len(phash) != 16 or not _is_informative(phash):
        return None
    bits = int(phash, 16)
    out = []
    shift = 64
    for width in NEAR_PIECES:
        shift -= width
        out.append((bits >> shift) & ((1 << width) - 1))
    return tuple(out)


def _is_informative(phash: str) -> bool:
    try:
        ones = int(phash, 16).bit_count()
    except ValueError:
        return False
    return _MIN_HASH_BITS <= ones <= len(phash) * 4 - _MIN_HASH_BITS


def _is_old(captured_at: str | None, visit_at: str | None, max_age_days: int) -> bool:
    if not captured_at or not visit_at:
        return False
    try:
        captured = datetime.fromisoformat(captured_at)
        visit = datetime.fromisoformat(visit_at)
    except ValueError:
        return False
    if (captured.tzinfo is None) != (visit.tzinfo is None):
        # A phone's clock is local time without a zone; at a 14-day scale comparing wall
        # clocks is close enough, and better than refusing to compare.
        captured, visit = captured.replace(tzinfo=None), visit.replace(tzinfo=None)
    return captured < visit - timedelta(days=max_age_days)
