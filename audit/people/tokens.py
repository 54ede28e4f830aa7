"""API tokens: made by HQ, shown once, kept as a hash, revoked at once, and read as a person.

A token is 32 random bytes (256 bits): a fast hash (SHA-256) is right for it, where a
password needs Argon2 — nobody can guess through 2^256 secrets, however fast each try is.
Every request looks the token up in the store, so a revocation holds in every process at
once. What a token may read is what a person of its scope may (`audit.people.access`): the
whole network for an HQ-scoped token, else what a branch manager of its locations (and of
every location in its regions) sees; which facts of an audit it sees is the audience
policy's row for API readers (`audit.people.audience`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from audit.core import limits
from audit.core.clock import now_iso
from audit.core.errors import AppError
from audit.model import User
from audit.model.integrations import SCOPES, ApiToken
from audit.people import audience
from audit.people.ratelimit import SharedRateLimiter
from audit.store import Store

PREFIX = "cja_"  # "customer-journey audit": a secret scanner can recognise a leaked token
TOUCH_SECONDS = 60  # the last use is written at most this often per token


class TokenError(AppError):
    """A token that cannot be made, found or used; `.code` names the i18n message."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message, **params)
        self.code = code


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def _clean_list(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(sorted({v.strip() for v in values if v and v.strip()}))


def issue_token(store: Store, name: str, scope: str, *, by: str, locations: tuple[str, ...] = (),
                regions: tuple[str, ...] = (), now: str | None = None) -> tuple[str, ApiToken]:
    """A new token: (the secret, shown this once, and what is kept)."""
    name = " ".join(name.split())
    if not name or len(name) > limits.API_TOKEN_NAME_MAX_CHARS:
        raise TokenError("token_bad_name", f"a token needs a name of 1 to "
                         f"{limits.API_TOKEN_NAME_MAX_CHARS} characters",
                         limit=limits.API_TOKEN_NAME_MAX_CHARS)
    if scope not in SCOPES:
        raise TokenError("token_bad_scope", f"scope {scope!r} is unknown; use read or write",
                         scope=scope)
    locations, regions = _clean_list(locations), _clean_list(regions)
    known = {loc.id: loc for loc in store.list_locations()}
    for loc in locations:
        if loc not in known:
            raise TokenError("token_unknown_location", f"there is no location {loc!r}", location_id=loc)
    for region in regions:
        if not any(loc.region == region for loc in known.values()):
            raise TokenError("token_unknown_region", f"no location is in region {region!r}",
                             region=region)
    if len(store.list_tokens()) >= limits.API_TOKENS_MAX:
        raise TokenError("token_too_many", f"at most {limits.API_TOKENS_MAX} tokens; revoke and "
                         "remove old ones first", limit=limits.API_TOKENS_MAX)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(id="tok_" + secrets.token_hex(6), name=name, scope=scope,
                     token_hash=hash_token(secret), locations=locations, regions=regions,
                     created_at=now or now_iso(), created_by=by)
    store.put_token(token)
    return secret, token


def revoke_token(store: Store, token_id: str, *, by: str, now: str | None = None) -> ApiToken:
    at = now or now_iso()
    found = store.update_token(token_id, lambda t: t if t.revoked_at else
                               replace(t, revoked_at=at, revoked_by=by))
    if found is None:
        raise TokenError("token_unknown", f"there is no token {token_id!r}", token_id=token_id)
    return found


def find_token(store: Store, token_id_or_name: str) -> ApiToken | None:
    tokens = store.list_tokens()
    return next((t for t in tokens if t.id == token_id_or_name), None) or next(
        (t for t in tokens if t.name == token_id_or_name and not t.is_revoked), None)


# requests per token per minute, every process and replica counting against one allowance
api_requests = SharedRateLimiter("too_many_api_requests", "API requests",
                                 limits.API_REQUESTS_PER_MINUTE, 60)


def authenticate(store: Store, secret: str, *, now: str | None = None) -> ApiToken:
    """The live token this secret is, or TokenError (unknown and revoked alike: 401)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        raise TokenError("token_invalid", "the token is not valid")
    wanted = hash_token(secret)
    token = store.token_by_hash(wanted)
    if token is None or not hmac.compare_digest(token.token_hash, wanted) or token.is_revoked:
        raise TokenError("token_invalid", "the token is not valid")
    at = now or now_iso()
    if _stale(token.last_used_at, at):
        store.update_token(token.id, lambda t: replace(t, last_used_at=at))
    return token


def _stale(last: str, now: str) -> bool:
    try:
        return datetime.fromisoformat(now) - datetime.fromisoformat(last) >= timedelta(seconds=TOUCH_SECONDS)
    except (TypeError, ValueError):
        return True


@dataclass(frozen=True)
class TokenReader:
    """What the rules need of a token: the person it reads as, and its audience row."""

    token: ApiToken
    user: User
    reader: audience.Reader

    @property
    def is_network(self) -> bool:
        return self.token.is_network

    @property
    def location_ids(self) -> tuple[str, ...] | None:
        """The locations it may read, None for all."""
        return None if self.token.is_network else self.user.locations


def reader_of(store: Store, token: ApiToken) -> TokenReader:
    """The token as the rules know people: HQ for the network, else a manager of its places."""
    if token.is_network:
        user = User(name=f"api:{token.id}", role="hq")
        return TokenReader(token, user, audience.Reader(audience.API_NETWORK))
    places = set(token.locations)
    if token.regions:
        places |= {loc.id for loc in store.list_locations() if loc.region in token.regions}
    user = User(name=f"api:{token.id}", role="manager", locations=tuple(sorted(places)))
    return TokenReader(token, user, audience.Reader(audience.API_SCOPED))


def rate_limit(store: Store, token: ApiToken) -> None:
    """Count one request of this token; RateLimited (429) when its minute is full."""
    api_requests.hit(store, token.id)


def retry_after(seconds: float) -> int:
    return max(1, math.ceil(seconds))
