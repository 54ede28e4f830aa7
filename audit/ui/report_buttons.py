"""Download buttons for the PDF reports; the PDF is built only when the button is tapped."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import streamlit as st

from audit import access, audits
from audit.model import Audit, Checklist, User
from audit.photos import PhotoStore
from audit.report import Brand, FontMissing, render_audit_pdf
from audit.store import Store
from audit.ui.common import LANGS, T, get_store, lang


def brand_of(store: Store) -> Brand:
    s = store.get_settings()
    logo = base64.b64decode(s["brand_logo"]) if s.get("brand_logo") else None
    return Brand(name=s.get("brand_name") or Brand().name, colour=s.get("brand_colour") or Brand().colour,
                 logo=logo)


def auditor_label_for(store: Store, viewer: User, audit: Audit) -> str:
    auditor = store.get_user(audit.header.auditor)
    label = access.auditor_label(viewer, audit.header, audits.auditor_codes(store))
    if label == audit.header.auditor and auditor and auditor.display_name:
        return auditor.display_name
    return label


def audit_pdf_bytes(store: Store, viewer: User, audit: Audit, checklist: Checklist, pdf_lang: str) -> bytes:
    photos = PhotoStore(store.photo_dir)

    def photo(sha: str) -> bytes | None:
        try:
            return photos.get(sha, "display")
        except KeyError:
            return None

    return render_audit_pdf(
        audit, checklist, location=store.get_location(audit.header.location_id), lang=pdf_lang,
        brand=brand_of(store), auditor_label=auditor_label_for(store, viewer, audit), photo=photo,
        generated_at=datetime.now(UTC).replace(microsecond=0).isoformat())


def audit_pdf_button(user: User, audit: Audit, checklist: Checklist) -> None:
    store = get_store()
    cols = st.columns([1, 2], vertical_alignment="bottom")
    pdf_lang = cols[0].segmented_control(T("ui.pdf_language"), list(LANGS), default=lang(),
                                         key="pdf.lang", format_func=lambda c: c.upper()) or lang()

    def build() -> bytes:
        try:
            return audit_pdf_bytes(store, user, audit, checklist, pdf_lang)
        except FontMissing as err:
            st.session_state["_pdf_error"] = str(err)
            raise

    cols[1].download_button(T("ui.download_pdf"), data=build, file_name=f"audit-{audit.id}-{pdf_lang}.pdf",
                            mime="application/pdf", icon=":material/picture_as_pdf:", key="pdf.audit",
                            type="primary", width="stretch")
    if st.session_state.get("_pdf_error"):
        st.error(st.session_state.pop("_pdf_error"))
