"""What the ASGI app does when the server starts and stops."""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import AsyncIterator
from typing import Any


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """After start-up, everything loaded so far (Streamlit, pandas, the app's modules: a few
    hundred thousand objects that live as long as the process) leaves the garbage collector's
    generations, so a collection during a page run no longer walks them all."""
    gc.collect()
    gc.freeze()
    stop = _start_webhooks()
    holds = _start_holds()
    yield
    stop.set()
    holds.set()
    gc.unfreeze()


def _start_webhooks() -> threading.Event:
    """The webhook sender of this server process (audit.notify.webhooks.send_forever); a
    deployment that sends from cron (`audit webhooks send`) sets AUDIT_WEBHOOKS_IN_APP=0."""
    stop = threading.Event()
    if os.environ.get("AUDIT_WEBHOOKS_IN_APP", "1") == "0":
        return stop
    from audit import workflow
    from audit.notify import webhooks
    from audit.ops.process import process_store

    interval = float(os.environ.get("AUDIT_WEBHOOKS_INTERVAL", "5"))
    threading.Thread(target=webhooks.send_forever, args=(process_store, stop, interval),
                     kwargs={"daily": workflow.webhook_daily}, name="audit-webhooks",
                     daemon=True).start()
    return stop


def _start_holds() -> threading.Event:
    """Every hour (and once at start), audits held longer than HELD_AUDIT_RELEASE_HOURS for
    photos that never left the phone are completed without them (audit.workflow.release_expired,
    the same as `audit release-held`); a deployment that runs that from cron sets
    AUDIT_HOLDS_IN_APP=0."""
    stop = threading.Event()
    if os.environ.get("AUDIT_HOLDS_IN_APP", "1") == "0":
        return stop
    import logging

    from audit import workflow
    from audit.ops.process import process_store

    def loop() -> None:
        while not stop.is_set():
            try:
                workflow.release_expired(process_store())
            except Exception:  # the thread must outlive a bad round; the next one tries again
                logging.getLogger(__name__).exception("releasing held audits failed")
            stop.wait(3600)

    threading.Thread(target=loop, name="audit-holds", daemon=True).start()
    return stop
