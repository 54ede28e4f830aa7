"""The one store of this server process, shared by the Streamlit pages and the web routes."""

from __future__ import annotations

import os
import threading

from audit.ops.check import at_start
from audit.store import Store, open_store

_stores: dict[tuple[str, str], Store] = {}
_lock = threading.Lock()


def process_store() -> Store:
    """One store per data folder (or database URL) per process.

    The pages and the routes must share it: TinyDB keeps per-file state (the next document
    id of each table) that two store objects over one folder would each get wrong.
    """
    key = (os.environ.get("AUDIT_DATA_DIR", "data"), os.environ.get("AUDIT_DATABASE_URL", ""))
    store = _stores.get(key)
    if store is None:
        with _lock:
            store = _stores.get(key)
            if store is None:
                store = _stores[key] = open_store(key[0], database_url=key[1])

                at_start(store)  # the quick check; the Admin page says what it found
    return store


def close_stores() -> None:
    """Close and forget every store this process opened (tests start each with a new one)."""
    with _lock:
        stores = list(_stores.values())
        _stores.clear()
    for store in stores:
        close = getattr(store, "close", None)
        if close is not None:
            close()
