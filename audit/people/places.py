"""What a new or changed location must be: one rule for Admin and the API."""

from __future__ import annotations

import re

from audit.core.errors import AppError
from audit.store import Store

LOCATION_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class PlaceError(AppError):
    """A location that cannot be saved; `.code` names the message (i18n `ui.<code>`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_location(store: Store, ident: str, name: str, *, new: bool) -> None:
    """Raise PlaceError unless the id is well formed (and free, for a new one) and a name is given."""
    if not LOCATION_ID_RE.match(ident):
        raise PlaceError("bad_location_id", f"{ident!r}: Latin letters, digits and hyphens only")
    if new and store.get_location(ident) is not None:
        raise PlaceError("location_exists", f"a location {ident!r} exists")
    if not name.strip():
        raise PlaceError("name_required", "a name is required")
