"""API tokens, webhook endpoints and deliveries, and rows by last change, in the data folder.

    integrations/tokens.json          API tokens by id (the hash of each secret, never the secret)
    integrations/endpoints.json       webhook endpoints by id
    integrations/queue/<id>.json      deliveries waiting (or given up on) of one queuing, by id; the
                                      file goes once all of them are sent
    integrations/sent/<YYYY-MM>.json  deliveries sent in a month, without their payloads
    changes/<location>.json           audit id → [time of its row's last change, its row's month]

The files appear on their first write; the layout number does not change. `changes/` is
written with the rows (in the same `Tx`) and rebuilt with them by `audit reindex`.
"""

from __future__ import annotations

import dataclasses
import heapq
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.model import SummaryRow
from audit.model.integrations import ApiToken, Delivery, Endpoint
from audit.store.folder import docs
from audit.store.folder.tx import Tx, read_doc, safe_part
from audit.store.integrations import row_time

if TYPE_CHECKING:
    from audit.store import AuditFilter
    from audit.store.folder.locks import FolderLocks

CHANGES = "changes"
BUILT = ".built"  # in changes/: the change lists were made from every row


def _sorted_changes(doc: Any) -> list[tuple[str, str, str]]:
    """(changed_at, audit id, row month), oldest first: one location's file, parsed once."""
    out = []
    for audit_id, entry in (doc or {}).items():
        if isinstance(entry, list) and len(entry) == 2:
            out.append((str(entry[0]), str(audit_id), str(entry[1])))
    out.sort()
    return out


class TinyIntegrations:
    """Mixed into TinyStore: the IntegrationStore half of the Store protocol."""

    root: Path
    locks: FolderLocks

    def _tx(self, paths: Iterable[Path]) -> Tx:
        return Tx(self, paths)  # type: ignore[arg-type]

    def _integ(self, name: str) -> Path:
        return self.root / "integrations" / name

    def _changes_path(self, location_id: str) -> Path:
        return self.root / CHANGES / f"{safe_part(location_id)}.json"

    # -- tokens ----------------------------------------------------------------------------

    def put_token(self, token: ApiToken) -> None:
        path = self._integ("tokens.json")
        with self._tx([path]) as tx:
            tx.get(path)[token.id] = token.to_dict()

    def list_tokens(self) -> list[ApiToken]:
        doc = read_doc(self._integ("tokens.json")) or {}
        return sorted((ApiToken.from_dict(d) for d in doc.values()), key=lambda t: (t.created_at, t.id))

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        doc = read_doc(self._integ("tokens.json")) or {}
        found = next((d for d in doc.values() if d.get("token_hash") == token_hash), None)
        return ApiToken.from_dict(found) if found is not None else None

    def update_token(self, token_id: str, change: Callable[[ApiToken], ApiToken]) -> ApiToken | None:
        path = self._integ("tokens.json")
        with self._tx([path]) as tx:
            d = (tx.peek(path) or {}).get(token_id)
            if d is None:
                return None
            new = change(ApiToken.from_dict(d))
            tx.get(path)[token_id] = new.to_dict()
            return new

    # -- webhook endpoints and deliveries --------------------------------------------------

    def put_endpoint(self, endpoint: Endpoint) -> None:
        path = self._integ("endpoints.json")
        with self._tx([path]) as tx:
            tx.get(path)[endpoint.id] = endpoint.to_dict()

    def list_endpoints(self) -> list[Endpoint]:
        doc = read_doc(self._integ("endpoints.json")) or {}
        return sorted((Endpoint.from_dict(d) for d in doc.values()), key=lambda e: (e.created_at, e.id))

    # Deliveries: one small file per queuing (one event's deliveries to its endpoints), named by
    # its first delivery's id, so that queuing writes one new file and reads none: a person's
    # submit costs the same however many deliveries wait behind a receiver that is down.

    def _queue_path(self, first_id: str) -> Path:
        return self._integ(f"queue/{safe_part(first_id)}.json")

    def _queue_files(self) -> list[Path]:
        folder = self._integ("queue")
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            return []
        return [folder / n for n in sorted(names) if n.endswith(".json") and not n.startswith(".")]

    def _queued(self) -> Iterator[tuple[Path, dict[str, Any]]]:
        for path in self._queue_files():
            for d in (read_doc(path) or {}).values():
                if isinstance(d, dict):
                    yield path, d

    def enqueue_deliveries(self, deliveries: Sequence[Delivery]) -> int:
        """One new file for these deliveries (a queuing already made under its first id: none),
        numbered by the time of queuing, so the order they were queued in is kept."""
        if not deliveries:
            return 0
        path = self._queue_path(deliveries[0].id)
        base = time.time_ns() // 1000 * 64  # microseconds, room for the deliveries of one queuing
        with self._tx([path]) as tx:
            if tx.peek(path) is not None:
                return 0
            batch = tx.get(path)
            for i, d in enumerate(deliveries):
                batch[d.id] = {**d.to_dict(), "seq": base + i}
        return len(deliveries)

    def claim_deliveries(self, worker: str, now: str, lease_until: str, limit: int) -> list[Delivery]:
        claims = self._integ("queue-claims")  # locked, never written: one claimer at a time
        heads: dict[str, tuple[Path, dict[str, Any]]] = {}
        for path, d in sorted(((p, d) for p, d in self._queued() if d.get("status") == "pending"),
                              key=lambda pd: int(pd[1].get("seq", 0))):
            heads.setdefault(str(d.get("endpoint_id", "")), (path, d))
        due = sorted((pd for pd in heads.values()
                      if (pd[1].get("next_try") or "") <= now and (pd[1].get("lease_until") or "") <= now),
                     key=lambda pd: int(pd[1].get("seq", 0)))[:limit]
        if not due:
            return []
        out = []
        with self._tx([claims, *{p for p, _ in due}]) as tx:
            for path, d in due:
                fresh = (tx.peek(path) or {}).get(d["id"])
                if not isinstance(fresh, dict) or fresh.get("status") != "pending" or \
                        (fresh.get("lease_until") or "") > now:
                    continue  # another claimer took it, or it changed, meanwhile
                claimed = {**fresh, "lease_until": lease_until, "claimed_by": worker}
                tx.get(path)[d["id"]] = claimed
                out.append(Delivery.from_dict(claimed))
        return sorted(out, key=lambda d: d.seq)

    def _find(self, delivery_id: str) -> Path | None:
        return next((p for p, d in self._queued() if d.get("id") == delivery_id), None)

    def finish_delivery(self, delivery_id: str, worker: str, *, now: str, error: str = "",
                        next_try: str = "", dead: bool = False) -> bool:
        path = self._find(delivery_id)
        if path is None:
            return False
        sent = self._integ(f"sent/{now[:7]}.json")
        with self._tx([path, sent]) as tx:
            d = (tx.peek(path) or {}).get(delivery_id)
            if d is None or d.get("claimed_by") != worker:
                return False  # its lease ran out and another sender has it now
            batch = tx.get(path)
            attempts = int(d.get("attempts", 0)) + 1
            if not error:
                del batch[delivery_id]
                tx.get(sent)[delivery_id] = {k: v for k, v in d.items() if k != "payload"} | {
                    "status": "sent", "sent_at": now, "lease_until": "", "claimed_by": "",
                    "attempts": attempts}
                if not batch:
                    tx.delete(path)
                return True
            batch[delivery_id] = {**d, "attempts": attempts, "last_error": error, "next_try": next_try,
                                  "lease_until": "", "claimed_by": "",
                                  "status": "dead" if dead else "pending"}
            return True

    def list_deliveries(self, statuses: tuple[str, ...] = ("pending", "dead"),
                        limit: int = 50) -> list[Delivery]:
        found = [Delivery.from_dict(d) for _, d in self._queued() if d.get("status") in statuses]
        if "sent" in statuses:
            folder = self._integ("sent")
            for p in sorted(folder.glob("*.json"), reverse=True)[:2] if folder.exists() else []:
                found += [Delivery.from_dict(d) for d in (read_doc(p) or {}).values()]
        found.sort(key=lambda d: (d.sent_at or d.created_at, d.seq), reverse=True)
        return found[:limit]

    def retry_delivery(self, delivery_id: str, now: str) -> bool:
        path = self._find(delivery_id)
        if path is None:
            return False
        with self._tx([path]) as tx:
            d = (tx.peek(path) or {}).get(delivery_id)
            if d is None:
                return False
            tx.get(path)[delivery_id] = {**d, "status": "pending", "attempts": 0, "next_try": now,
                                         "lease_until": "", "claimed_by": ""}
            return True

    # -- rows by last change ---------------------------------------------------------------

    def _change_files(self, flt: AuditFilter) -> list[Path]:
        if flt.location_ids is not None:
            return [self._changes_path(loc) for loc in flt.location_ids]
        folder = self.root / CHANGES
        return sorted(folder.glob("*.json")) if folder.exists() else []

    def _changes_built(self) -> None:
        """A folder from before `changes/` (or one whose change lists were lost) gets them from its
        rows once, every writer waiting meanwhile; `changes/.built` marks it done."""
        marker = self.root / CHANGES / BUILT
        if marker.exists():
            return
        with self.locks.exclusive():
            if marker.exists():
                return
            tx = Tx(self, [], locked=False)  # type: ignore[arg-type]
            rows = self.root / "rows"
            for folder in sorted(rows.iterdir()) if rows.exists() else []:
                if not folder.is_dir():
                    continue
                path = self.root / CHANGES / f"{folder.name}.json"
                entries = dict(read_doc(path) or {})
                for shard in sorted(folder.glob("*.json")):
                    for audit_id, d in (read_doc(shard) or {}).items():
                        if isinstance(d, dict) and audit_id not in entries:
                            try:
                                when = d.get("changed_at") or row_time(SummaryRow.from_dict(d))
                            except (KeyError, TypeError, ValueError):
                                continue  # a damaged row: `audit check` says so
                            entries[audit_id] = [when, shard.stem]
                if entries:
                    tx.put(path, entries)
            tx.flush()
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text("")

    def changed_summaries(self, flt: AuditFilter, after: tuple[str, str] | None,
                          limit: int) -> list[tuple[str, SummaryRow]]:
        """Each location's changes sorted once per version of its file, merged from the cursor
        on; a row is read from its month's shard (parsed once per version too)."""
        self._changes_built()
        start = after or ("", "")

        def tail(path: Path) -> Iterator[tuple[str, str, str, str]]:
            entries = docs.read_derived(path, "changes", _sorted_changes) or []
            lo, hi = 0, len(entries)
            while lo < hi:  # the first entry after the cursor
                mid = (lo + hi) // 2
                if (entries[mid][0], entries[mid][1]) <= start:
                    lo = mid + 1
                else:
                    hi = mid
            for i in range(lo, len(entries)):
                changed_at, audit_id, month = entries[i]
                yield changed_at, audit_id, month, path.stem

        out: list[tuple[str, SummaryRow]] = []
        shards: dict[tuple[str, str], Any] = {}  # each shard read once per call
        for changed_at, audit_id, month, stem in heapq.merge(*(tail(p) for p in self._change_files(flt))):
            shard = shards.get((stem, month))
            if shard is None:
                shard = shards[(stem, month)] = read_doc(self.root / "rows" / stem / f"{month}.json") or {}
            d = shard.get(audit_id)
            # an entry a newer change replaced (the row moved on) is not this row's any more; a
            # row written before rows kept their time of change has the entry's
            if not isinstance(d, dict) or d.get("changed_at", changed_at) != changed_at:
                continue
            row = dataclasses.replace(SummaryRow.from_dict(d), changed_at=changed_at)
            if flt.matches(row):
                out.append((changed_at, row))
                if len(out) >= limit:
                    break
        return out
