"""The app's e-mail drainer: one daemon thread per server process, started on the first page run.

It drains the store's outbox (audit.workflow.drain_forever) so that a tap or a submit never
waits for a mail server. Deployments that drain from cron only set AUDIT_NOTIFY_IN_APP=0.
Once the ASGI entry exists, its lifespan starts the same function instead.
"""

from __future__ import annotations

import os
import threading

from audit import workflow
from audit.ui.common import get_store

INTERVAL = float(os.environ.get("AUDIT_NOTIFY_INTERVAL", "60"))

_guard = threading.Lock()
_thread: threading.Thread | None = None
_stop = threading.Event()


def ensure_drainer() -> None:
    global _thread
    if _thread is not None or os.environ.get("AUDIT_NOTIFY_IN_APP", "1") == "0":
        return
    with _guard:
        if _thread is None:
            _thread = threading.Thread(target=workflow.drain_forever, args=(get_store, _stop, INTERVAL),
                                       name="audit-email-drain", daemon=True)
            _thread.start()
