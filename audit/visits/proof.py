"""Proof of visit: a phone's reported position checked, and its distance to the location."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from audit.core.errors import AppError
from audit.i18n import t
from audit.i18n.formats import fmt
from audit.model import Location

EARTH_RADIUS_M = 6_371_008.8
ON_SITE_M = 200.0  # a phone indoors reports within tens of metres; a branch is one building
MAX_ACCURACY_M = 50_000.0  # coarser than a city: not a position, a guess


class BadPosition(AppError):
    """A position the server will not record (params: field, value)."""

    code = "bad_position"


@dataclass(frozen=True)
class Position:
    """Where the phone said it was, with the radius it was sure of, at a UTC time."""

    lat: float
    lon: float
    accuracy: float
    at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"lat": self.lat, "lon": self.lon, "accuracy": self.accuracy, "at": self.at}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Position | None:
        if not d:
            return None
        return cls(float(d["lat"]), float(d["lon"]), float(d.get("accuracy", 0.0)),
                   str(d.get("at", "")))


def _number(value: Any, field: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise BadPosition(f"{field} {value!r} is not a number", field=field,
                          value=str(value)) from exc
    if not math.isfinite(x):
        raise BadPosition(f"{field} {value!r} is not a number", field=field, value=str(value))
    return x


def check_position(lat: Any, lon: Any, accuracy: Any, at: str = "") -> Position:
    """A Position once its numbers make sense; BadPosition names the one that does not."""
    la, lo, acc = _number(lat, "lat"), _number(lon, "lon"), _number(accuracy, "accuracy")
    if not -90.0 <= la <= 90.0:
        raise BadPosition(f"latitude {la} is outside -90..90", field="lat", value=f"{la:g}")
    if not -180.0 <= lo <= 180.0:
        raise BadPosition(f"longitude {lo} is outside -180..180", field="lon", value=f"{lo:g}")
    if acc < 0 or acc > MAX_ACCURACY_M:
        raise BadPosition(f"accuracy {acc:g} m is not believable (0..{MAX_ACCURACY_M:g} m)",
                          field="accuracy", value=f"{acc:g}")
    return Position(la, lo, acc, at)


def check_coordinates(lat: Any, lon: Any) -> tuple[float, float]:
    """A location's coordinates as Admin enters them."""
    p = check_position(lat, lon, 0.0)
    return p.lat, p.lon


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; good to a few metres at these scales)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Proof:
    """What a position says about a visit: on_site, far, none (no position) or unplaced
    (the location has no coordinates yet)."""

    kind: str
    distance: float | None = None


def proof_of(location: Location | None, lat: float | None, lon: float | None) -> Proof:
    if lat is None or lon is None:
        return Proof("none")
    if location is None or location.lat is None or location.lon is None:
        return Proof("unplaced")
    d = distance_m(location.lat, location.lon, lat, lon)
    return Proof("on_site" if d <= ON_SITE_M else "far", d)


def format_distance(metres: float, lang: str = "en") -> str:
    """40 m, 950 m, 3.2 km, 120 km; "3,3 км" in Russian."""
    return fmt(lang).distance(metres)


def proof_text(proof: Proof, lang: str) -> str:
    """"on site (40 m)", "far (3.2 km)", "no position given", in the reader's language."""
    if proof.distance is None:
        return t(f"proof.{proof.kind}", lang)
    dist = format_distance(proof.distance, lang)
    return t(f"proof.{proof.kind}", lang, distance=dist)
