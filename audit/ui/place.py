"""Admin: where a location is (coordinates, time zone), typed in or taken from a photo's GPS."""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from audit.core.errors import AppError
from audit.core.zones import check_zone, zone_names
from audit.i18n import error_text
from audit.model import Location
from audit.ui.common import T, get_store, lang
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
    """A photo taken at the branch: its GPS becomes the location's coordinates and zone."""
    from audit.core.zones import zone_at
    from audit.photos import PhotoError, prepare_photo

    up = st.file_uploader(T("place.from_photo"), type=["jpg", "jpeg", "png", "heic", "webp"],
                          key=f"place.photo.{loc.id}")
    if up is None or st.session_state.get(f"_place_done.{loc.id}") == up.file_id:
        return
    st.session_state[f"_place_done.{loc.id}"] = up.file_id
    try:
        gps = prepare_photo(up.getvalue()).gps
    except PhotoError as err:
        st.error(error_text(err, lang()))
        return
    if gps is None:
        st.warning(T("place.no_gps"), icon=":material/location_off:")
        return
    zone = zone_at(gps[0], gps[1]) or loc.tz
    get_store().put_location(dataclasses.replace(loc, lat=gps[0], lon=gps[1], tz=zone))
    st.success(T("place.from_photo_done", lat=gps[0], lon=gps[1], zone=zone or "—"))
