"""Customers' voice responses in the data folder: one JSON file per location and day.

    voice/<location>/<YYYY-MM>/<DD>.json     response id → response

A response is added under its file's lock, after looking in the same file for one of the same
device (the day's responses are all in that file), so two processes never both take a second
response of one phone. A day's file stays small whatever the month brings (each response
rewrites only its day), and HQ reads a month's folder. The files appear on their first write;
the layout number does not change.

Responses that arrive together are written together (group commit): while one thread writes a
day's file, the responses other threads bring for it wait; the next writer takes them all and
writes them in one go — one fsync'd write for the lot, each response checked as if alone. A
caller returns only once the write holding its response is durable, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.model.voice import VoiceFilter, VoiceResponse, month_of_id
from audit.store.folder import docs
from audit.store.folder.tx import Tx, safe_part, unpart

if TYPE_CHECKING:
    from audit.store.folder.locks import FolderLocks


@dataclass
class _Waiting:
    """One response waiting for a write of its day's file: woken when written (or failed), or
    when it is its turn to write the others."""

    response: VoiceResponse
    woken: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    added: bool = False
    error: BaseException | None = None

    def result(self) -> bool:
        if self.error is not None:
            raise self.error
        return self.added


# per day file: the responses waiting for its next write; a file is in `_writing` while one
# thread writes it (that thread, or the one it hands over to, takes the next group)
_guard = threading.Lock()
_queues: dict[Path, list[_Waiting]] = {}
_writing: set[Path] = set()


def _responses_of(doc: Any) -> tuple[VoiceResponse, ...]:
    return tuple(VoiceResponse.from_dict(d) for d in (doc or {}).values() if isinstance(d, dict))


class TinyVoice:
    """Mixed into TinyStore: the VoiceStore half of the Store protocol."""

    root: Path
    locks: FolderLocks

    def _tx(self, paths: Iterable[Path]) -> Tx:
        return Tx(self, paths)  # type: ignore[arg-type]

    def _voice_path(self, location_id: str, day: str) -> Path:
        return (self.root / "voice" / safe_part(location_id) / safe_part(day[:7])
                / f"{safe_part(day[8:10])}.json")

    def add_voice_response(self, response: VoiceResponse) -> bool:
        path = self._voice_path(response.location_id, response.day)
        me = _Waiting(response)
        with _guard:
            _queues.setdefault(path, []).append(me)
            me.leads = path not in _writing
            _writing.add(path)
        if not me.leads:
            me.woken.wait()
            if not me.leads:  # another thread wrote it
                return me.result()
        with _guard:
            group = _queues.pop(path, [])
        try:
            self._write_group(path, group)
        finally:
            with _guard:
                waiting = _queues.get(path)
                if waiting:  # arrived during this write: the first of them writes them next
                    waiting[0].leads = True
                    waiting[0].woken.set()
                else:
                    _writing.discard(path)
            for other in group:
                if other is not me:
                    other.woken.set()
        return me.result()

    def _write_group(self, path: Path, group: list[_Waiting]) -> None:
        """One locked, durable write of the day's file for every response in `group`; each
        refused as it would be alone (its id known, or its phone's response already there)."""
        try:
            with self._tx([path]) as tx:
                doc = tx.peek(path) or {}
                ids = set(doc)
                devices = {(d.get("device"), d.get("day")) for d in doc.values()
                           if isinstance(d, dict) and d.get("device")}
                new: dict[str, Any] = {}
                for w in group:
                    r = w.response
                    if r.id in ids or (r.device and (r.device, r.day) in devices):
                        continue
                    ids.add(r.id)
                    if r.device:
                        devices.add((r.device, r.day))
                    new[r.id] = r.to_dict()
                    w.added = True
                if new:
                    tx.get(path).update(new)
        except BaseException as err:  # every response of the group fails with the write
            for w in group:
                w.added, w.error = False, err

    def import_voice_responses(self, responses: Iterable[VoiceResponse]) -> int:
        by_file: dict[Path, list[VoiceResponse]] = {}
        for r in responses:
            by_file.setdefault(self._voice_path(r.location_id, r.day), []).append(r)
        added = 0
        for path, group in by_file.items():
            with self._tx([path]) as tx:
                doc = tx.get(path)
                for r in group:
                    if r.id not in doc:
                        doc[r.id] = r.to_dict()
                        added += 1
        return added

    def _voice_files(self, flt: VoiceFilter) -> list[Path]:
        folder = self.root / "voice"
        if flt.location_ids is not None:
            locations = [folder / safe_part(loc) for loc in flt.location_ids]
        else:
            locations = sorted(p for p in folder.iterdir() if p.is_dir()) if folder.exists() else []
        out: list[Path] = []
        for loc in locations:
            if not loc.is_dir():
                continue
            for month_dir in sorted(p for p in loc.iterdir() if p.is_dir()):
                month = unpart(month_dir.name)
                if flt.first_month is not None and month < flt.first_month:
                    continue
                if flt.last_month is not None and month > flt.last_month:
                    continue
                out += sorted(month_dir.glob("*.json"))
        return out

    def list_voice_responses(self, flt: VoiceFilter | None = None) -> list[VoiceResponse]:
        flt = flt or VoiceFilter()
        out: list[VoiceResponse] = []
        for path in self._voice_files(flt):
            got = docs.read_derived(path, "voice", _responses_of) or ()
            out += [r for r in got if flt.matches(r)]
        out.sort(key=lambda r: (r.at, r.id))
        return out

    def set_voice_text_approved(self, location_id: str, response_id: str, approved: bool) -> bool:
        month = month_of_id(response_id)
        if month is None:
            return False
        path = self._voice_path(location_id, f"{month}-{response_id[6:8]}")
        with self._tx([path]) as tx:
            d = (tx.peek(path) or {}).get(response_id)
            if not isinstance(d, dict):
                return False
            tx.get(path)[response_id] = {**d, "text_approved": bool(approved)}
            return True
