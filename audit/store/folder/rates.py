"""Rate counts of the data folder: `.rates/NN.json`, each under its own `flock`.

Counters, not data: written in place without fsync, never journalled or backed up on
purpose; a file a crash left unreadable counts as no hits. A key lands in one of SHARDS
files by a hash of it, so people counted at once rarely wait on one another's lock.
"""

from __future__ import annotations

import errno
import json
import os
import zlib
from pathlib import Path

from audit.core.errors import write_error
from audit.store.folder.locks import _EX, _UN, _flock
from audit.store.rates import expired, window_hit

RATES_DIR = ".rates"
SHARDS = 64
KEEP_SECONDS = 3600  # another key's hits stay at least this long (no limit has a longer window)


def count_hit(root: Path, key: str, limit: int, window: float, now: float) -> float:
    """One hit for `key` if `limit` per `window` seconds allows it (0.0), else the seconds
    until it would; the same count for every process using the folder."""
    folder = root / RATES_DIR
    path = folder / f"{zlib.crc32(key.encode()) % SHARDS:02d}.json"
    try:
        folder.mkdir(exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise write_error(path, exc) from exc
    try:
        _flock(fd, _EX)
        raw = b""
        while chunk := os.read(fd, 1 << 16):
            raw += chunk
        try:
            doc = json.loads(raw) if raw else {}
        except ValueError:
            doc = {}
        if not isinstance(doc, dict):
            doc = {}
        hits, wait = window_hit(doc.get(key), limit, window, now)
        kept = {k: v for k, v in doc.items() if k != key and not expired(v, max(window, KEEP_SECONDS), now)}
        kept[key] = hits
        data = json.dumps(kept, separators=(",", ":")).encode()
        # written over the old bytes, then cut to length: truncating to zero first makes ext4
        # flush the file's blocks at once (its guard for files rewritten from empty), ~5 ms a hit
        written = os.pwrite(fd, data, 0)
        if written != len(data):
            raise OSError(errno.EIO, f"short write of {path}")
        os.ftruncate(fd, len(data))
        return wait
    except OSError as exc:
        raise write_error(path, exc) from exc
    finally:
        try:
            _flock(fd, _UN)
        finally:
            os.close(fd)
