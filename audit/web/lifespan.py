"""What the ASGI app does when the server starts and stops."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from typing import Any


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """After start-up, everything loaded so far (Streamlit, pandas, the app's modules: a few
    hundred thousand objects that live as long as the process) leaves the garbage collector's
    generations, so a collection during a page run no longer walks them all."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()
