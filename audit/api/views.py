"""What the API says of each resource, for one token: the same access rules and audience policy
as a person of the token's scope (audit.people.access, audit.people.audience)."""

from __future__ import annotations

from typing import Any

from audit.model import Audit, Location, SummaryRow, User
from audit.model.actions import Action
from audit.model.visits import Plan, Visit
from audit.model.voice import VoiceResponse
from audit.people import access, audience
from audit.people.tokens import TokenReader
from audit.reports.voice import GapRow
from audit.store import TemplateInfo

BASE = "/api/v1"


def may_read_audit(who: TokenReader, row: SummaryRow) -> bool:
    """Submitted audits only (a draft is work in progress), as the token's person may open them."""
    return row.status == "submitted" and access.may(who.user, access.VIEW_AUDIT, row, region=row.region)


def state_of(row: SummaryRow) -> str:
    return "published" if row.published else "submitted"


def location(loc: Location) -> dict[str, Any]:
    return {"id": loc.id, "name": loc.name, "region": loc.region, "address": loc.address,
            "active": loc.active, "tz": loc.tz, "lat": loc.lat, "lon": loc.lon,
            "hours": {k: list(v) if v else None for k, v in loc.hours.items()},
            "links": {"self": f"{BASE}/locations/{loc.id}"}}


def checklist(info: TemplateInfo) -> dict[str, Any]:
    return {"id": info.id, "version": info.version, "title": {"ru": info.title_ru, "en": info.title_en},
            "uploaded_at": info.uploaded_at,
            "links": {"self": f"{BASE}/checklists/{info.id}/versions/{info.version}"}}


def audit_row(who: TokenReader, row: SummaryRow, changed_at: str, codes: dict[str, str],
              views: dict[Any, audience.View] | None = None) -> dict[str, Any]:
    """A list's row; `views` keeps the audience's answer per kind of audit over one page (a
    token never made an audit, so what it sees depends on the mode and nothing else)."""
    if views is None:
        view = audience.view_of(who.reader, row)
    else:
        view = views.get(row.mode) or views.setdefault(row.mode, audience.view_of(who.reader, row))
    return {
        "id": row.audit_id, "changed_at": changed_at, "location_id": row.location_id,
        "region": row.region, "checklist_id": row.template_id,
        "checklist_version": row.template_version, "mode": row.mode, "state": state_of(row),
        "auditor": audience.auditor_label(view, row, codes), "visit_at": row.visit_at,
        "submitted_at": row.submitted_at, "score": row.overall, "computed_score": row.computed,
        "level": row.level, "critical_failure": bool(row.critical), "answered": row.answered,
        "total": row.total,
        "links": {"self": f"{BASE}/audits/{row.audit_id}",
                  "location": f"{BASE}/locations/{row.location_id}",
                  "checklist": f"{BASE}/checklists/{row.template_id}/versions/{row.template_version}"},
    }


def audit_detail(who: TokenReader, row: SummaryRow, changed_at: str, audit: Audit,
                 codes: dict[str, str]) -> dict[str, Any]:
    out = audit_row(who, row, changed_at, codes)
    photo = f"{BASE}/audits/{row.audit_id}/photos"
    out["sections"] = [{"id": k, "score": v} for k, v in row.sections.items()]
    out["findings"] = [{"key": k, "lost": row.lost.get(k), "critical": k in row.critical}
                       for k in row.findings]
    out["not_applicable"] = list(row.na)
    out["answers"] = [{"key": a.key, "value": a.value, "na": a.na, "comment": a.comment,
                       "photos": [f"{photo}/{sha}" for sha in a.photos]}
                      for a in sorted(audit.answers.values(), key=lambda a: a.key)]
    out["photos"] = [{"sha256": p.sha256, "caption": p.caption, "width": p.width, "height": p.height,
                      "link": f"{photo}/{p.sha256}"} for p in audit.photos.values()]
    return out


def action(a: Action) -> dict[str, Any]:
    return {"id": a.id, "changed_at": a.updated_at or a.created_at, "location_id": a.location_id,
            "region": a.region, "audit_id": a.audit_id, "checklist_id": a.template_id,
            "checklist_version": a.template_version, "key": a.key, "section": a.section,
            "critical": a.critical, "lost": a.loss, "owner": a.owner, "due": a.due, "status": a.status,
            "note": a.note, "created_at": a.created_at, "done_at": a.done_at,
            "verified_at": a.verified_at, "repeats": a.repeats,
            "links": {"self": f"{BASE}/actions/{a.id}", "audit": f"{BASE}/audits/{a.audit_id}"}}


def visit(v: Visit, state: str) -> dict[str, Any]:
    return {"id": v.id, "plan_id": v.plan_id, "month": v.month, "location_id": v.location_id,
            "region": v.region, "checklist_id": v.template_id, "opens_at": v.opens_at,
            "closes_at": v.closes_at, "shopper": v.shopper, "status": v.status, "state": state,
            "audit_id": v.audit_id, "started_at": v.started_at, "done_at": v.done_at,
            "on_time": v.on_time,
            "links": {"self": f"{BASE}/visits/{v.id}",
                      "audit": f"{BASE}/audits/{v.audit_id}" if v.audit_id else None}}


def plan(p: Plan) -> dict[str, Any]:
    return {"id": p.id, "checklist_id": p.template_id, "first": p.first.isoformat(),
            "last": p.last.isoformat(), "location_ids": list(p.location_ids), "region": p.region,
            "per_month": p.per_month, "weekdays": list(p.weekdays), "time_from": p.time_from,
            "time_to": p.time_to, "shoppers": list(p.shoppers), "created_at": p.created_at,
            "links": {"self": f"{BASE}/plans/{p.id}"}}


def person(u: User) -> dict[str, Any]:
    return {"name": u.name, "role": u.role, "display_name": u.display_name, "code": u.code,
            "email": u.email, "locations": list(u.locations), "regions": list(u.regions),
            "any_location": u.any_location, "disabled": u.disabled}


def response(who: TokenReader, r: VoiceResponse, region: str) -> dict[str, Any]:
    """A customer's response: never the phone's hash; the words only once HQ approved them."""
    words = r.text if r.text and audience.may_read_customer_words(
        who.reader, approved=r.text_approved, leaves_app=True) else None
    return {"id": r.id, "location_id": r.location_id, "region": region,
            "checklist_id": r.template_id, "checklist_version": r.template_version, "day": r.day,
            "at": r.at, "level": r.level, "counted": r.is_counted,
            "ratings": [{"section": x.section, "expected": x.expected, "perceived": x.perceived,
                         "gap": x.gap} for x in r.ratings],
            "text": words,
            "links": {"self": f"{BASE}/responses/{r.id}", "location": f"{BASE}/locations/{r.location_id}"}}


def gap(g: GapRow, region: str, audits_too: bool) -> dict[str, Any]:
    """One location × touchpoint of the gap table; the audits' score beside it for the network."""
    out: dict[str, Any] = {
        "location_id": g.location_id, "location": g.location, "region": region,
        "section": g.section, "n": g.n, "expected": g.expected, "perceived": g.perceived,
        "gap": g.gap, "ci_low": g.ci_low, "ci_high": g.ci_high, "where": g.where,
        "links": {"location": f"{BASE}/locations/{g.location_id}"}}
    if audits_too:
        out["audit_score"], out["audits"] = g.audit_score, g.audits
    return out
