"""Who may do what: the one place the UI, the CLI and the reports ask."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from audit.model import ROLES, User
from audit.people import audience

# Actions on no particular object
MANAGE_PEOPLE = "manage_people"
MANAGE_LOCATIONS = "manage_locations"
MANAGE_TEMPLATES = "manage_templates"
VIEW_DASHBOARD = "view_dashboard"
EXPORT = "export"
NETWORK_REPORT = "network_report"
PLAN_VISITS = "plan_visits"  # plans, recurring rules, the coverage grid, shoppers' grades
REVIEW_QUEUE = "review_queue"  # the list of mystery audits waiting for review
ACTION_CONTROL = "action_control"  # the network's open actions by location and owner; bulk reassignment
# Actions on a location
START_MYSTERY = "start_mystery"
START_SELF = "start_self"
# Actions on an audit
VIEW_AUDIT = "view_audit"
EDIT_AUDIT = "edit_audit"  # answer, attach photos, submit, delete a draft
REOPEN = "reopen"
PUBLISH = "publish"
SEE_AUDITOR = "see_auditor"  # the shopper's name rather than their code (audience.SHOPPER_IDENTITY)
SEE_GPS = "see_gps"  # positions: photo GPS, the phone at start and submit (audience.POSITIONS)
REVIEW = "review"  # comment on items, send back, grade the shopper (publish is PUBLISH)
# complete an audit submitted on the phone without the photos that never arrived from it
RELEASE_HELD = "release_held"
# Actions on a planned visit (a VisitLike)
VIEW_VISIT = "view_visit"
START_VISIT = "start_visit"

GLOBAL_ACTIONS = (MANAGE_PEOPLE, MANAGE_LOCATIONS, MANAGE_TEMPLATES, VIEW_DASHBOARD, EXPORT,
                  NETWORK_REPORT, PLAN_VISITS, REVIEW_QUEUE, ACTION_CONTROL)
LOCATION_ACTIONS = (START_MYSTERY, START_SELF)
AUDIT_ACTIONS = (VIEW_AUDIT, EDIT_AUDIT, REOPEN, PUBLISH, SEE_AUDITOR, SEE_GPS, REVIEW,
                 RELEASE_HELD)
VISIT_ACTIONS = (VIEW_VISIT, START_VISIT)
_FACT_OF = {SEE_AUDITOR: audience.SHOPPER_IDENTITY, SEE_GPS: audience.POSITIONS}


class AuditLike(Protocol):
    """What the rules read of an audit: AuditHeader and SummaryRow both have it."""

    @property
    def auditor(self) -> str: ...
    @property
    def location_id(self) -> str: ...
    @property
    def mode(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def published(self) -> bool: ...


class VisitLike(Protocol):
    """What the rules read of a planned visit (audit.visits.plans.Visit)."""

    @property
    def shopper(self) -> str: ...  # "" while open for any shopper of the region
    @property
    def location_id(self) -> str: ...
    @property
    def region(self) -> str: ...


@dataclass(frozen=True)
class LocationRef:
    id: str


def _active(user: User | None) -> bool:
    return user is not None and not user.disabled and user.role in ROLES


def _is_visit(obj: object) -> bool:
    return hasattr(obj, "shopper") and hasattr(obj, "region")


def _reviewer_may(user: User, action: str, obj: object, region: str | None) -> bool:
    """A reviewer reads and reviews submitted mystery audits of locations in their regions."""
    if action in GLOBAL_ACTIONS:
        return action == REVIEW_QUEUE
    if action == VIEW_VISIT and _is_visit(obj):
        return getattr(obj, "region", None) in user.regions
    if action not in AUDIT_ACTIONS or obj is None or isinstance(obj, (str, LocationRef)) \
            or _is_visit(obj):
        return False
    audit: AuditLike = obj  # type: ignore[assignment]
    if region is None or region not in user.regions or audit.mode != "mystery":
        return False
    if action == RELEASE_HELD:  # a held audit is a draft, which the reviewer cannot open
        return True
    return action in (VIEW_AUDIT, REVIEW, PUBLISH) and audit.status == "submitted"


def _shopper_may_visit(user: User, visit: VisitLike) -> bool:
    """Their own visits, and open ones where they may shop (their locations or regions)."""
    if visit.shopper:
        return visit.shopper == user.name
    return (visit.location_id in user.locations or user.any_location
            or visit.region in user.regions)


def may(user: User | None, action: str,
        obj: AuditLike | VisitLike | LocationRef | str | None = None, *,
        region: str | None = None) -> bool:
    """True if `user` may do `action` on `obj` (an audit, a visit, a location id, or nothing).

    `region` is the audit's location's region; only a reviewer's rights depend on it.
    """
    if not _active(user):
        return False
    assert user is not None  # noqa: S101  narrowed by _active
    if action in _FACT_OF:  # what of an audit one sees is the audience policy's to say
        return (obj is not None and not isinstance(obj, (str, LocationRef)) and not _is_visit(obj)
                and may(user, VIEW_AUDIT, obj, region=region)
                and audience.may_see(user, _FACT_OF[action], obj))  # type: ignore[arg-type]
    if user.role == "hq":
        return True
    if user.role == "reviewer":
        return _reviewer_may(user, action, obj, region)
    if action in GLOBAL_ACTIONS:
        return False
    if action in VISIT_ACTIONS:
        if not _is_visit(obj) or user.role != "shopper":
            return False
        return _shopper_may_visit(user, obj)  # type: ignore[arg-type]

    if action in LOCATION_ACTIONS:
        loc = obj.id if isinstance(obj, LocationRef) else obj
        if not isinstance(loc, str):
            return False
        if user.role == "shopper":
            return action == START_MYSTERY and (loc in user.locations or user.any_location)
        return action == START_SELF and loc in user.locations  # manager

    if action not in AUDIT_ACTIONS or obj is None or isinstance(obj, (str, LocationRef)) \
            or _is_visit(obj):
        return False
    audit: AuditLike = obj  # type: ignore[assignment]
    own = audit.auditor == user.name
    if action in (REOPEN, PUBLISH, REVIEW, RELEASE_HELD):
        return False
    if action == EDIT_AUDIT:
        return own and audit.status == "draft"
    # VIEW_AUDIT
    if user.role == "shopper":
        return own
    if audit.location_id not in user.locations:
        return False
    if audit.mode == "self":
        return own or audit.status == "submitted"
    return audit.status == "submitted" and audit.published


def auditor_label(viewer: User | None, audit: AuditLike, codes: dict[str, str]) -> str:
    """The auditor's name where the viewer may know it, else the shopper's code.

    Codes are random per person (kept on the User), so knowing a shopper's name does not
    let anyone work out their code.
    """
    if viewer is None or not _active(viewer):
        return codes.get(audit.auditor) or "S-??????"
    return audience.auditor_label(audience.view_of(viewer, audit), audit, codes)


def startable_modes(user: User | None) -> tuple[str, ...]:
    if not _active(user):
        return ()
    assert user is not None  # noqa: S101
    return {"shopper": ("mystery",), "manager": ("self",), "reviewer": (),
            "hq": ("mystery", "self")}[user.role]


# -- corrective actions (audit.actions.service) ---------------------------------------------------------
# Shoppers never see them: a mystery shopper must not learn what a branch fixed.

VIEW_ACTION = "view_action"
WORK_ACTION = "work_action"  # start, note, evidence photos, mark done
VERIFY_ACTION = "verify_action"  # verify or send back a done action; never one's own
ASSIGN_ACTION = "assign_action"  # change the owner or the due date
REQUEST_ACTION = "request_action"  # make an action from a finding that did not make one itself
ACTION_ACTIONS = (VIEW_ACTION, WORK_ACTION, VERIFY_ACTION, ASSIGN_ACTION, REQUEST_ACTION)


class ActionLike(Protocol):
    """What the rules read of a corrective action (audit.model.actions.Action)."""

    @property
    def location_id(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def owner(self) -> str: ...


def covers(user: User | None, location_id: str, region: str) -> bool:
    """Whether the person answers for this location: its managers, its region's reviewers, HQ.

    An action's owner must be one of them.
    """
    if user is None or user.disabled:
        return False
    if user.role == "hq":
        return True
    if user.role == "manager":
        return location_id in user.locations
    if user.role == "reviewer":
        return bool(region) and region in user.regions
    return False


def may_act(user: User | None, action: str, obj: ActionLike) -> bool:
    """True if `user` may do `action` (one of ACTION_ACTIONS) on the corrective action `obj`."""
    if user is None or user.disabled or user.role not in ("manager", "reviewer", "hq"):
        return False
    own = bool(obj.owner) and obj.owner == user.name
    mine = covers(user, obj.location_id, obj.region)
    if action == VIEW_ACTION:
        return own or mine
    if action == WORK_ACTION:
        return own or (user.role == "manager" and mine) or user.role == "hq"
    if action == VERIFY_ACTION:
        return not own and user.role in ("reviewer", "hq") and mine
    if action in (ASSIGN_ACTION,):
        return user.role in ("reviewer", "hq") and mine
    if action == REQUEST_ACTION:
        return mine
    return False
