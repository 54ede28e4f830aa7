"""Where the domains meet: an audit becoming final, and an audit's PDF for a reader.

An audit becomes final when a self-audit is submitted or a mystery audit is published (by a
reviewer, or by HQ without review). The step that makes it final also marks it as owing its
corrective actions; the actions are then made here, and the mark cleared — so a crash between
the two is finished at the next start (`finish_owed_actions`). Pages, the CLI and tests call
these functions, never the two halves apart.

`audit_pdf` is the one way an audit's PDF is made: the download button, `audit report`, the
e-mail's attachment and any later API all call it; `network_pdf` the same for HQ's report.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Container, Mapping, Sequence
from datetime import timedelta
from typing import Any

from audit.actions.service import control_groups, final_audit, is_final
from audit.audits import capture
from audit.checklist.templates import get_checklist
from audit.core import limits
from audit.core.clock import now_iso
from audit.core.errors import AppError, NotFound
from audit.core.zones import parse_utc
from audit.model import Audit, AuditHeader, Checklist, Location, SummaryRow, User
from audit.model.actions import OPEN_STATUSES, ActionFilter
from audit.model.visits import VisitFilter
from audit.model.voice import VoiceTable
from audit.notify import outbox, webhooks
from audit.people import access, audience
from audit.reports.analytics import Filters, report_period
from audit.reports.gather import audit_context, audit_trail, brand_of, display_photo, pdf_auditor_label
from audit.reports.pdf import render_audit_pdf, render_network_pdf
from audit.reports.voice import branch_voice, voice_table
from audit.review import steps as review
from audit.store import AuditFilter, Store
from audit.visits import plans as visit_plans
from audit.visits import service as visit_service
from audit.visits.proof import Position

# -- an audit becoming final ---------------------------------------------------------------------


def _settle(store: Store, header: AuditHeader | None, at: str) -> None:
    """Make the actions an audit owes, if it is final and owes them (the hook clears the mark)."""
    if header is not None and header.actions_due and is_final(header):
        final_audit(store, header.id, at)


def submit(store: Store, actor: User, audit_id: str, *, position: Position | None = None,
           now: str | None = None, excused: Container[str] = ()) -> SummaryRow:
    """Submit the audit (with the phone's position, closing its visit); a self-audit is final at
    once and its findings become the branch's actions. `excused`: see `release_held`."""
    at = now or now_iso()
    row = visit_service.submit(store, actor, audit_id, position=position, now=at,
                               excused=excused)
    webhooks.audit_event(store, "audit.submitted", audit_id, now=at, row=row)
    if row.mode == "self":  # final in the step that submitted it, and marked as owing its actions
        final_audit(store, audit_id, at)
    return row


def submit_from_phone(store: Store, actor: User, audit_id: str,
                      coming: Sequence[tuple[str, str]] = (), *, position: Position | None = None,
                      now: str | None = None) -> int:
    """Submit as the phone asks, whether or not its photos have all left it: with photos still
    on the phone ((item key, sha256) each) the audit is held, locked for answers and read by
    nobody else, until the last of them lands (`photo_landed`); without, it is submitted now.
    How many photos it still waits for (0: submitted). The review's button and the phone's
    outbox (/api/sync) both call this."""
    at = now or now_iso()
    held = capture.hold_for_photos(store, actor, audit_id, coming,
                                   position=position.to_dict() if position else None, now=at)
    if held is not None:
        return len(held.arriving)
    submit(store, actor, audit_id, position=position, now=at)
    return 0


def photo_landed(store: Store, actor: User, audit_id: str, now: str | None = None) -> SummaryRow:
    """The last photo an audit submitted on the phone waited for has landed: it is submitted
    now, as the shopper did then (with the position the phone gave), and becomes final as
    any submitted audit does."""
    header = store.get_header(audit_id)
    where = capture.held_position(header) if header is not None else None
    return submit(store, actor, audit_id, position=Position.from_dict(where), now=now)


def release_held(store: Store, actor: User | None, audit_id: str, *, now: str | None = None
                 ) -> SummaryRow:
    """Complete an audit submitted on the phone without the photos that never arrived: the
    reviewer or HQ by hand (`actor`, any time), or the maintenance run (`actor` None) once it
    has waited `limits.HELD_AUDIT_RELEASE_HOURS`. It is submitted as its shopper did on the
    phone (with the phone's position), the items whose photos are missing named in its history
    (the audience policy's internal notes: the reviewer, HQ, the shopper on their own audit,
    the branch on its self-audit); it then becomes final as any submitted audit does. A photo
    that lands later is refused with its reason (`capture.PhotoTooLate`). The audit page's
    button and `audit release-held` both call this."""
    at = now or now_iso()
    header = store.get_header(audit_id)
    if header is None:
        raise NotFound(f"no audit {audit_id}", audit_id=audit_id)
    location = store.get_location(header.location_id)
    if actor is not None and not access.may(actor, access.RELEASE_HELD, header,
                                            region=location.region if location else None):
        raise NotFound(f"no audit {audit_id}", audit_id=audit_id)
    since = capture.held_since(header)
    if since is None:
        raise capture.NotHeld(f"audit {audit_id} waits for no photos", audit_id=audit_id)
    if actor is None and parse_utc(at) - parse_utc(since) < timedelta(
            hours=limits.HELD_AUDIT_RELEASE_HOURS):
        raise capture.NotHeld(f"audit {audit_id} has waited less than the limit",
                              audit_id=audit_id)
    shopper = store.get_user(header.auditor)
    if shopper is None:
        raise NotFound(f"the shopper {header.auditor} of audit {audit_id} is gone",
                       audit_id=audit_id)
    where = capture.held_position(header)
    items = capture.stop_waiting(store, audit_id, actor.name if actor else "", now=at,
                                 automatic=actor is None)
    return submit(store, shopper, audit_id, position=Position.from_dict(where), now=at,
                  excused=items)


def release_expired(store: Store, now: str | None = None) -> list[tuple[str, str]]:
    """Release every held audit that has waited its limit (`release_held`); (audit id, "" or
    the reason it could not be released) each, so one audit's trouble stops none of the others."""
    at = now or now_iso()
    out: list[tuple[str, str]] = []
    for row in store.list_summaries(AuditFilter(status="draft")):
        if not row.arriving:
            continue
        header = store.get_header(row.audit_id)
        since = capture.held_since(header) if header is not None else None
        if since is None or parse_utc(at) - parse_utc(since) < timedelta(
                hours=limits.HELD_AUDIT_RELEASE_HOURS):
            continue
        try:
            release_held(store, None, row.audit_id, now=at)
        except AppError as err:
            out.append((row.audit_id, str(err)))
        else:
            out.append((row.audit_id, ""))
    return out


def publish(store: Store, actor: User, audit_id: str, published: bool = True,
            now: str | None = None) -> AuditHeader:
    """HQ publishes (or withdraws) a mystery audit without review; published, it is final."""
    at = now or now_iso()
    header = capture.publish(store, actor, audit_id, published, now=at)
    if published:
        webhooks.audit_event(store, "audit.published", audit_id, now=at)
    _settle(store, header, at)
    return header


def publish_reviewed(store: Store, actor: User, audit_id: str, now: str | None = None) -> AuditHeader:
    """The reviewer publishes a reviewed audit to the branch; it is final."""
    at = now or now_iso()
    header = review.publish(store, actor, audit_id, now=at)
    webhooks.audit_event(store, "audit.published", audit_id, now=at)
    _settle(store, header, at)
    return header


def finish_owed_actions(store: Store) -> int:
    """Make the actions of every audit marked final whose hook had not finished (a crash between
    the two steps), then clear the mark; how many there were. Safe to repeat: the hook weighs
    an audit once and makes each action once."""
    n = 0
    for audit_id in store.actions_pending():
        header = store.get_header(audit_id)
        final = header is not None and is_final(header)
        if final:
            final_audit(store, audit_id)  # the hook clears the audit's mark when it is done
        if not (final and header is not None and header.actions_due):
            store.clear_actions_due(audit_id)  # reopened or gone since: nothing is owed
        n += 1
    return n


# -- an audit's PDF --------------------------------------------------------------------------------


def audit_pdf(store: Store, audit: Audit, *, lang: str, reader: audience.Reader | User,
              viewer: User | None = None, checklist: Checklist | None = None, tz: str | None = None,
              now: str | None = None) -> bytes:
    """The audit's PDF for `reader` in `lang`: what the audience policy shows them in a copy
    that leaves the app (a mystery shopper named by code), the action plan if `viewer` (the
    person printing it; None for the shell and the e-mail) may see the location's actions."""
    checklist = checklist or get_checklist(store, audit.header.template_id,
                                           audit.header.template_version)
    view = audience.view_of(reader, audit.header, leaves_app=True)
    trail = audit_trail(store, audit, checklist, lang=lang, view=view, viewer=viewer)
    # the audit's own photos, and the fixes its plan shows: never a photo an answer merely names
    held = {*audit.photos, *(sha for line in trail.plan for sha in line.evidence)}
    voice = None
    if audience.reads_customer_voice(reader):
        month = (audit.header.visit_at or audit.header.started_at or now or now_iso())[:7]
        voice = branch_voice(store, audit.header.location_id, month, reader=reader)
        if voice is not None and voice.table.template_id != checklist.id:
            voice = None  # customers are asked about another checklist's touchpoints
    return render_audit_pdf(
        audit, checklist, location=store.get_location(audit.header.location_id), lang=lang,
        brand=brand_of(store), auditor_label=pdf_auditor_label(store, audit, view),
        photo=display_photo(store, held=held), generated_at=now or now_iso(), view=view,
        context=audit_context(store, audit), trail=trail, tz=tz, voice=voice)


def network_pdf(store: Store, rows: Sequence[SummaryRow], locations: Mapping[str, Location],
                checklist: Checklist, *, lang: str, date_from: str | None, date_to: str | None,
                region: str | None, mode: str | None = "mystery", tz: str = "UTC",
                now: str | None = None) -> bytes:
    """The network report for a period, region and mode: HQ's, from the dashboard or the CLI,
    with HQ's action control page (the checklist's open actions in the region, as they stand)."""
    at = now or now_iso()
    open_ = store.list_actions(ActionFilter(statuses=OPEN_STATUSES, region=region,
                                            template_id=checklist.id))
    # customers' voice over the whole months of the report's period (its default: the quarter
    # up to the newest audit), for the region's locations
    period = report_period(Filters(date_from=date_from, date_to=date_to, region=region,
                                   template_id=checklist.id, mode=mode if mode != "both" else None),
                           rows, at)
    months = ((period.date_from or at)[:7], (period.date_to or at)[:7])
    try:
        voice: VoiceTable | None = voice_table(
            store, first_month=months[0], last_month=months[1],
            location_ids=[k for k, loc in locations.items() if region is None or loc.region == region])
    except AppError:
        voice = None  # no checklist is set for customers, or it asks them nothing
    if voice is not None and (voice.template_id != checklist.id or not voice.responses):
        voice = None
    return render_network_pdf(rows, locations, checklist, lang=lang, brand=brand_of(store),
                              date_from=date_from, date_to=date_to, region=region,
                              generated_at=at, mode=mode, tz=tz,
                              action_control=control_groups(open_, at[:10]),
                              owners={u.name: u.display_name or u.name for u in store.list_users()},
                              voice=voice, voice_months=months)


def branch_pdf(store: Store, audit_id: str, lang: str) -> bytes:
    """The copy an e-mail to the branch carries: what the branch's managers may read."""
    audit = store.get_audit(audit_id)
    if audit is None:
        raise NotFound(f"no audit {audit_id}", audit_id=audit_id)
    return audit_pdf(store, audit, lang=lang, reader=audience.BRANCH)


def drain_outbox(store: Store, settings: outbox.SmtpSettings, **kw: Any) -> outbox.DrainResult:
    """Send what waits in the outbox, each audit's e-mail with the branch's PDF attached."""
    return outbox.drain(store, settings, make_pdf=branch_pdf, **kw)


def missed_visits(store: Store, now: str) -> list[dict[str, Any]]:
    """Visits whose window closed for good (missed) within the day before `now`: the webhook's
    visit.missed, once each (audit.notify.webhooks.daily_events runs once a day)."""
    from datetime import datetime, timedelta

    day_before = (datetime.fromisoformat(now) - timedelta(days=1)).isoformat()
    month = now[:7]
    first = (datetime.fromisoformat(now) - timedelta(days=62)).strftime("%Y-%m")
    out = []
    for v in store.list_visits(VisitFilter(first_month=first, last_month=month)):
        if visit_plans.state(v, now) == "missed" and visit_plans.state(v, day_before) != "missed":
            out.append({"id": v.id, "location_id": v.location_id, "region": v.region,
                        "plan_id": v.plan_id, "checklist_id": v.template_id,
                        "closes_at": v.closes_at, "links": {"self": f"/api/v1/visits/{v.id}"}})
    return out


def webhook_daily(store: Store, now: str | None = None) -> int:
    """The day's webhook events: actions overdue since yesterday, visits missed since then."""
    return webhooks.daily_events(store, now=now, missed=missed_visits)


def drain_forever(open_store: Callable[[], Store], stop: threading.Event, interval: float = 60.0
                  ) -> None:
    """The app's own drainer thread (see `outbox.drain_forever`), attaching the branch's PDF."""
    outbox.drain_forever(open_store, stop, interval, make_pdf=branch_pdf)
