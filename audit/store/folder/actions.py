"""Corrective actions and the e-mail outbox in the data folder: small JSON files, locked writes.

    actions/loc/<location>.json     every action of one location, by id
    actions/owner/<person>.json     an owner's index: action id → location
    actions/ids/<abc>.json          action id → location, by the id's first three characters (which
                                    audit.actions.service.action_id takes from the location)
    outbox/queue.json               messages waiting (or given up on), by id
    outbox/sent/<YYYY-MM>.json      sent messages of a month, without their bodies
    outbox/state.json               last sent, last error, last drain, once-a-day markers

The files appear on their first write; the layout number does not change. Every change goes
through the store's `Tx`, so the locks hold across the app, a second app process and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.core.errors import StoreError
from audit.model.actions import (
    Action,
    ActionFact,
    ActionFilter,
    ActionStats,
    Message,
    OutboxStatus,
    days_to_close,
    stats_of,
)
from audit.store.actions import ActionChange
from audit.store.folder import docs
from audit.store.folder.tx import Tx, read_doc, safe_part

if TYPE_CHECKING:
    from audit.store.folder.locks import FolderLocks


def _fact(d: dict[str, Any]) -> ActionFact:
    status, opened, done = d.get("status", "open"), d.get("opened_at", "") or "", d.get("done_at", "") or ""
    return ActionFact(d["id"], d["location_id"], d.get("region", ""), d["template_id"],
                      d.get("owner", "") or "", status, d.get("due", "") or "", opened, done,
                      bool(d.get("confirmed_by")), int(d.get("repeats", 0)),
                      days_to_close(status, opened, done))


def _actions_of(doc: Any) -> tuple[Action, ...]:
    return tuple(Action.from_dict(d) for d in (doc or {}).values())


def _facts_of(doc: Any) -> tuple[ActionFact, ...]:
    return tuple(_fact(d) for d in (doc or {}).values())


class TinyActions:
    """Mixed into TinyStore: the ActionStore half of the Store protocol."""

    root: Path
    locks: FolderLocks

    def _tx(self, paths: Iterable[Path]) -> Tx:
        return Tx(self, paths)  # type: ignore[arg-type]

    @staticmethod
    def _read(path: Path) -> Any:
        return read_doc(path)

    # -- paths -----------------------------------------------------------------------------

    def _act_loc_path(self, location_id: str) -> Path:
        return self.root / "actions" / "loc" / f"{safe_part(location_id)}.json"

    def _act_owner_path(self, owner: str) -> Path:
        return self.root / "actions" / "owner" / f"{safe_part(owner)}.json"

    def _act_id_path(self, action_id: str) -> Path:
        shard = action_id[:3] if action_id[:3].isalnum() and action_id[:3].isascii() else "xxx"
        return self.root / "actions" / "ids" / f"{shard.lower()}.json"

    def _outbox(self, name: str) -> Path:
        return self.root / "outbox" / name

    # -- actions ---------------------------------------------------------------------------

    def _paths_for(self, loc_path: Path, current: Sequence[Action], result: Sequence[Action]
                   ) -> set[Path]:
        changed = {a.id for a in result}
        paths = {loc_path}
        paths |= {self._act_owner_path(a.owner) for a in result if a.owner}
        paths |= {self._act_owner_path(a.owner) for a in current if a.id in changed and a.owner}
        paths |= {self._act_id_path(a.id) for a in result}
        return paths

    def change_actions(self, location_id: str, change: ActionChange) -> list[Action]:
        """Under the location's lock: the location's actions in, what to write out.

        The owners' indexes to lock follow from what `change` returns, so it runs once to
        learn them and again under the locks; should the answer need other files by then
        (another process changed an owner meanwhile), it starts over.
        """
        loc_path = self._act_loc_path(location_id)
        for _ in range(10):
            current = self.location_actions(location_id)
            paths = self._paths_for(loc_path, current, list(change(list(current))))
            with self._tx(paths) as tx:
                fresh = list(_actions_of(tx.peek(loc_path)))
                result = list(change(list(fresh)))
                if not self._paths_for(loc_path, fresh, result) <= paths:
                    continue
                for a in result:
                    if a.location_id != location_id:
                        raise ValueError(f"action {a.id} is of {a.location_id}, not {location_id}")
                old = {a.id: a for a in fresh}
                doc = tx.get(loc_path)
                for a in result:
                    before = old.get(a.id)
                    doc[a.id] = a.to_dict()
                    if before is not None and before.owner and before.owner != a.owner:
                        tx.get(self._act_owner_path(before.owner)).pop(a.id, None)
                    if a.owner and (before is None or before.owner != a.owner):
                        tx.get(self._act_owner_path(a.owner))[a.id] = location_id
                    if before is None:
                        tx.get(self._act_id_path(a.id))[a.id] = location_id
                return result
        raise StoreError(f"the actions of {location_id} keep changing; try again",
                         location_id=location_id)

    def location_actions(self, location_id: str) -> list[Action]:
        return list(docs.read_derived(self._act_loc_path(location_id), "actions", _actions_of) or ())

    def get_action(self, action_id: str) -> Action | None:
        location_id = (self._read(self._act_id_path(action_id)) or {}).get(action_id)
        if location_id is None:
            return None
        return next((a for a in self.location_actions(location_id) if a.id == action_id), None)

    def owner_actions(self, owner: str) -> list[Action]:
        index: dict[str, str] = self._read(self._act_owner_path(owner)) or {}
        out: list[Action] = []
        for location_id in sorted(set(index.values())):
            out += [a for a in self.location_actions(location_id)
                    if a.id in index and a.owner == owner]
        return out

    def audit_actions(self, audit_id: str, location_id: str) -> list[Action]:
        return [a for a in self.location_actions(location_id) if a.audit_id == audit_id]

    def _action_files(self, flt: ActionFilter | None) -> list[Path]:
        if flt is not None and flt.location_ids is not None:
            return [self._act_loc_path(loc) for loc in flt.location_ids]
        folder = self.root / "actions" / "loc"
        return sorted(folder.glob("*.json")) if folder.exists() else []

    def list_actions(self, flt: ActionFilter | None = None) -> list[Action]:
        out: list[Action] = []
        for path in self._action_files(flt):
            got = docs.read_derived(path, "actions", _actions_of) or ()
            out += got if flt is None else [a for a in got if flt.matches(a)]
        return out

    def action_facts(self, flt: ActionFilter | None = None) -> list[ActionFact]:
        out: list[ActionFact] = []
        for path in self._action_files(flt):
            got = docs.read_derived(path, "facts", _facts_of) or ()
            if flt is None:
                out += got
                continue
            out += [f for f in got
                    if (flt.region is None or f.region == flt.region)
                    and (flt.regions is None or f.region in flt.regions)
                    and (flt.statuses is None or f.status in flt.statuses)
                    and (flt.owner is None or f.owner == flt.owner)
                    and (flt.template_id is None or f.template_id == flt.template_id)]
        return out

    def action_stats(self, flt: ActionFilter | None, today: str) -> ActionStats:
        return stats_of(self.action_facts(flt), today)

    # -- outbox ----------------------------------------------------------------------------

    def enqueue_messages(self, messages: Sequence[Message]) -> int:
        path = self._outbox("queue.json")
        added = 0
        with self._tx([path]) as tx:
            queue = tx.get(path)
            for m in messages:
                if m.id not in queue:
                    queue[m.id] = m.to_dict()
                    added += 1
        return added

    def claim_messages(self, worker: str, now: str, lease_until: str, limit: int) -> list[Message]:
        path, state = self._outbox("queue.json"), self._outbox("state.json")
        with self._tx([path, state]) as tx:
            tx.get(state)["last_drain_at"] = now
            queue = tx.peek(path) or {}
            due = sorted((d for d in queue.values()
                          if d.get("status") == "pending" and (d.get("next_try") or "") <= now
                          and (d.get("lease_until") or "") <= now),
                         key=lambda d: (d.get("created_at", ""), d["id"]))[:limit]
            if not due:
                return []
            changed = tx.get(path)
            out = []
            for d in due:
                claimed = {**d, "lease_until": lease_until, "claimed_by": worker}
                changed[d["id"]] = claimed
                out.append(Message.from_dict(claimed))
            return out

    def finish_message(self, message_id: str, worker: str, *, now: str, error: str = "",
                       next_try: str = "", dead: bool = False, counted: bool = True) -> bool:
        path, state = self._outbox("queue.json"), self._outbox("state.json")
        sent = self._outbox(f"sent/{now[:7]}.json")
        with self._tx([path, state, sent]) as tx:
            d = (tx.peek(path) or {}).get(message_id)
            if d is None or d.get("claimed_by") != worker:
                return False  # its lease ran out and another drainer has it now
            queue, st = tx.get(path), tx.get(state)
            if not error:
                del queue[message_id]
                tx.get(sent)[message_id] = {k: v for k, v in d.items() if k != "body"} | {
                    "status": "sent", "sent_at": now, "lease_until": "", "claimed_by": "",
                    "attempts": int(d.get("attempts", 0)) + 1}
                st["last_sent_at"] = now
                return True
            queue[message_id] = {**d, "attempts": int(d.get("attempts", 0)) + int(counted),
                                 "last_error": error, "next_try": next_try, "lease_until": "",
                                 "claimed_by": "", "status": "dead" if dead else "pending"}
            st["last_error"], st["last_error_at"] = error, now
            return True

    def list_messages(self, statuses: tuple[str, ...] = ("pending", "dead"),
                      limit: int = 50) -> list[Message]:
        found = [Message.from_dict(d) for d in (self._read(self._outbox("queue.json")) or {}).values()
                 if d.get("status") in statuses]
        if "sent" in statuses:
            folder = self._outbox("sent")
            for path in sorted(folder.glob("*.json"), reverse=True)[:2] if folder.exists() else []:
                found += [Message.from_dict(d) for d in (self._read(path) or {}).values()]
        found.sort(key=lambda m: (m.sent_at or m.created_at, m.id), reverse=True)
        return found[:limit]

    def retry_message(self, message_id: str, now: str) -> bool:
        path = self._outbox("queue.json")
        with self._tx([path]) as tx:
            d = (tx.peek(path) or {}).get(message_id)
            if d is None:
                return False
            tx.get(path)[message_id] = {**d, "status": "pending", "attempts": 0, "next_try": now,
                                        "lease_until": "", "claimed_by": ""}
            return True

    def outbox_status(self) -> OutboxStatus:
        queue = self._read(self._outbox("queue.json")) or {}
        st = self._read(self._outbox("state.json")) or {}
        return OutboxStatus(
            pending=sum(1 for d in queue.values() if d.get("status") == "pending"),
            dead=sum(1 for d in queue.values() if d.get("status") == "dead"),
            last_sent_at=st.get("last_sent_at", ""), last_error=st.get("last_error", ""),
            last_error_at=st.get("last_error_at", ""), last_drain_at=st.get("last_drain_at", ""))

    def claim_once(self, name: str, value: str) -> bool:
        path = self._outbox("state.json")
        with self._tx([path]) as tx:
            once = dict((tx.peek(path) or {}).get("once") or {})
            if once.get(name) == value:
                return False
            once[name] = value
            tx.get(path)["once"] = once
            return True
