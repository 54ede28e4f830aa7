"""What people do with visits: HQ plans them, a shopper starts and submits one, a grade is kept.

Each action checks access first (`audit.people.access`) and reads and writes through the store;
the rules they apply are the pure functions of `audit.visits.plans`.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Container

from audit import photos
from audit.audits import capture as audits
from audit.checklist.templates import get_checklist
from audit.core import clock
from audit.core.errors import AppError, NotFound, StoreError
from audit.core.zones import zone_at
from audit.model import AuditHeader, Location, SummaryRow, User
from audit.model.visits import Plan, Visit, VisitFilter
from audit.people import access
from audit.store import Store
from audit.visits.plans import (
    PlanError,
    VisitError,
    changed_visit,
    check_shopper,
    expand,
    in_window,
    new_plan_id,
    people_months,
    state,
)
from audit.visits.proof import Position, proof_of


def plan_visits(store: Store, actor: User, plan: Plan, now: str | None = None) -> list[Visit]:
    """Check the plan against the people, locations and checklists there are, expand it and
    store it with its visits in one call; nothing is stored when anything is wrong."""
    if not access.may(actor, access.PLAN_VISITS):
        raise PlanError("plan_forbidden", "only HQ plans visits")
    try:
        get_checklist(store, plan.template_id)
    except AppError as err:
        raise PlanError("plan_unknown_template", f"no checklist {plan.template_id!r}",
                        template=plan.template_id) from err
    plan = dataclasses.replace(plan, id=plan.id or new_plan_id(), created_by=actor.name,
                               created_at=now or clock.now_iso())
    visits = expand(plan, {loc.id: loc for loc in store.list_locations()},
                    {u.name: u for u in store.list_users()})
    store.put_plan(plan, visits)
    return visits


def change_visit(store: Store, actor: User, visit_id: str, *, shopper: str | None = None,
                 status: str | None = None, expect: Callable[[Visit], None] | None = None) -> Visit:
    """HQ gives a planned visit to another shopper, cancels it or plans it again
    (`plans.changed_visit`), under the visit's lock; `expect` may refuse the visit as it is
    then (an integration's If-Match). Nothing changes when anything is wrong."""
    if not access.may(actor, access.PLAN_VISITS):
        raise PlanError("plan_forbidden", "only HQ plans visits")
    visible_visit(store, actor, visit_id)
    if shopper:
        check_shopper(shopper, {u.name: u for u in store.list_users()})

    def change(v: Visit) -> Visit:
        if expect is not None:
            expect(v)
        return changed_visit(v, shopper=shopper, status=status)

    return store.update_visit(visit_id, change)


def visible_visit(store: Store, actor: User, visit_id: str) -> Visit:
    """The visit if `actor` may see it; one message for "none" and "someone else's"."""
    visit = store.get_visit(visit_id)
    if visit is None or not access.may(actor, access.VIEW_VISIT, visit):
        raise VisitError("visit_not_found", f"no visit {visit_id!r} planned for {actor.name}",
                         visit_id=visit_id)
    return visit


def start_visit(store: Store, actor: User, visit_id: str, *, lang: str,
                position: Position | None = None, now: str | None = None) -> AuditHeader:
    """Claim the visit and start its audit with everything filled in.

    The visit is claimed first, under its lock, with the new audit's id: a second start (a
    double tap, a second tab) is refused with the audit to continue, and a start that failed
    between claim and audit is finished by starting again.
    """
    at = now or clock.now_iso()
    if actor.disabled:
        raise VisitError("visit_account_disabled", f"{actor.name}'s account is disabled")
    visit = visible_visit(store, actor, visit_id)
    location = store.get_location(visit.location_id)
    if location is None:
        raise VisitError("visit_location_gone", f"location {visit.location_id} no longer exists",
                         location_id=visit.location_id)
    if not location.active:
        raise VisitError("visit_location_disabled", f"location {location.name} is disabled",
                         name=location.name)
    if visit.status == "started" and visit.audit_id and store.get_header(visit.audit_id):
        raise VisitError("visit_already_started", "this visit is already under way",
                         audit_id=visit.audit_id)
    if visit.status == "done":
        raise VisitError("visit_done", "this visit is done", audit_id=visit.audit_id)
    if visit.status == "cancelled":
        raise VisitError("visit_cancelled", "HQ cancelled this visit")
    if state(visit, at) == "missed":
        raise VisitError("visit_missed", "the window of this visit closed more than a week ago")
    proof = proof_of(location, position.lat if position else None,
                     position.lon if position else None)
    audit_id = visit.audit_id or audits.new_audit_id()

    def claim(v: Visit) -> Visit:
        if not access.may(actor, access.START_VISIT, v):
            raise VisitError("visit_not_found", f"no visit {visit_id!r} planned for {actor.name}",
                             visit_id=visit_id)
        if v.status not in ("planned", "started") or (v.audit_id and v.audit_id != audit_id):
            raise VisitError("visit_already_started", "this visit is already under way",
                             audit_id=v.audit_id)
        return dataclasses.replace(
            v, shopper=v.shopper or actor.name, status="started", audit_id=audit_id,
            started_at=at, on_time=in_window(v, at),
            start_pos=position.to_dict() if position else None, start_distance=proof.distance)

    store.update_visit(visit_id, claim)
    header = audits.start_audit(store, actor, location_id=visit.location_id,
                                template_id=visit.template_id, mode="mystery", lang=lang,
                                visit_at=at, now=at, audit_id=audit_id, visit_id=visit_id)
    if position is not None:
        header = _with_position(header, "start", position, actor.name, at, proof.distance)
        store.update_header(header.id, header)
    return header


def _with_position(header: AuditHeader, stage: str, p: Position, by: str, at: str,
                   distance: float | None) -> AuditHeader:
    event = {"type": "position", "stage": stage, "by": by, "at": at, "lat": p.lat, "lon": p.lon,
             "accuracy": p.accuracy, "distance": None if distance is None else round(distance, 1)}
    return dataclasses.replace(header, events=(*header.events, event))


def submit(store: Store, actor: User, audit_id: str, *, position: Position | None = None,
           now: str | None = None, excused: Container[str] = ()) -> SummaryRow:
    """Submit the audit (audits.submit; `excused` items' photos never arrived), then record
    where the phone was and close its visit."""
    at = now or clock.now_iso()
    row = audits.submit(store, actor, audit_id, now=at, excused=excused)
    header = store.get_header(audit_id)
    if header is None:
        return row
    location = store.get_location(header.location_id)
    proof = proof_of(location, position.lat if position else None,
                     position.lon if position else None)
    if position is not None:
        store.update_header(audit_id, _with_position(header, "submit", position, actor.name, at,
                                                     proof.distance), allow_submitted=True)
    if header.visit_id:
        def done(v: Visit) -> Visit:
            return dataclasses.replace(
                v, status="done", done_at=v.done_at or at,
                submit_pos=position.to_dict() if position else v.submit_pos,
                submit_distance=proof.distance if position else v.submit_distance)

        # the audit is what counts; a visit HQ deleted meanwhile has nothing to close
        with contextlib.suppress(StoreError):
            store.update_visit(header.visit_id, done)
    return row


def record_grade(store: Store, visit_id: str, value: int, note: str, by: str) -> None:
    """The shopper's grade on their visit, which HQ's shopper table reads."""
    with contextlib.suppress(StoreError):  # the grade is in the audit's history all the same
        store.update_visit(visit_id, lambda v: dataclasses.replace(
            v, grade=value, grade_note=note, graded_by=by))


def shopper_visits(store: Store, actor: User, now: str) -> list[Visit]:
    """A shopper's own visits and the open ones they may take, around this month."""
    first, last = people_months(now)
    own = store.list_visits(VisitFilter(first, last, shopper=actor.name))
    open_ = [v for v in store.list_visits(VisitFilter(first, last, open_only=True))
             if access.may(actor, access.START_VISIT, v)]
    return own + open_


# -- where a location is, from a photo taken there -------------------------------------------------


class NoGps(AppError):
    """A location's photo that says nothing of where it was taken (no GPS in it, none from the phone)."""

    code = "no_gps"


def check_location_photo_welcome(store: Store, actor: User, location_id: str) -> Location:
    """The location whose place `actor` may set from a photo (HQ, who manages locations);
    NotFound for anyone else and for a location that does not exist, alike."""
    location = store.get_location(location_id) if location_id else None
    if location is None or not access.may(actor, access.MANAGE_LOCATIONS):
        raise NotFound(f"no location {location_id}", location_id=location_id)
    return location


def locate_from_photo(store: Store, actor: User, location_id: str, data: bytes,
                      phone_gps: tuple[float, float] | None = None) -> Location:
    """A photo taken at the branch: where it was taken (the photo's GPS, else the phone's reading
    of the original: `prepare_sent`) becomes the location's coordinates, and the zone there its
    time zone. PhotoError for bytes that are not a usable photo, NoGps for one that does not say
    where; the location is unchanged then. The Admin page's photo element (via
    /api/location-photo) calls this."""
    check_location_photo_welcome(store, actor, location_id)
    sent = photos.prepare_sent(data, phone_gps)  # Pillow is loaded here, on first use
    if sent.gps is None:
        raise NoGps("the photo carries no position")
    lat, lon = sent.gps
    location = check_location_photo_welcome(store, actor, location_id)  # as it is now
    zone = zone_at(lat, lon) or location.tz
    new = dataclasses.replace(location, lat=lat, lon=lon, tz=zone)
    store.put_location(new)
    return new
