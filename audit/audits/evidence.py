"""One way in for a photo: check access, prepare, store by content, flag re-use, attach to the item."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from audit.audits import capture as audits
from audit.audits import sync
from audit.core import limits, zones
from audit.core.clock import now_iso
from audit.core.errors import AuditLocked
from audit.model import PhotoRef, User
from audit.photos import prepare_sent, reuse_flags
from audit.store import Store


@dataclass(frozen=True)
class PhoneReport:
    """What the phone read from the original before it sent a lighter copy.

    The server reads what it can from the bytes it gets; these values are kept beside that,
    as the phone's word, never in place of it.
    """

    captured_at: str | None = None
    zone: str = ""  # the phone's time zone (IANA) when the photo was sent: reads a wall clock
    gps: tuple[float, float] | None = None
    width: int | None = None
    height: int | None = None
    size: int | None = None
    downscaled: bool = False

    @classmethod
    def from_json(cls, raw: Any) -> PhoneReport:
        """Tolerant: a field the phone could not read, or sent garbled, is simply left out."""
        if not isinstance(raw, dict):
            return cls()
        captured = _wall_clock(raw.get("captured_at"))
        gps = raw.get("gps")
        point: tuple[float, float] | None = None
        if isinstance(gps, list) and len(gps) == 2 and all(_number(v) for v in gps):
            lat, lon = float(gps[0]), float(gps[1])
            if abs(lat) <= 90 and abs(lon) <= 180 and (lat, lon) != (0.0, 0.0):
                point = (round(lat, 7), round(lon, 7))
        zone_name = raw.get("zone")
        return cls(captured_at=captured, zone=_zone_name(zone_name), gps=point,
                   width=_count(raw.get("width")),
                   height=_count(raw.get("height")), size=_count(raw.get("size")),
                   downscaled=raw.get("downscaled") is True)

    def to_dict(self) -> dict[str, Any]:
        out = {"captured_at": self.captured_at, "zone": self.zone or None,
               "gps": list(self.gps) if self.gps else None,
               "width": self.width, "height": self.height, "size": self.size,
               "downscaled": self.downscaled}
        return {k: v for k, v in out.items() if v not in (None, False)}


def _wall_clock(raw: Any) -> str | None:
    """EXIF keeps the camera's wall clock, usually without a zone: kept as it came; a zone
    offset no place on Earth has (beyond ±14:00) is dropped, as the server's reading does."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        return None
    offset = when.utcoffset()
    if offset is not None and abs(offset) > timedelta(minutes=limits.UTC_OFFSET_MAX_MINUTES):
        when = when.replace(tzinfo=None)
    return when.isoformat()


def _zone_name(raw: Any) -> str:
    """The phone's zone name when the zone database knows it; "" for none or garble."""
    if not isinstance(raw, str) or len(raw) > 64:
        return ""
    try:
        return zones.check_zone(raw)
    except zones.BadZone:
        return ""


def capture_time(read: str | None, reported: PhoneReport, location_zone: str) -> str | None:
    """When a photo was taken, stored as UTC: the server's reading of the file's EXIF
    (DateTimeOriginal with its OffsetTimeOriginal); a wall clock without an offset takes the
    offset the phone read beside the same wall clock, else is read in the phone's zone, else
    in the location's. A naive EXIF time taken for UTC printed a photo taken at 13:30 in
    Moscow as 16:30, after the audit was submitted."""
    if not read:
        return None
    phone = reported.captured_at or ""
    if phone[:19] == read[:19] and len(phone) > 19 and len(read) == 19:
        read = phone  # the same wall clock with the offset the phone had then
    return zones.capture_utc(read, reported.zone, location_zone)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _count(v: Any) -> int | None:
    return int(v) if _number(v) and 0 < v < 10**10 else None


@dataclass(frozen=True)
class Added:
    ref: PhotoRef
    result: sync.SyncResult | None  # the receipt when the photo came through a phone's outbox
    # the last photo an audit submitted on the phone waited for: it is to be submitted now
    # (audit.workflow.photo_landed)
    completes: bool = False


def add_photo(store: Store, user: User, audit_id: str, key: str, data: bytes, *,
              report: PhoneReport | None = None, client: str = "", seq: int = 0,
              at: str | None = None, now: str | None = None) -> Added:
    """Check access, prepare_photo, store the files, flag re-use, attach to the item.

    The only way a photo enters an audit: the bytes this person uploaded to this audit. The
    photo's record gets a server-issued upload id (`Added.ref.upload`), which is what a
    phone names to attach it again; a hash alone never attaches anything.

    Raises NotFound/AuditLocked as any edit does, PhotoError for bytes that are not a usable
    photo (nothing stored then). With a client and sequence the attach goes through the
    phone's receipts, so a photo sent twice is attached once and a photo deleted on the
    phone before its upload finished stays deleted.
    """
    header = audits.check_photo_welcome(store, user, audit_id)
    checklist = audits.checklist_for(store, header)
    if checklist.item(key) is None:
        raise sync.SyncError(f"no item {key!r} in this checklist", reason="unknown item", key=key)
    reported = report or PhoneReport()
    prepared = prepare_sent(data, reported.gps).prepared
    if header.arriving and prepared.sha256 not in header.arriving:
        # submitted on the phone: only the photos it said were on their way may still land
        raise AuditLocked(f"audit {audit_id} is submitted and read-only", audit_id=audit_id)
    photos = store.photo_files(keep_originals=bool(store.get_settings().get("keep_originals", True)))
    photos.put(prepared)
    audit = store.get_audit(audit_id)
    known = audit.photos.get(prepared.sha256) if audit else None
    # the same photo sent again to this audit keeps its upload id, so both sendings name it
    upload = known.upload if known is not None and known.upload else sync.new_upload_id()
    location = store.get_location(header.location_id)
    ref = dataclasses.replace(prepared.to_ref(now or now_iso()), reported=reported.to_dict(),
                              upload=upload,
                              captured_at=capture_time(prepared.captured_at, reported,
                                                       location.tz if location else ""))
    # the server's own reading of the bytes wins; the phone's capture time only fills a gap
    probe = ref if ref.captured_at else dataclasses.replace(
        ref, captured_at=zones.capture_utc(reported.captured_at, reported.zone,
                                           location.tz if location else ""))
    flags = reuse_flags(probe, audit_id=audit_id, visit_at=header.visit_at,
                        known=store.photo_candidates(probe.sha256, probe.phash))
    if flags:
        ref = dataclasses.replace(ref, flags=flags)
    store.save_photo_ref(audit_id, ref)
    if not client:
        audits.answer(store, user, audit_id, key, add_photo=ref.sha256, now=now)
        return Added(ref, None)
    change = sync.Change(seq=seq, kind="add_photo", key=key, at=at or now_iso(), value=ref.upload)
    result = sync.apply_batch(store, user, audit_id, client, [change], now=now,
                              photos_arriving=bool(header.arriving))
    return Added(ref, result, completes=audits.photo_arrived(store, audit_id, ref.sha256))
