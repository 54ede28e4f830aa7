"""Who reads what of an audit: the one table every page, PDF, e-mail and export asks.

`audit.people.access` decides whether a person may open an audit at all; this module decides
which of its facts they then see. A surface computes `view_of(reader, header)` once and asks
`view.sees(FACT)` before it prints anything that carries the fact — a heading, a line, a count.
A reader who may not see a fact finds no trace of it.

Rules per cell: YES, NO, OWN (only on an audit the reader made), SELF (only on a self-audit:
the branch's own work, where there is no shopper to protect).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from audit.model import User

# -- the facts ------------------------------------------------------------------------------------

SHOPPER_IDENTITY = "shopper_identity"  # the auditor's name rather than their code
SHOPPER_GRADE = "shopper_grade"  # the reviewer's (or HQ's) grade of the shopper's report, its note
REVIEW_COMMENTS = "review_comments"  # the reviewer's words to the shopper: item comments, send-back notes
REVIEW_STEPS = "review_steps"  # the review's own steps in the history: sent back, resubmitted
POSITIONS = "positions"  # the phone's positions at start and submit, distances, photo GPS
PHOTO_REUSE = "photo_reuse"  # a photo flagged as re-used, like another, or old
INTERNAL_NOTES = "internal_notes"  # HQ's handling: reopen reasons, withdrawing a publication

FACTS = (SHOPPER_IDENTITY, SHOPPER_GRADE, REVIEW_COMMENTS, REVIEW_STEPS, POSITIONS, PHOTO_REUSE,
         INTERNAL_NOTES)

YES, NO, OWN, SELF = "yes", "no", "own", "self"

# -- the readers ----------------------------------------------------------------------------------
# A person reads as their role. A later API token reads as "api:<scope>", given its own row here;
# a kind without a row sees none of these facts.

SHOPPER, MANAGER, REVIEWER, HQ = "shopper", "manager", "reviewer", "hq"
# API tokens (audit.people.tokens): an HQ-scoped one names shoppers; one scoped to locations or
# regions does not (it reads as a branch would, and may be handed to one). Neither sees the
# review's inner workings, positions or HQ's notes: an integration needs the audit, not those.
API_NETWORK, API_SCOPED = "api:network", "api:scoped"

POLICY: Mapping[str, Mapping[str, str]] = {
    #            identity  grade  comments  steps  positions  reuse  internal
    SHOPPER: dict(zip(FACTS, (OWN, NO, OWN, OWN, NO, NO, OWN), strict=True)),
    MANAGER: dict(zip(FACTS, (SELF, NO, NO, NO, NO, NO, SELF), strict=True)),
    REVIEWER: dict(zip(FACTS, (YES, YES, YES, YES, NO, NO, YES), strict=True)),
    HQ: dict(zip(FACTS, (YES, YES, YES, YES, YES, YES, YES), strict=True)),
    API_NETWORK: dict(zip(FACTS, (YES, NO, NO, NO, NO, NO, NO), strict=True)),
    API_SCOPED: dict(zip(FACTS, (SELF, NO, NO, NO, NO, NO, NO), strict=True)),
}

# A copy that leaves the app (a PDF, an e-mail's attachment, the operator's export) may be
# forwarded: it names the auditor of a self-audit, never a mystery shopper, whoever made it.
LEAVES_THE_APP = {SHOPPER_IDENTITY: SELF}


class AuditLike(Protocol):
    """What the policy reads of an audit: AuditHeader and SummaryRow both have it."""

    @property
    def auditor(self) -> str: ...
    @property
    def mode(self) -> str: ...


@dataclass(frozen=True)
class Reader:
    """Who reads: a kind (a role, later "api:<scope>") and, for a person, their name."""

    kind: str
    name: str = ""

    @classmethod
    def of(cls, user: User) -> Reader:
        return cls(user.role, user.name)


BRANCH = Reader(MANAGER)  # the copy meant for the branch: an e-mail's attachment, `--for branch`
HQ_READER = Reader(HQ)


def _allows(rule: str, who: Reader, audit: AuditLike) -> bool:
    if rule == OWN:
        return bool(who.name) and who.name == audit.auditor
    if rule == SELF:
        return audit.mode == "self"
    return rule == YES


def may_see(reader: Reader | User, fact: str, audit: AuditLike, *, leaves_app: bool = False) -> bool:
    """True if `reader` may see `fact` of this audit (which they may already open); with
    `leaves_app`, in a copy that leaves the app."""
    if fact not in FACTS:
        raise ValueError(f"unknown fact {fact!r}; one of {', '.join(FACTS)}")
    who = reader if isinstance(reader, Reader) else Reader.of(reader)
    if not _allows(POLICY.get(who.kind, {}).get(fact, NO), who, audit):
        return False
    return not (leaves_app and fact in LEAVES_THE_APP) or _allows(LEAVES_THE_APP[fact], who, audit)


@dataclass(frozen=True)
class View:
    """What one reader sees of one audit, computed once and asked by every part of a surface."""

    reader: Reader
    facts: frozenset[str]

    def sees(self, fact: str) -> bool:
        if fact not in FACTS:
            raise ValueError(f"unknown fact {fact!r}; one of {', '.join(FACTS)}")
        return fact in self.facts


def view_of(reader: Reader | User, audit: AuditLike, *, leaves_app: bool = False) -> View:
    """What `reader` sees of this audit; with `leaves_app`, in a copy that leaves the app."""
    who = reader if isinstance(reader, Reader) else Reader.of(reader)
    return View(who, frozenset(f for f in FACTS if may_see(who, f, audit, leaves_app=leaves_app)))


def auditor_label(view: View, audit: AuditLike, codes: Mapping[str, str]) -> str:
    """The auditor's name where the view shows it, else the shopper's code."""
    return audit.auditor if view.sees(SHOPPER_IDENTITY) else codes.get(audit.auditor) or "S-??????"


# -- customers' voice ------------------------------------------------------------------------------
# A customer's own words are HQ's until HQ approves them; then any reader of the location's voice
# (a branch, an API token) may read them. The audits' score beside a touchpoint's gap is HQ's
# (and a whole-network token's): a branch compares itself with its customers, not with its audits.

def sees_audits_beside_voice(reader: Reader | User) -> bool:
    """True if `reader` sees the audits' section score beside customers' gaps."""
    who = reader if isinstance(reader, Reader) else Reader.of(reader)
    return who.kind in (HQ, API_NETWORK)


def reader_for(copy: str) -> Reader:
    """The reader a named copy is for: "branch" (what may be forwarded there) or "hq"."""
    readers = {"branch": BRANCH, "hq": HQ_READER}
    if copy not in readers:
        raise ValueError(f"copy {copy!r} is unknown; the PDF is for 'hq' or 'branch'")
    return readers[copy]


# -- which history events carry which fact ---------------------------------------------------------

EVENT_FACTS: Mapping[str, str] = {
    "graded": SHOPPER_GRADE,
    "comment": REVIEW_COMMENTS,
    "sent_back": REVIEW_STEPS,
    "position": POSITIONS,
    "reopened": INTERNAL_NOTES,
    # an audit completed without photos that never arrived from the phone, and which items lack them
    "photos_released": INTERNAL_NOTES,
    "unpublished": INTERNAL_NOTES,
}


def shown_events(view: View, events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The audit's events this reader may see.

    A reader without the review's steps sees one submit, the last: the rounds between the
    shopper and the reviewer leave no trace (no "resubmitted", no count of submits); one
    without HQ's notes sees one publication, the last.
    """
    out = [e for e in events
           if (fact := EVENT_FACTS.get(str(e.get("type", "")))) is None or view.sees(fact)]
    # a repeated step is a trace of what came between: only its last one is left
    for fact, kind in ((REVIEW_STEPS, "submitted"), (INTERNAL_NOTES, "published")):
        if not view.sees(fact):
            repeats = [i for i, e in enumerate(out) if e.get("type") == kind][:-1]
            out = [e for i, e in enumerate(out) if i not in set(repeats)]
    return out


def photo_flags(view: View, flags: Sequence[str], shown: int) -> tuple[list[str], int]:
    """The photo's re-use flags this reader sees, at most `shown`, and how many more there are."""
    if not view.sees(PHOTO_REUSE):
        return [], 0
    return list(flags[:shown]), max(0, len(flags) - shown)


# -- customers' own words (the voice page's free text) --------------------------------------------


def may_read_customer_words(reader: Reader | User, *, approved: bool, leaves_app: bool = False
                            ) -> bool:
    """A customer's free text from the voice page: HQ reads every one in the app (it approves
    them); anyone else, and every copy that leaves the app (a PDF may be forwarded), reads it
    only once HQ has approved it."""
    who = reader if isinstance(reader, Reader) else Reader.of(reader)
    return approved or (who.kind == HQ and not leaves_app)


def reads_customer_voice(reader: Reader | User) -> bool:
    """Whether an audit's PDF for `reader` carries the location's customers' voice: the
    branch's copy, HQ's and a reviewer's; not a shopper's (they judge the visit, not the
    customers)."""
    who = reader if isinstance(reader, Reader) else Reader.of(reader)
    return who.kind in (HQ, REVIEWER, MANAGER)
