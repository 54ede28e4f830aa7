"""Values of the integrations: API tokens, webhook endpoints and their deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCOPES = ("read", "write")

# what a webhook endpoint may be told of
EVENTS = ("audit.submitted", "audit.published", "action.created", "action.overdue", "action.done",
          "action.verified", "visit.missed", "voice.let_down")


@dataclass(frozen=True)
class ApiToken:
    """A named token for an integration: only the hash of its secret is kept.

    With no locations and no regions it reads the whole network (HQ's scope); otherwise only
    what a person covering those locations or regions would.
    """

    id: str
    name: str
    scope: str  # read | write
    token_hash: str  # sha256 of the whole token, hex
    locations: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    created_at: str = ""
    created_by: str = ""
    revoked_at: str = ""
    revoked_by: str = ""
    last_used_at: str = ""

    @property
    def is_network(self) -> bool:
        """HQ's scope: the whole network, shoppers' names included."""
        return not self.locations and not self.regions

    @property
    def is_revoked(self) -> bool:
        return bool(self.revoked_at)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "scope": self.scope, "token_hash": self.token_hash,
                "locations": list(self.locations), "regions": list(self.regions),
                "created_at": self.created_at, "created_by": self.created_by,
                "revoked_at": self.revoked_at, "revoked_by": self.revoked_by,
                "last_used_at": self.last_used_at}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ApiToken:
        return cls(id=str(d["id"]), name=str(d.get("name", "")), scope=str(d.get("scope", "read")),
                   token_hash=str(d.get("token_hash", "")),
                   locations=tuple(str(x) for x in d.get("locations") or ()),
                   regions=tuple(str(x) for x in d.get("regions") or ()),
                   created_at=str(d.get("created_at", "") or ""),
                   created_by=str(d.get("created_by", "") or ""),
                   revoked_at=str(d.get("revoked_at", "") or ""),
                   revoked_by=str(d.get("revoked_by", "") or ""),
                   last_used_at=str(d.get("last_used_at", "") or ""))


@dataclass(frozen=True)
class Endpoint:
    """A receiver HQ registered: where to post, which events, the secret that signs them.

    Like a token, an endpoint may be scoped to locations or regions: it hears only of those.
    """

    id: str
    url: str
    events: tuple[str, ...]
    secret: str  # "whsec_…" (Standard Webhooks); shown in Admin once, kept to sign
    locations: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    created_at: str = ""
    created_by: str = ""
    disabled: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "events": list(self.events), "secret": self.secret,
                "locations": list(self.locations), "regions": list(self.regions),
                "created_at": self.created_at, "created_by": self.created_by,
                "disabled": self.disabled}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Endpoint:
        return cls(id=str(d["id"]), url=str(d.get("url", "")),
                   events=tuple(str(x) for x in d.get("events") or ()),
                   secret=str(d.get("secret", "")),
                   locations=tuple(str(x) for x in d.get("locations") or ()),
                   regions=tuple(str(x) for x in d.get("regions") or ()),
                   created_at=str(d.get("created_at", "") or ""),
                   created_by=str(d.get("created_by", "") or ""), disabled=bool(d.get("disabled")))

    def hears(self, event: str, location_id: str, region: str) -> bool:
        if self.disabled or event not in self.events:
            return False
        if not self.locations and not self.regions:
            return True
        return location_id in self.locations or (bool(region) and region in self.regions)


@dataclass(frozen=True)
class Delivery:
    """One event for one endpoint, queued like an e-mail: claimed with a lease, retried, kept."""

    id: str  # also the Standard Webhooks message id: a receiver drops a repeat by it
    endpoint_id: str
    event: str
    payload: dict[str, Any]
    created_at: str
    status: str = "pending"  # pending | sent | dead
    attempts: int = 0
    next_try: str = ""
    lease_until: str = ""
    claimed_by: str = ""
    last_error: str = ""
    sent_at: str = ""
    seq: int = 0  # order of queuing within the store: an endpoint hears events in this order
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "endpoint_id": self.endpoint_id, "event": self.event,
                "payload": dict(self.payload), "created_at": self.created_at,
                "status": self.status, "attempts": self.attempts, "next_try": self.next_try,
                "lease_until": self.lease_until, "claimed_by": self.claimed_by,
                "last_error": self.last_error, "sent_at": self.sent_at, "seq": self.seq,
                "meta": dict(self.meta)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Delivery:
        return cls(id=str(d["id"]), endpoint_id=str(d.get("endpoint_id", "")),
                   event=str(d.get("event", "")), payload=dict(d.get("payload") or {}),
                   created_at=str(d.get("created_at", "")), status=str(d.get("status", "pending")),
                   attempts=int(d.get("attempts", 0)), next_try=str(d.get("next_try", "") or ""),
                   lease_until=str(d.get("lease_until", "") or ""),
                   claimed_by=str(d.get("claimed_by", "") or ""),
                   last_error=str(d.get("last_error", "") or ""),
                   sent_at=str(d.get("sent_at", "") or ""), seq=int(d.get("seq", 0) or 0),
                   meta=dict(d.get("meta") or {}))
