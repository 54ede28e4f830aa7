"""PDF reports: `render_audit_pdf` and `render_network_pdf` return the bytes of a PDF."""

from audit.report.audit_pdf import AuditContext, AuditTrail, render_audit_pdf
from audit.report.network_pdf import render_network_pdf
from audit.report.styles import FONT_ENV, UNSUPPORTED_MARK, Brand, FontMissing

__all__ = ["FONT_ENV", "UNSUPPORTED_MARK", "AuditContext", "AuditTrail", "Brand", "FontMissing",
           "render_audit_pdf", "render_network_pdf"]
