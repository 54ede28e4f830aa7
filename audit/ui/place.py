"""Admin: where a location is (coordinates, time zone), typed in or taken from a photo's GPS."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import streamlit as st

from audit.core.errors import AppError
from audit.core.zones import check_zone, zone_names
from audit.i18n import error_text
from audit.model import Location
from audit.people import handoff
from audit.ui import photo_pick
from audit.ui.common import T, lang, session_token
from audit.visits.proof import check_coordinates


def fields(loc: Location | None, prefix: str) -> dict[str, str]:
    """Latitude, longitude and zone inputs (inside the location's form), as typed."""
    cols = st.columns(2)
    lat = cols[0].text_input(T("place.lat"), key=f"{prefix}.lat",
                             value="" if loc is None or loc.lat is None else f"{loc.lat:.6f}")
    lon = cols[1].text_input(T("place.lon"), key=f"{prefix}.lon",
                             value="" if loc is None or loc.lon is None else f"{loc.lon:.6f}")
    names = ["", *zone_names()]
    current = loc.tz if loc is not None and loc.tz in names else ""
    tz = st.selectbox(T("place.tz"), names, index=names.index(current), key=f"{prefix}.tz",
                      format_func=lambda z: z or "—")
    return {"lat": lat.strip(), "lon": lon.strip(), "tz": tz or ""}


def checked(raw: dict[str, str]) -> dict[str, Any] | None:
    """{lat, lon, tz} for Location, or None after showing what is wrong."""
    lat: float | None = None
    lon: float | None = None
    try:
        if raw["lat"] or raw["lon"]:
            lat, lon = check_coordinates(raw["lat"].replace(",", "."),
                                         raw["lon"].replace(",", "."))
        tz = check_zone(raw["tz"]) if raw["tz"] else ""
    except AppError as err:
        st.error(error_text(err, lang()))
        return None
    return {"lat": lat, "lon": lon, "tz": tz}


def from_photo(loc: Location) -> None:
    """A photo taken at the branch: where it was taken becomes the location's coordinates and
    zone. The photo element makes it light on the phone (reading the original's GPS first),
    keeps it there until it has landed and sends it to /api/location-photo
    (`visit_service.locate_from_photo`); it says itself what went wrong."""
    done = f"_place_done.{loc.id}"

    def landed() -> None:
        # the form's inputs show the new place on the rerun this trigger makes
        for name in ("lat", "lon", "tz"):
            st.session_state.pop(f"le.place.{loc.id}.{name}", None)
        st.session_state[done] = True

    photo_pick.mount(key=f"place.photo.{loc.id}",
                     url=f"/api/location-photo?location={quote(loc.id)}",
                     csrf=handoff.csrf_token(session_token() or ""), lang=lang(),
                     label=T("place.from_photo"), on_landed=landed)
    if st.session_state.pop(done, False) and loc.lat is not None and loc.lon is not None:
        st.success(T("place.from_photo_done", lat=loc.lat, lon=loc.lon, zone=loc.tz or "—"))
