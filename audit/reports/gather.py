"""What the PDF reports need from a store: the brand, the photos, the auditor as the PDF names them,
the audit's action plan, sign-off and history as its reader may see them."""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from collections.abc import Callable, Container, Sequence
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from audit.actions.service import (
    PlanEntry,
    SinceLastTime,
    access_obj,
    plan_for,
    plan_lines,
    sign_off,
    since_last,
)
from audit.audits.capture import auditor_codes
from audit.checklist.templates import get_checklist
from audit.core import limits
from audit.core.errors import AppError
from audit.model import Audit, AuditScore, Checklist, SummaryRow, User
from audit.people import access, audience
from audit.photos import PhotoStore
from audit.reports.pdf import AuditContext, AuditTrail, Brand
from audit.review.steps import history_lines
from audit.scoring.score import score_audit
from audit.store import AuditFilter, Store

PhotoLookup = Callable[[str], Path | bytes | None]

class LogoError(AppError):
    """A brand logo that would make every PDF slow or fail; the message says the limits."""

    code = "bad_logo"


def check_logo(data: bytes) -> None:
    """Refuse a logo that is not a PNG or JPEG within the byte and pixel limits.

    Only the header is read: a 17 KB PNG of 12,000 × 12,000 pixels is refused without
    decoding it (ReportLab would decode it at full size for every PDF).
    """
    params = {"kb": limits.LOGO_MAX_BYTES // 1000, "mp": limits.LOGO_MAX_PIXELS // 1_000_000,
              "side": limits.LOGO_MAX_SIDE}
    if len(data) > limits.LOGO_MAX_BYTES:
        raise LogoError(f"the logo is {len(data)} bytes; at most {limits.LOGO_MAX_BYTES}", **params)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused below
            with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as im:
                width, height = im.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        raise LogoError("the logo is not a PNG or JPEG picture", **params) from None
    if width * height > limits.LOGO_MAX_PIXELS or max(width, height) > limits.LOGO_MAX_SIDE:
        raise LogoError(f"the logo is {width} × {height} pixels; at most "
                        f"{limits.LOGO_MAX_PIXELS} pixels and {limits.LOGO_MAX_SIDE} a side", **params)


def brand_of(store: Store) -> Brand:
    """Brand name, colour and logo from the settings HQ keeps; defaults where unset.

    A logo stored before the limits existed, and over them, is left out of the PDFs.
    """
    s = store.get_settings()
    try:
        logo = base64.b64decode(s["brand_logo"]) if s.get("brand_logo") else None
        if logo is not None:
            check_logo(logo)
    except (binascii.Error, ValueError, LogoError):
        logo = None
    return Brand(name=s.get("brand_name") or "",
                 colour=s.get("brand_colour") or Brand().colour, logo=logo)


def pdf_auditor_label(store: Store, audit: Audit, view: audience.View) -> str:
    """The auditor as `view` shows them: their name, or the shopper's code. A PDF's view is one
    for a copy that leaves the app, so it names a mystery shopper by code, whoever prints it."""
    if not view.sees(audience.SHOPPER_IDENTITY):
        return auditor_codes(store).get(audit.header.auditor) or "S-??????"
    person = store.get_user(audit.header.auditor)
    return (person.display_name if person and person.display_name else audit.header.auditor)


def display_photo(store: Store, held: Container[str] | None = None) -> PhotoLookup:
    """sha256 → the prepared display JPEG: its path where the store keeps photos as files
    (ReportLab copies a JPEG file into the PDF as it is), else its bytes; None when it is gone.

    With `held` (an audit's photo records) a hash outside it is None too: an answer naming
    another audit's photo never prints that photo.
    """
    if held is not None:
        anything = display_photo(store)
        return lambda sha: anything(sha) if sha in held else None
    photos = store.photo_files()
    if not isinstance(photos, PhotoStore):  # PostgreSQL keeps the bytes in the database
        def read(sha: str) -> bytes | None:
            try:
                return photos.get(sha, "display")
            except KeyError:
                return None

        return read
    folder = photos

    def lookup(sha: str) -> Path | None:
        try:
            path = folder.path(sha, "display")
        except KeyError:
            return None
        return path if path.is_file() else None

    return lookup


def previous_summary(store: Store, audit: Audit) -> SummaryRow | None:
    """The location's previous audit of the same checklist and mode that reached the branch (a
    submitted self-audit, a published mystery audit), visited before this one: what page 1
    compares with, for every reader alike. A self-audit is compared with self-audits, a mystery
    audit with mystery audits; one the branch has not been shown is never the comparison."""
    h = audit.header
    visit = h.visit_at or h.started_at
    mine = store.list_summaries(AuditFilter(status="submitted", location_ids=(h.location_id,),
                                            template_id=h.template_id, mode=h.mode))
    before = [r for r in mine if r.audit_id != h.id and r.overall is not None
              and (r.mode == "self" or r.published)
              and (r.visit_at or r.started_at, r.audit_id) < (visit, h.id)]
    return max(before, key=lambda r: (r.visit_at or r.started_at, r.audit_id), default=None)


def audit_context(store: Store, audit: Audit) -> AuditContext:
    """The audit against the location's previous audit and the network in the visit's month.

    Both read summary rows of the same checklist and mode. The network's month is read through
    the store's filter, so it costs one month of rows, not the archive.
    """
    h = audit.header
    visit = h.visit_at or h.started_at
    previous = previous_summary(store, audit)
    month = visit[:7]
    network = [r.overall for r in store.list_summaries(AuditFilter(
        status="submitted", template_id=h.template_id, mode=h.mode, date_from=month, date_to=month))
        if r.overall is not None]
    return AuditContext(
        previous_score=previous.overall if previous else None,
        previous_at=(previous.visit_at or previous.started_at) if previous else "",
        network_score=sum(network) / len(network) if network else None,
        network_audits=len(network),
        period=month,
        previous_computed=previous.computed if previous else None,
    )


def since_last_time(store: Store, audit: Audit, checklist: Checklist, viewer: User | None,
                    score: AuditScore | None = None,
                    plan: Sequence[PlanEntry] | None = None) -> SinceLastTime | None:
    """What changed since the location's previous audit, for whoever sees the location's
    actions (`viewer` None: the operator, the branch's e-mail); None for a shopper, and for the
    location's first audit. The app's audit page and the PDF's page 1 both read this."""
    h = audit.header
    location = store.get_location(h.location_id)
    if viewer is not None and not access.may_act(
            viewer, access.VIEW_ACTION, access_obj(h.location_id, location.region if location else "")):
        return None
    previous = previous_summary(store, audit)
    if previous is None:
        return None
    before = store.get_audit(previous.audit_id)
    if before is None:
        return None
    then = checklist if (before.header.template_version == h.template_version) else \
        get_checklist(store, before.header.template_id, before.header.template_version)
    score = score or score_audit(checklist, audit.answers)
    plan = plan_for(store, audit, viewer, checklist) if plan is None else plan
    return SinceLastTime(previous_id=previous.audit_id,
                         previous_at=previous.visit_at or previous.started_at,
                         previous_overall=previous.overall, previous_computed=previous.computed,
                         entries=tuple(since_last(score, score_audit(then, before.answers), plan)))


def audit_trail(store: Store, audit: Audit, checklist: Checklist, *, lang: str,
                view: audience.View, viewer: User | None = None) -> AuditTrail:
    """The action plan, sign-off and history the audit's PDF prints for `view`, in `lang`.

    `viewer` is the person printing it in the app; None is the operator's shell or the e-mail
    to the branch's managers. Whoever may not see the location's actions (a shopper: they must
    not learn what a branch fixed) gets neither the plan nor the sign-off. The history holds
    what the audience policy shows `view`, the auditor named as the rest of the PDF names them.
    """
    h = audit.header
    people = {u.name: u for u in store.list_users()}
    plan = plan_for(store, audit, viewer, checklist)  # every finding, with its action if it has one
    who = {name: u.display_name or name for name, u in people.items()}
    who[h.auditor] = pdf_auditor_label(store, audit, view)
    quote = "«{}»" if lang == "ru" else "“{}”"
    items = {f"{s.id}.{i.id}": quote.format(i.text.get(lang)) for s, i in checklist.items()}
    location = store.get_location(h.location_id)
    history = history_lines(h, location, lang, view=view, who=who, items=items)
    return AuditTrail(plan=tuple(plan_lines(plan, checklist, people, lang, location.tz if location else "")),
                      sign_off=sign_off(h, people) if plan else None, history=tuple(history),
                      since=since_last_time(store, audit, checklist, viewer, plan=plan))
