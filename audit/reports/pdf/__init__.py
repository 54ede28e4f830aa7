"""PDF reports: `render_audit_pdf` and `render_network_pdf` return the bytes of a PDF."""

from audit.reports.pdf.audit import AuditContext, AuditTrail, render_audit_pdf
from audit.reports.pdf.network import render_network_pdf
from audit.reports.pdf.styles import FONT_ENV, UNSUPPORTED_MARK, Brand, FontMissing

__all__ = ["FONT_ENV", "UNSUPPORTED_MARK", "AuditContext", "AuditTrail", "Brand", "FontMissing",
           "render_audit_pdf", "render_network_pdf"]
