"""Photo evidence: upload bytes in; upright, EXIF-free display copy and thumbnail, metadata out.

`hashing` (re-use of evidence) and `files` (photos on disk by content) need no Pillow, so the
store imports them alone; `prepare` decodes with Pillow and is loaded when first asked for.
`prepare_photo` and `PhotoError` are the public names other tools import from `audit.photos`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from audit.photos.files import ORIGINAL_EXTS, PhotoKind, PhotoStore
from audit.photos.hashing import NEAR_DISTANCE, hash_distance, hash_pieces, reuse_flags

if TYPE_CHECKING:
    from audit.photos.prepare import (
        DISPLAY_LONG_EDGE,
        THUMB_LONG_EDGE,
        PhotoError,
        PreparedPhoto,
        SentPhoto,
        message,
        prepare_photo,
        prepare_sent,
    )

_PREPARE = {"DISPLAY_LONG_EDGE", "THUMB_LONG_EDGE", "PhotoError", "PreparedPhoto", "SentPhoto",
            "message", "prepare_photo", "prepare_sent"}

__all__ = ["DISPLAY_LONG_EDGE", "NEAR_DISTANCE", "ORIGINAL_EXTS", "THUMB_LONG_EDGE", "PhotoError",
           "PhotoKind", "PhotoStore", "PreparedPhoto", "SentPhoto", "hash_distance", "hash_pieces",
           "message", "prepare_photo", "prepare_sent", "reuse_flags"]


def __getattr__(name: str) -> Any:
    """The Pillow side on first use: the store and pages that only show photos never load it."""
    if name in _PREPARE:
        from audit.photos import prepare

        return getattr(prepare, name)
    raise AttributeError(f"module 'audit.photos' has no attribute {name!r}")
