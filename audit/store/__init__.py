"""The Store protocol every backend implements, and `open_store` to pick one.

Its errors live in `audit.core.errors`: `StoreError` and its kinds, each an `AppError`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml

from audit.model import Answer, Audit, AuditHeader, Location, PhotoRef, SummaryRow, User
from audit.model.rollups import Rollups
from audit.model.visits import Plan, Visit, VisitFilter
from audit.photos.files import PhotoKind
from audit.store.actions import ActionStore
from audit.store.integrations import IntegrationStore
from audit.store.integrity import Finding, IntegrityScan
from audit.store.voice import VoiceStore

if TYPE_CHECKING:  # Pillow is heavy; only photo uploads need it
    from audit.photos.prepare import PreparedPhoto


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


class PhotoFiles(Protocol):
    """Photo bytes by content (sha256): the files of a folder, or rows of a database."""

    def put(self, p: PreparedPhoto) -> bool: ...
    def get(self, sha256: str, kind: PhotoKind) -> bytes: ...
    def exists(self, sha256: str) -> bool: ...


@dataclass(frozen=True)
class DerivedCounts:
    """What `rebuild_derived` wrote: rows, rollup groups and indexed photos."""

    rows: int
    groups: int
    photos: int


class AuditActions:
    """The per-action entry points both backends share; each implements `_state_change`.

    Each action is one call into the backend, so that a journal for crash atomicity across
    its writes can later be added in one place.
    """

    def _state_change(self, header: AuditHeader, row: SummaryRow, *, expect: str | None,
                      photos: Sequence[PhotoRef] = ()) -> None:
        raise NotImplementedError

    def submit_audit(self, header: AuditHeader, row: SummaryRow, photos: Sequence[PhotoRef]) -> None:
        """A draft becomes submitted: its file, row, indexes, rollups and photo hashes."""
        self._state_change(header, row, expect="draft", photos=photos)

    def hold_audit(self, header: AuditHeader, row: SummaryRow) -> None:
        """A draft submitted on the phone waits for its photos (or one of them has landed): its
        file and row, still a draft."""
        self._state_change(header, row, expect="draft")

    def reopen_audit(self, header: AuditHeader, row: SummaryRow) -> None:
        """A submitted audit becomes a draft again and leaves the rollups."""
        self._state_change(header, row, expect="submitted")

    def publish_audit(self, header: AuditHeader, row: SummaryRow) -> None:
        """Published or not: its file and row (and which rollups a branch may read)."""
        self._state_change(header, row, expect=None)

    def send_back_audit(self, header: AuditHeader, row: SummaryRow) -> None:
        """Review: a submitted mystery audit goes back to its shopper as a draft."""
        self._state_change(header, row, expect="submitted")

    def publish_reviewed_audit(self, header: AuditHeader, row: SummaryRow) -> None:
        """Review: a submitted audit is published; refused if it was sent back meanwhile."""
        self._state_change(header, row, expect="submitted")


# answers by key and the audit's sync record → the answers to write and the new sync record
BatchUpdate = Callable[[Mapping[str, Answer], Mapping[str, Any]],
                       tuple[list[Answer], dict[str, Any]]]


class Store(ActionStore, VoiceStore, IntegrationStore, Protocol):
    """What the product needs from storage. Logic lives in audit/*, not here.

    Corrective actions and the e-mail outbox: see audit/store/actions.py; customers' voice
    responses: audit/store/voice.py; API tokens and webhook deliveries:
    audit/store/integrations.py.
    """

    # locations
    def list_locations(self) -> list[Location]: ...
    def get_location(self, location_id: str) -> Location | None: ...
    def put_location(self, location: Location) -> None: ...

    # people and sign-in sessions
    def list_users(self) -> list[User]: ...
    def get_user(self, name: str) -> User | None: ...
    def put_user(self, user: User) -> None: ...
    def update_user(self, name: str, change: Callable[[User], User]) -> User | None:
        """Read-modify-write one user under the store's lock: `change` gets the stored user and
        returns the one to store (or raises, and nothing is written). None if there is no such
        user. Two processes counting failed sign-ins never lose a count."""
        ...
    def user_count(self) -> int:
        """How many people; raises PeopleLost rather than answer 0 where the store's marker
        says it has had people (list_users and get_user too, when they find nobody)."""
        ...
    def has_had_people(self) -> bool:
        """The store's marker: someone was stored once. Only a store that never had people
        offers the first-run page."""
        ...
    def add_session(self, session: Session) -> None: ...
    def get_session(self, token_hash: str) -> Session | None: ...
    def delete_sessions(self, user: str, keep: str | None = None) -> int: ...
    def delete_session(self, token_hash: str) -> None: ...
    def prune_sessions(self, now: str) -> int:
        """Remove sessions that expired at or before `now` (ISO, UTC); how many went."""
        ...

    # templates: YAML text by (id, version)
    def put_template(self, template_id: str, version: int, yaml_text: str, by: str,
                     at: str) -> None: ...
    def get_template_text(self, template_id: str, version: int | None = None
                          ) -> tuple[int, str] | None: ...
    def list_templates(self) -> list[TemplateInfo]: ...
    def latest_versions(self) -> dict[str, int]: ...  # template id → its latest version, no YAML read

    # audits: a header and answers per audit, a summary row per audit in the index. An action
    # that changes an audit's state writes its file, its row, the indexes and the rollups in
    # one call, so that each action's multi-file write lives in one place.
    def create_audit(self, header: AuditHeader, summary: SummaryRow) -> None: ...
    def submit_audit(self, header: AuditHeader, row: SummaryRow,
                     photos: Sequence[PhotoRef]) -> None: ...  # a draft becomes submitted
    def hold_audit(self, header: AuditHeader, row: SummaryRow) -> None: ...  # draft, photos arriving
    def reopen_audit(self, header: AuditHeader, row: SummaryRow) -> None: ...  # submitted → draft
    def publish_audit(self, header: AuditHeader, row: SummaryRow) -> None: ...
    def send_back_audit(self, header: AuditHeader, row: SummaryRow) -> None: ...  # submitted → draft
    def publish_reviewed_audit(self, header: AuditHeader, row: SummaryRow) -> None: ...
    def get_audit(self, audit_id: str) -> Audit | None: ...
    def get_header(self, audit_id: str) -> AuditHeader | None: ...
    def save_answer(self, audit_id: str, key: str,
                    update: Callable[[Answer | None], Answer]) -> Answer: ...
    def save_photo_ref(self, audit_id: str, ref: PhotoRef) -> None: ...
    def save_answers(self, audit_id: str, update: BatchUpdate) -> None: ...
    def update_header(self, audit_id: str, header: AuditHeader, *,
                      allow_submitted: bool = False) -> None: ...
    def get_summary(self, audit_id: str) -> SummaryRow | None: ...
    def list_summaries(self, flt: AuditFilter | None = None) -> list[SummaryRow]: ...
    # newest visit first: a person's rows (flt.auditor), some locations', or the network's
    # latest submitted; a person's and the network's may be list rows, without sections,
    # findings, N/A and points lost
    def recent_summaries(self, flt: AuditFilter, *, month: str | None = None,
                         limit: int | None = 30,
                         keep: Callable[[SummaryRow], bool] | None = None) -> list[SummaryRow]: ...
    def summary_months(self, flt: AuditFilter) -> list[str]: ...
    def delete_audit(self, audit_id: str) -> None: ...
    # audits whose action hook may not have run (marked final with actions_due), and the
    # mark cleared once it has: a crash between the two is finished at the next start
    def actions_pending(self) -> list[str]: ...
    def clear_actions_due(self, audit_id: str) -> None: ...
    def import_audits(self, audits: Iterable[tuple[Audit, SummaryRow]]) -> int: ...
    def audit_ids(self) -> Iterator[str]: ...
    # rows by their last change (audit.store.integrations.stamp), oldest first, after the
    # cursor (changed_at, audit id): the API's pages
    def changed_summaries(self, flt: AuditFilter, after: tuple[str, str] | None,
                          limit: int) -> list[tuple[str, SummaryRow]]: ...

    # rollups for HQ: months "YYYY-MM", inclusive; None means open-ended
    def get_rollups(self, first_month: str | None = None, last_month: str | None = None,
                    template_id: str | None = None, location_id: str | None = None) -> Rollups: ...
    def rollup_months(self) -> list[str]: ...  # months with submitted audits, oldest first
    def rebuild_derived(self, row_of: Callable[[Audit, SummaryRow | None], SummaryRow],
                        progress: Callable[[int, int], None] | None = None) -> DerivedCounts: ...

    # photos: bytes through photo_files(); the hash index the re-use check reads
    @property
    def photo_dir(self) -> Path: ...
    def photo_files(self, keep_originals: bool = True) -> PhotoFiles: ...
    def index_photo_hashes(self, audit_id: str, refs: Iterable[PhotoRef]) -> None: ...
    def photo_candidates(self, sha256: str, phash: str) -> list[tuple[str, str, str]]: ...
    def known_photo_hashes(self) -> list[tuple[str, str, str]]: ...

    # visit plans and their visits: by month of the window, and by shopper
    def put_plan(self, plan: Plan, visits: Sequence[Visit]) -> None: ...  # all new, or nothing
    def list_plans(self) -> list[Plan]: ...
    def get_visit(self, visit_id: str) -> Visit | None: ...
    def update_visit(self, visit_id: str, update: Callable[[Visit], Visit]) -> Visit: ...
    def list_visits(self, flt: VisitFilter) -> list[Visit]: ...

    # integrity: what a crash, a full disk or a hand edit left (`audit check`); each backend scans
    # itself, settling interrupted changes first
    def integrity_scan(self, *, quick: bool = False) -> IntegrityScan: ...
    def clear_leftovers(self, found: list[Finding]) -> int: ...  # temp files, stage folders

    # settings (brand, options HQ sets)
    def get_settings(self) -> dict[str, Any]: ...
    def put_settings(self, settings: dict[str, Any]) -> None: ...
    # change(the key's value or None) → its new value, stored and returned under the store's lock:
    # processes deciding one value at once (a day's salt) all get the first one's
    def update_setting(self, key: str, change: Callable[[Any], Any]) -> Any: ...

    # rate limits every process shares (audit.people.ratelimit.SharedRateLimiter)
    def count_hit(self, key: str, limit: int, window: float, now: float) -> float:
        """Count one hit for `key` if at most `limit` fall in the `window` seconds before `now`
        (wall-clock seconds) and return 0.0; else count nothing and return the seconds until
        one would fit. Every process and replica on this store counts against one allowance."""
        ...


def template_titles(text: str) -> tuple[str, str]:
    """The template's title, kept beside its text so listing versions needs no parse."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506  a safe loader (libyaml's when installed)
        title = data.get("title", {}) if isinstance(data, dict) else {}
        return str(title.get("ru", "")), str(title.get("en", ""))
    except yaml.YAMLError:
        return "", ""


def open_store(data_dir: str | Path | None = None, *, database_url: str | None = None) -> Store:
    """`AUDIT_DATABASE_URL` (or database_url) selects PostgreSQL; otherwise the TinyDB folder."""
    url = database_url if database_url is not None else os.environ.get("AUDIT_DATABASE_URL", "")
    if url:
        from audit.store.postgres.backend import PostgresStore

        photos = Path(data_dir or os.environ.get("AUDIT_DATA_DIR") or "data")
        store: Store = PostgresStore(url, photo_dir=photos)
        return store
    from audit.store.folder.backend import TinyStore

    return TinyStore(Path(data_dir or os.environ.get("AUDIT_DATA_DIR") or "data"))
