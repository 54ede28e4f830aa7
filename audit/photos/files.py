"""Photo files on disk, stored by content: an original and its display and thumbnail copies."""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from audit.core.errors import write_error
from audit.core.files import TEMP_DIR, fsync_folder, write_atomic

if TYPE_CHECKING:  # Pillow is heavy; the store reads and writes files without it
    from audit.photos.prepare import PreparedPhoto

PhotoKind = Literal["original", "display", "thumb"]
ORIGINAL_EXTS = ("jpg", "png", "webp", "heic")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class PhotoStore:
    """Content-addressed photo files: the same photo uploaded twice is stored once.

    photos/ab/<sha256>.<ext> holds the original, <sha256>.display.jpg and <sha256>.thumb.jpg
    the copies. Every write is a temp file in the same folder, fsynced, then os.replace'd,
    so a reader never sees half a file.
    """

    def __init__(self, root: Path, keep_originals: bool = True) -> None:
        self.root = Path(root)
        self.keep_originals = keep_originals

    def put(self, p: PreparedPhoto) -> bool:
        """Store a prepared photo; False if everything this store keeps was already there."""
        # The address must be the content's own hash, or one bad record could stand in
        # for another photo (or, crafted, point outside the folder).
        if hashlib.sha256(p.original).hexdigest() != p.sha256:
            raise ValueError("the photo's sha256 is not the hash of its original bytes")
        if p.original_ext not in ORIGINAL_EXTS:
            raise ValueError(f"unknown original extension {p.original_ext!r}")
        folder = self._folder(p.sha256)
        files = [(folder / f"{p.sha256}.thumb.jpg", p.thumbnail)]
        if self.keep_originals:
            files.append((folder / f"{p.sha256}.{p.original_ext}", p.original))
        # The display copy goes last: exists() looks for it, so a crash halfway through
        # leaves a photo that is simply stored again on the next upload.
        files.append((folder / f"{p.sha256}.display.jpg", p.display))
        missing = [(path, data) for path, data in files if not path.exists()]
        if not missing:
            return False
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for path, data in missing:
                write_atomic(path, data, sync_folder=False, tmp_dir=self.root / TEMP_DIR)
        except OSError as exc:  # a full disk: the photo is not stored, nothing else changed
            raise write_error(folder, exc) from exc
        fsync_folder(folder)
        return True

    def get(self, sha256: str, kind: PhotoKind) -> bytes:
        """The stored bytes; KeyError if the photo (or its original) is not stored."""
        folder = self._folder(sha256)
        if kind == "original":
            candidates = [folder / f"{sha256}.{ext}" for ext in ORIGINAL_EXTS]
        elif kind in ("display", "thumb"):
            candidates = [folder / f"{sha256}.{kind}.jpg"]
        else:
            raise ValueError(f"unknown photo kind {kind!r}")
        for path in candidates:
            with contextlib.suppress(FileNotFoundError):
                return path.read_bytes()
        raise KeyError(f"{sha256} ({kind})")

    def path(self, sha256: str, kind: PhotoKind) -> Path:
        """Where a display copy or thumbnail lives (it may be missing); KeyError for a bad id."""
        if kind not in ("display", "thumb"):
            raise ValueError(f"only the copies have one path, not {kind!r}")
        return self._folder(sha256) / f"{sha256}.{kind}.jpg"

    def exists(self, sha256: str) -> bool:
        try:
            folder = self._folder(sha256)
        except KeyError:
            return False
        return (folder / f"{sha256}.display.jpg").exists()

    def _folder(self, sha256: str) -> Path:
        # The id may come from a URL: only a real hex digest may become part of a path.
        if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
            raise KeyError(f"not a photo id: {sha256!r}")
        return self.root / "photos" / sha256[:2]
