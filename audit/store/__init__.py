"""The Store protocol every backend implements, its errors, and `open_store` to pick one."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from audit.model import Answer, Audit, AuditHeader, Location, PhotoRef, SummaryRow, User


class StoreError(Exception):
    """Base of everything a store raises; `.code` and `.params` feed i18n."""

    code = "store_error"

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.params = params


class NotFound(StoreError):
    code = "not_found"


class AuditLocked(StoreError):
    """The audit is submitted: read-only until HQ reopens it."""

    code = "audit_locked"


class StoreUnavailable(StoreError):
    """The data folder or database cannot be used; the message says how to fix it."""

    code = "store_unavailable"


@dataclass(frozen=True)
class TemplateInfo:
    id: str
    version: int
    title_ru: str
    title_en: str
    uploaded_at: str
    uploaded_by: str


@dataclass(frozen=True)
class Session:
    token_hash: str
    user: str
    created_at: str
    expires_at: str


@dataclass(frozen=True)
class AuditFilter:
    """Which summary rows to list; None means any."""

    status: str | None = None
    auditor: str | None = None
    location_ids: tuple[str, ...] | None = None
    region: str | None = None
    template_id: str | None = None
    mode: str | None = None
    date_from: str | None = None  # compares with visit_at (ISO); inclusive
    date_to: str | None = None  # inclusive: compares with the same-length prefix of visit_at

    def matches(self, row: SummaryRow) -> bool:
        if self.status is not None and row.status != self.status:
            return False
        if self.auditor is not None and row.auditor != self.auditor:
            return False
        if self.location_ids is not None and row.location_id not in self.location_ids:
            return False
        if self.region is not None and row.region != self.region:
            return False
        if self.template_id is not None and row.template_id != self.template_id:
            return False
        if self.mode is not None and row.mode != self.mode:
            return False
        when = row.visit_at or row.started_at
        if self.date_from is not None and when[: len(self.date_from)] < self.date_from:
            return False
        return not (self.date_to is not None and when[: len(self.date_to)] > self.date_to)


# answers by key and the audit's sync record → the answers to write and the new sync record
BatchUpdate = Callable[[Mapping[str, Answer], Mapping[str, Any]],
                       tuple[list[Answer], dict[str, Any]]]


class Store(Protocol):
    """What the product needs from storage. Logic lives in audit/*, not here."""

    # locations
    def list_locations(self) -> list[Location]: ...
    def get_location(self, location_id: str) -> Location | None: ...
    def put_location(self, location: Location) -> None: ...

    # people and sign-in sessions
    def list_users(self) -> list[User]: ...
    def get_user(self, name: str) -> User | None: ...
    def put_user(self, user: User) -> None: ...
    def user_count(self) -> int: ...
    def add_session(self, session: Session) -> None: ...
    def get_session(self, token_hash: str) -> Session | None: ...
    def delete_sessions(self, user: str, keep: str | None = None) -> int: ...
    def delete_session(self, token_hash: str) -> None: ...

    # templates: YAML text by (id, version)
    def put_template(self, template_id: str, version: int, yaml_text: str, by: str,
                     at: str) -> None: ...
    def get_template_text(self, template_id: str, version: int | None = None
                          ) -> tuple[int, str] | None: ...
    def list_templates(self) -> list[TemplateInfo]: ...

    # audits: a header and answers per audit, a summary row per audit in the index
    def create_audit(self, header: AuditHeader, summary: SummaryRow) -> None: ...
    def get_audit(self, audit_id: str) -> Audit | None: ...
    def get_header(self, audit_id: str) -> AuditHeader | None: ...
    def save_answer(self, audit_id: str, key: str,
                    update: Callable[[Answer | None], Answer]) -> Answer: ...
    def save_photo_ref(self, audit_id: str, ref: PhotoRef) -> None: ...
    def save_answers(self, audit_id: str, update: BatchUpdate) -> None: ...
    def update_header(self, audit_id: str, header: AuditHeader, *,
                      allow_submitted: bool = False) -> None: ...
    def put_summary(self, row: SummaryRow) -> None: ...
    def get_summary(self, audit_id: str) -> SummaryRow | None: ...
    def list_summaries(self, flt: AuditFilter | None = None) -> list[SummaryRow]: ...
    def delete_audit(self, audit_id: str) -> None: ...
    def import_audits(self, audits: Iterable[tuple[Audit, SummaryRow]]) -> int: ...

    # photos: bytes live in a content-addressed folder (audit.photos.PhotoStore) that every
    # backend shares; the store keeps the hash index that re-use checks read
    @property
    def photo_dir(self) -> Path: ...
    def index_photo_hashes(self, audit_id: str, refs: Iterable[PhotoRef]) -> None: ...
    def known_photo_hashes(self) -> list[tuple[str, str, str]]: ...

    # settings (brand, options HQ sets)
    def get_settings(self) -> dict[str, Any]: ...
    def put_settings(self, settings: dict[str, Any]) -> None: ...


def open_store(data_dir: str | Path | None = None, *, database_url: str | None = None) -> Store:
    """`AUDIT_DATABASE_URL` (or database_url) selects PostgreSQL; otherwise the TinyDB folder."""
    url = database_url if database_url is not None else os.environ.get("AUDIT_DATABASE_URL", "")
    if url:
        from audit.store.postgres import PostgresStore

        photos = Path(data_dir or os.environ.get("AUDIT_DATA_DIR") or "data")
        store: Store = PostgresStore(url, photo_dir=photos)
        return store
    from audit.store.tinydb import TinyStore

    return TinyStore(Path(data_dir or os.environ.get("AUDIT_DATA_DIR") or "data"))
