"""Who may do what, as a table: role × action × whose object → allowed, every cell."""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

import pytest

from audit.model import AuditHeader, User
from audit.people import access

SHOPPER = User(name="sam", role="shopper", locations=("loc-a",))
ROAMER = User(name="rita", role="shopper", locations=(), any_location=True)
MANAGER = User(name="mia", role="manager", locations=("loc-a",))
HQ = User(name="boss", role="hq")
DISABLED_HQ = User(name="old", role="hq", disabled=True)
PEOPLE = {"shopper": SHOPPER, "manager": MANAGER, "hq": HQ}


def audit(*, auditor: str, location: str = "loc-a", mode: str = "mystery", status: str = "submitted",
          published: bool = False) -> AuditHeader:
    return AuditHeader(id="a1", template_id="t", template_version=1, location_id=location, mode=mode,
                       auditor=auditor, lang="ru", status=status, published=published)


# whose object → the audit it stands for
OBJECTS = {
    "own draft": audit(auditor="sam", status="draft"),
    "own submitted": audit(auditor="sam"),
    "other shopper's draft": audit(auditor="sue", status="draft"),
    "other shopper's submitted": audit(auditor="sue"),
    "mystery at my location, unpublished": audit(auditor="sue"),
    "mystery at my location, published": audit(auditor="sue", published=True),
    "mystery elsewhere, published": audit(auditor="sue", location="loc-b", published=True),
    "own self-audit draft": audit(auditor="mia", mode="self", status="draft"),
    "colleague's self-audit at my location": audit(auditor="max", mode="self"),
    "colleague's self-audit draft at my location": audit(auditor="max", mode="self", status="draft"),
    "self-audit elsewhere": audit(auditor="max", mode="self", location="loc-b"),
}

V, E, R, P, S, G, RV, RL = (access.VIEW_AUDIT, access.EDIT_AUDIT, access.REOPEN, access.PUBLISH,
                            access.SEE_AUDITOR, access.SEE_GPS, access.REVIEW, access.RELEASE_HELD)

# role → object → the actions allowed; everything else is refused
ALLOWED: dict[str, dict[str, set[str]]] = {
    "shopper": {
        "own draft": {V, E, S},
        "own submitted": {V, S},
        "other shopper's draft": set(),
        "other shopper's submitted": set(),
        "mystery at my location, unpublished": set(),
        "mystery at my location, published": set(),
        "mystery elsewhere, published": set(),
        "own self-audit draft": set(),
        "colleague's self-audit at my location": set(),
        "colleague's self-audit draft at my location": set(),
        "self-audit elsewhere": set(),
    },
    "manager": {
        "own draft": set(),  # a shopper's draft at the manager's location
        "own submitted": set(),  # unpublished mystery audit
        "other shopper's draft": set(),
        "other shopper's submitted": set(),
        "mystery at my location, unpublished": set(),
        "mystery at my location, published": {V},  # never S: the shopper stays a code
        "mystery elsewhere, published": set(),
        "own self-audit draft": {V, E, S},
        "colleague's self-audit at my location": {V, S},
        "colleague's self-audit draft at my location": set(),  # S only where the audit opens
        "self-audit elsewhere": set(),
    },
    "hq": {name: {V, E, R, P, S, G, RV, RL} for name in OBJECTS},
}


@pytest.mark.parametrize(("role", "what", "action"),
                         list(itertools.product(PEOPLE, OBJECTS, access.AUDIT_ACTIONS)))
def test_audit_access_table(role: str, what: str, action: str) -> None:
    # HQ may even "edit" a submitted audit here; the store itself still refuses until reopened
    assert access.may(PEOPLE[role], action, OBJECTS[what]) is (action in ALLOWED[role][what])


GLOBAL = {"shopper": set(), "manager": set(), "reviewer": {access.REVIEW_QUEUE},
          "hq": set(access.GLOBAL_ACTIONS)}


@pytest.mark.parametrize(("role", "action"),
                         list(itertools.product([*PEOPLE, "reviewer"], access.GLOBAL_ACTIONS)))
def test_global_access_table(role: str, action: str) -> None:
    assert access.may(({"reviewer": REVIEWER} | PEOPLE)[role], action) is (action in GLOBAL[role])


# -- reviews: a reviewer covers regions; the audit's region comes with the question ----------

REVIEWER = User(name="rex", role="reviewer", regions=("Москва",))
# whose object → (the audit, its location's region)
REVIEW_OBJECTS = {
    "mystery in my region, in review": (audit(auditor="sue"), "Москва"),
    "mystery in my region, published": (audit(auditor="sue", published=True), "Москва"),
    "mystery in my region, sent back (a draft)": (audit(auditor="sue", status="draft"), "Москва"),
    "mystery elsewhere, in review": (audit(auditor="sue", location="loc-b"), "СПб"),
    "self-audit in my region": (audit(auditor="mia", mode="self"), "Москва"),
}
REVIEWER_ALLOWED: dict[str, set[str]] = {
    "mystery in my region, in review": {V, S, RV, P, RL},
    "mystery in my region, published": {V, S, RV, P, RL},
    # a draft the reviewer cannot open; if it is held for its photos they may release it
    "mystery in my region, sent back (a draft)": {RL},
    "mystery elsewhere, in review": set(),
    "self-audit in my region": set(),
}


@pytest.mark.parametrize(("what", "action"),
                         list(itertools.product(REVIEW_OBJECTS, access.AUDIT_ACTIONS)))
def test_reviewer_access_table(what: str, action: str) -> None:
    header, region = REVIEW_OBJECTS[what]
    assert access.may(REVIEWER, action, header, region=region) is (
        action in REVIEWER_ALLOWED[what])
    assert not access.may(REVIEWER, action, header)  # without the region: nothing


@pytest.mark.parametrize(("role", "action"), list(itertools.product(PEOPLE, access.AUDIT_ACTIONS)))
def test_region_changes_nothing_for_other_roles(role: str, action: str) -> None:
    for name, header in OBJECTS.items():
        assert access.may(PEOPLE[role], action, header, region="Москва") is (
            action in ALLOWED[role][name])


# -- planned visits: role × whose visit ------------------------------------------------------


@dataclass(frozen=True)
class V_:
    shopper: str
    location_id: str = "loc-a"
    region: str = "Москва"


VISITS = {
    "my visit": V_("sam"),
    "another shopper's visit": V_("sue"),
    "open visit at my location": V_(""),
    "open visit elsewhere": V_("", "loc-b", "СПб"),
}
VW, ST = access.VIEW_VISIT, access.START_VISIT
VISIT_ALLOWED: dict[str, dict[str, set[str]]] = {
    "shopper": {"my visit": {VW, ST}, "another shopper's visit": set(),
                "open visit at my location": {VW, ST}, "open visit elsewhere": set()},
    "manager": {name: set() for name in VISITS},  # the branch never learns of a visit
    "reviewer": {"my visit": {VW}, "another shopper's visit": {VW},
                 "open visit at my location": {VW}, "open visit elsewhere": set()},
    "hq": {name: {VW, ST} for name in VISITS},
}


@pytest.mark.parametrize(("role", "what", "action"),
                         list(itertools.product(VISIT_ALLOWED, VISITS, access.VISIT_ACTIONS)))
def test_visit_access_table(role: str, what: str, action: str) -> None:
    who = ({"reviewer": REVIEWER} | PEOPLE)[role]
    assert access.may(who, action, VISITS[what]) is (action in VISIT_ALLOWED[role][what])


def test_visit_access__roamer_and_region_shopper_may_take_open_visits_anywhere_allowed() -> None:
    assert access.may(ROAMER, access.START_VISIT, VISITS["open visit elsewhere"])
    spb = User(name="ivan", role="shopper", regions=("СПб",))
    assert access.may(spb, access.START_VISIT, VISITS["open visit elsewhere"])
    assert not access.may(spb, access.START_VISIT, VISITS["open visit at my location"])
    assert not access.may(DISABLED_HQ, access.START_VISIT, VISITS["my visit"])


@pytest.mark.parametrize(("who", "action", "location", "allowed"), [
    (SHOPPER, access.START_MYSTERY, "loc-a", True),
    (SHOPPER, access.START_MYSTERY, "loc-b", False),
    (SHOPPER, access.START_SELF, "loc-a", False),
    (ROAMER, access.START_MYSTERY, "loc-b", True),  # HQ allowed this shopper any location
    (MANAGER, access.START_SELF, "loc-a", True),
    (MANAGER, access.START_SELF, "loc-b", False),
    (MANAGER, access.START_MYSTERY, "loc-a", False),
    (HQ, access.START_MYSTERY, "loc-b", True),
    (HQ, access.START_SELF, "loc-b", True),
    (DISABLED_HQ, access.START_SELF, "loc-a", False),
])
def test_location_access_table(who: User, action: str, location: str, allowed: bool) -> None:
    assert access.may(who, action, location) is allowed
    assert access.may(who, action, access.LocationRef(location)) is allowed


def test_nobody_signed_in__may_nothing() -> None:
    for action in (*access.GLOBAL_ACTIONS, *access.AUDIT_ACTIONS):
        assert not access.may(None, action, OBJECTS["own draft"])
    assert access.startable_modes(None) == ()


def test_disabled_account__may_nothing() -> None:
    assert not access.may(DISABLED_HQ, access.VIEW_AUDIT, OBJECTS["own draft"])
    assert not access.may(DISABLED_HQ, access.MANAGE_PEOPLE)


def test_auditor_label__manager_sees_a_code_for_a_mystery_shopper() -> None:
    published = OBJECTS["mystery at my location, published"]
    codes = {"sue": "S-1A2B3C"}
    assert access.auditor_label(MANAGER, published, codes) == "S-1A2B3C"
    assert access.auditor_label(HQ, published, codes) == "sue"
    assert access.auditor_label(MANAGER, OBJECTS["colleague's self-audit at my location"], codes) == "max"


def test_startable_modes__by_role() -> None:
    assert access.startable_modes(SHOPPER) == ("mystery",)
    assert access.startable_modes(MANAGER) == ("self",)
    assert access.startable_modes(HQ) == ("mystery", "self")


# -- corrective actions: role × action × whose -------------------------------------------------

REVIEWER = User(name="rita", role="reviewer", regions=("Москва",))
ACTION_PEOPLE = {"shopper": SHOPPER, "manager": MANAGER, "reviewer": REVIEWER, "hq": HQ}


@dataclasses.dataclass(frozen=True)
class ActionRef:
    location_id: str
    region: str
    owner: str


ME = "<me>"
ACTION_OBJECTS = {  # loc-a is the manager's location, in the reviewer's region
    "mine, at my location": ActionRef("loc-a", "Москва", ME),
    "a colleague's, at my location": ActionRef("loc-a", "Москва", "max"),
    "nobody's yet, at my location": ActionRef("loc-a", "Москва", ""),
    "elsewhere, another region": ActionRef("loc-b", "СПб", "max"),
}
AV, AW, AF, AA, AR = (access.VIEW_ACTION, access.WORK_ACTION, access.VERIFY_ACTION,
                      access.ASSIGN_ACTION, access.REQUEST_ACTION)
ACTION_ALLOWED: dict[str, dict[str, set[str]]] = {
    "shopper": {name: set() for name in ACTION_OBJECTS},  # a mystery shopper never sees them
    "manager": {
        "mine, at my location": {AV, AW, AR},  # never verifies, not even their own
        "a colleague's, at my location": {AV, AW, AR},
        "nobody's yet, at my location": {AV, AW, AR},
        "elsewhere, another region": set(),
    },
    "reviewer": {
        "mine, at my location": {AV, AW, AA, AR},  # not their own verification
        "a colleague's, at my location": {AV, AF, AA, AR},
        "nobody's yet, at my location": {AV, AF, AA, AR},
        "elsewhere, another region": set(),
    },
    "hq": {
        "mine, at my location": {AV, AW, AA, AR},
        "a colleague's, at my location": {AV, AW, AF, AA, AR},
        "nobody's yet, at my location": {AV, AW, AF, AA, AR},
        "elsewhere, another region": {AV, AW, AF, AA, AR},
    },
}


@pytest.mark.parametrize(("role", "what", "action"),
                         list(itertools.product(ACTION_PEOPLE, ACTION_OBJECTS, access.ACTION_ACTIONS)))
def test_action_access_table(role: str, what: str, action: str) -> None:
    user = ACTION_PEOPLE[role]
    obj = ACTION_OBJECTS[what]
    obj = dataclasses.replace(obj, owner=user.name if obj.owner == ME else obj.owner)
    assert access.may_act(user, action, obj) is (action in ACTION_ALLOWED[role][what])


def test_action_access__disabled_or_nobody_may_nothing() -> None:
    for user in (None, dataclasses.replace(HQ, disabled=True)):
        for action in access.ACTION_ACTIONS:
            assert not access.may_act(user, action, ActionRef("loc-a", "Москва", "boss"))
