"""Who calls: the token a request brings, checked and counted, as the reader the rules know."""

from __future__ import annotations

from audit.api.problems import Problem
from audit.people.ratelimit import RateLimited
from audit.people.tokens import TokenError, TokenReader, authenticate, rate_limit, reader_of
from audit.store import Store


def bearer(authorization: str | None) -> str:
    """The secret of an `Authorization: Bearer …` header ("" when there is none)."""
    if not authorization:
        return ""
    scheme, _, secret = authorization.strip().partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def token_reader(store: Store, secret: str) -> TokenReader:
    """The live token's reader, its request counted; Problem 401 or 429 otherwise."""
    try:
        token = authenticate(store, secret)
    except TokenError as err:
        raise Problem(401, "unauthorized", "err.token_invalid",
                      headers={"WWW-Authenticate": 'Bearer realm="api"'}) from err
    try:
        rate_limit(store, token)
    except RateLimited as err:
        raise Problem(429, "rate_limited", "err.too_many_api_requests",
                      headers={"Retry-After": str(err.params["seconds"])}, **err.params) from err
    return reader_of(store, token)
