"""What the PDF reports need from a store: the brand, the photos, the auditor as the PDF names them."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from audit.audits import auditor_codes
from audit.model import Audit
from audit.report import Brand
from audit.store import Store

PhotoLookup = Callable[[str], bytes | None]

def brand_of(store: Store) -> Brand:
    """Brand name, colour and logo from the settings HQ keeps; defaults where unset."""
    s = store.get_settings()
    try:
        logo = base64.b64decode(s["brand_logo"]) if s.get("brand_logo") else None
    except (binascii.Error, ValueError):
        logo = None
    return Brand(name=s.get("brand_name") or Brand().name,
                 colour=s.get("brand_colour") or Brand().colour, logo=logo)


def pdf_auditor_label(store: Store, audit: Audit) -> str:
    """A PDF leaves the app, so a mystery shopper is named by code only, whoever prints it."""
    if audit.header.mode == "mystery":
        return auditor_codes(store).get(audit.header.auditor) or "S-??????"
    person = store.get_user(audit.header.auditor)
    return (person.display_name if person and person.display_name else audit.header.auditor)


def display_photo(store: Store) -> PhotoLookup:
    """sha256 → the prepared display JPEG, or None when the file is gone."""
    photos = store.photo_files()

    def lookup(sha: str) -> bytes | None:
        try:
            return photos.get(sha, "display")
        except KeyError:
            return None

    return lookup
