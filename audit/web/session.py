"""Who is asking: the HttpOnly session cookie, re-checked on every request, and the CSRF checks."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from audit.model import User
from audit.people import accounts, handoff
from audit.store import Store

COOKIE = "audit_session"


@dataclass(frozen=True)
class Caller:
    user: User
    token: str


def is_https(request: Request) -> bool:
    """Behind a TLS-terminating proxy the scheme arrives as X-Forwarded-Proto."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def same_origin(request: Request) -> bool:
    """The request comes from a page of this site (Fetch metadata, then Origin against Host)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if not origin:
        return site == "same-origin"
    host = request.headers.get("x-forwarded-host") or request.headers.get("host") or ""
    # scheme and host both: a page of http://host must not act on https://host, or back
    parts = urlsplit(origin)
    return (parts.scheme == ("https" if is_https(request) else "http")
            and parts.netloc == host.split(",")[0].strip())


def caller(store: Store, request: Request) -> Caller | None:
    """The signed-in person, checked against the store now: an ended session is refused at once."""
    token = request.cookies.get(COOKIE)
    user = accounts.session_user(store, token)
    if user is None or token is None:
        return None
    return Caller(user, token)


def csrf_ok(request: Request, who: Caller) -> bool:
    return same_origin(request) and handoff.csrf_ok(who.token, request.headers.get("x-csrf-token"))


def set_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(COOKIE, token, max_age=accounts.SESSION_DAYS * 24 * 3600, path="/",
                        secure=is_https(request), httponly=True, samesite="lax")


def clear_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", secure=is_https(request), httponly=True, samesite="lax")
