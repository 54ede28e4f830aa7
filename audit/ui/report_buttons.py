"""Download buttons for the PDF reports; a PDF is built only when its button is tapped."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from audit import workflow
from audit.model import Audit, Checklist, Location, SummaryRow, User
from audit.reports.analytics import Filters
from audit.ui.common import LANGS, T, get_store, lang


def audit_pdf_button(user: User, audit: Audit, checklist: Checklist) -> None:
    """The audit's PDF, in a language chosen now, whatever the audit was taken in.

    It holds what the audience policy shows this person in a copy that leaves the app. The
    action plan and sign-off print only for those who see the location's actions.
    """
    store = get_store()
    cols = st.columns([1, 2], vertical_alignment="bottom")
    pdf_lang = cols[0].segmented_control(T("ui.pdf_language"), list(LANGS), default=lang(),
                                         key="pdf.lang", format_func=str.upper) or lang()

    def build() -> bytes:
        return workflow.audit_pdf(store, audit, lang=pdf_lang, reader=user, viewer=user,
                                  checklist=checklist)

    cols[1].download_button(T("ui.download_pdf"), data=build, file_name=f"audit-{audit.id}-{pdf_lang}.pdf",
                            mime="application/pdf", icon=":material/picture_as_pdf:", key="pdf.audit",
                            type="primary", width="stretch")


def network_pdf_button(rows: Callable[[], Sequence[SummaryRow]], f: Filters,
                       locations: dict[str, Location], checklist: Checklist) -> None:
    """The network report for the dashboard's filters; `rows` is read only when it is tapped."""
    store = get_store()
    pdf_lang = lang()

    def build() -> bytes:
        return workflow.network_pdf(store, rows(), locations, checklist, lang=pdf_lang,
                                    date_from=f.date_from, date_to=f.date_to, region=f.region,
                                    mode=f.mode)

    st.download_button("PDF", data=build, file_name=f"network-{f.date_from}-{f.date_to}.pdf",
                       mime="application/pdf", icon=":material/picture_as_pdf:", key="pdf.network",
                       width="stretch")
