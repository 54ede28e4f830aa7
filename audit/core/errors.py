"""Errors with one base, `AppError`: each kind has a code for i18n and the params its message needs."""

from __future__ import annotations

import errno
from typing import Any


class AppError(Exception):
    """Base of every error a person can act on: `.code` names its message, `.params` fill it in.

    Pages, routes and the CLI turn it into the reader's language; no layer below them does.
    """

    code = "app_error"

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.params = params


class StoreError(AppError):
    """What a store raises: the data is missing, locked, unavailable, damaged or the disk full."""

    code = "store_error"


class NotFound(StoreError):
    code = "not_found"


class AuditLocked(StoreError):
    """The audit is submitted: read-only until HQ reopens it."""

    code = "audit_locked"


class StoreUnavailable(StoreError):
    """The data folder or database cannot be used; the message says how to fix it."""

    code = "store_unavailable"


class StoreDamaged(StoreUnavailable):
    """A file the store needs holds something else, or is gone (params: path)."""

    code = "store_damaged"


class PeopleLost(StoreDamaged):
    """The store's marker says it has had people, but its people table reads empty (params:
    path): never taken for a new store, whose first visitor would become HQ."""

    code = "people_lost"


class StoreFull(StoreError):
    """The disk (or the database's) is full: nothing new was written, nothing old was lost."""

    code = "store_full"


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def write_error(path: object, exc: OSError) -> StoreError:
    """An OSError from writing `path`, as the store's error: StoreFull for a full disk."""
    reason = exc.strerror or str(exc)
    kind = StoreFull if exc.errno in _FULL else StoreError
    return kind(f"cannot write {path}: {reason}", path=str(path), reason=reason)


class LayoutOutdated(StoreUnavailable):
    """The data was written by an older version; `audit migrate` upgrades it (params: command)."""

    code = "layout_outdated"


class LayoutTooNew(StoreUnavailable):
    """The data was written by a newer version of the app than this one (params: found, known)."""

    code = "layout_too_new"
