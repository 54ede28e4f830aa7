"""Times in a location's time zone: stored as UTC, shown in the zone and labelled with it."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from audit.core.errors import AppError


class BadZone(AppError):
    """Not an IANA time zone name (params: zone)."""

    code = "bad_zone"


@functools.lru_cache(maxsize=512)
def zone(name: str) -> tzinfo:
    """The zone called `name` ("" means UTC); BadZone for a name the zone database lacks."""
    if not name or name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadZone(f"{name!r} is not a time zone; use a name such as Europe/Moscow",
                      zone=name) from exc


def check_zone(name: str) -> str:
    """The name, trimmed, once the zone database knows it (what Admin stores)."""
    name = name.strip()
    zone(name)
    return name


@functools.lru_cache(maxsize=1)
def zone_names() -> list[str]:
    return sorted(available_timezones())


def zone_at(lat: float, lon: float) -> str:
    """The IANA zone of a point on the map ("" where no zone is known, such as open sea)."""
    import tzfpy  # offline boundary data; only Admin's "from a photo's GPS" needs it

    name = tzfpy.get_tz(lon, lat)
    if not name:
        return ""
    try:
        zone(name)
    except BadZone:
        return ""
    return str(name)


def parse_utc(iso: str) -> datetime:
    """A stored time as an aware datetime; a time without an offset is UTC (as stored)."""
    when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def utc_iso(when: datetime) -> str:
    """An aware time as we store it: UTC, whole seconds, ISO 8601."""
    if when.tzinfo is None:
        raise ValueError("a naive time has no zone; attach the location's zone first")
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


def local(iso: str, zone_name: str) -> datetime:
    return parse_utc(iso).astimezone(zone(zone_name))


def zone_label(zone_name: str) -> str:
    """"Europe/Moscow" as it reads next to a time; UTC where the location has no zone yet."""
    return zone_name or "UTC"


def format_time(iso: str, zone_name: str, *, seconds: bool = False, label: bool = True) -> str:
    """"2026-03-14 10:05 Europe/Moscow": a stored time in the location's zone, labelled — the
    machine-readable form exports write; a person reads moments through audit.i18n.formats.

    An empty or unreadable time reads "—", so a list never breaks on old data.
    """
    if not iso:
        return "—"
    try:
        when = local(iso, zone_name)
    except (ValueError, BadZone):
        return iso
    text = when.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text} {zone_label(zone_name)}" if label else text


def format_day(iso: str, zone_name: str) -> str:
    """The date of a stored time in the location's zone ("2026-03-14")."""
    if not iso:
        return "—"
    try:
        return local(iso, zone_name).strftime("%Y-%m-%d")
    except (ValueError, BadZone):
        return iso[:10]


def capture_moment(iso: str, *zone_names: str) -> datetime:
    """When a photo was taken, as an aware time.

    A time with an offset (EXIF OffsetTimeOriginal, or one the phone added) is that moment. A
    camera's wall clock without one is read in the first of `zone_names` the zone database
    knows (the phone's zone, then the location's), and in UTC only where there is none: never
    taken for UTC while a zone is known, which printed a photo three hours after its audit.
    ValueError for text that is not a time.
    """
    when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if when.tzinfo is not None:
        return when
    for name in zone_names:
        if not name:
            continue
        try:
            return when.replace(tzinfo=zone(name))
        except BadZone:
            continue
    return when.replace(tzinfo=UTC)


def capture_utc(iso: str | None, *zone_names: str) -> str | None:
    """A capture time as stored: UTC ISO 8601 (see capture_moment); None for none or garble."""
    if not iso:
        return None
    try:
        return utc_iso(capture_moment(iso, *zone_names))
    except (ValueError, OverflowError):
        return None
