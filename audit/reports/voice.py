"""Customers' voice for HQ: the poster of a location, and the gap table (expected against got,
beside the audits' score of the same section). Every surface calls these functions."""

from __future__ import annotations

from urllib.parse import urlsplit

from audit.core.errors import AppError, NotFound
from audit.notify.outbox import public_url
from audit.reports.pdf.poster import render_poster_pdf
from audit.store import Store
from audit.voice.service import voice_link


class NoPublicAddress(AppError):
    """No usable public address for the poster's link (params: found)."""

    code = "voice_no_address"


def poster_pdf(store: Store, location_id: str, lang: str, *, app_url: str | None = None) -> bytes:
    """The A4 poster of a location: its QR code and short link from the public address."""
    location = store.get_location(location_id)
    if location is None:
        raise NotFound(f"no location {location_id!r}", location=location_id)
    url = public_url() if app_url is None else app_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise NoPublicAddress(
            f"no usable public address ({url!r}): set AUDIT_APP_URL (or app_url in [smtp] of "
            ".streamlit/secrets.toml) to the address phones open, e.g. https://audit.example.com",
            found=url)
    return render_poster_pdf(location.name, voice_link(url, location.id), lang)
