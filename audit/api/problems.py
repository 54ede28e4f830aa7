"""Errors of the API as RFC 9457 problem details (application/problem+json), in the caller's language.

Every refusal is one `Problem`: a status, a kind (its `type` URI and title) and a detail
saying what is wrong and how to fix it, written with `audit.i18n` in the language the
request's Accept-Language asks for (Russian or English).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from audit.i18n import t

PROBLEM_TYPE = "https://github.com/customer-journey-audit/docs/problems#"
MEDIA_TYPE = "application/problem+json"


def lang_of(request: Request) -> str:
    """Russian when Accept-Language puts it before English (or ?lang=ru), else English."""
    chosen = request.query_params.get("lang", "")
    if chosen in ("ru", "en"):
        return chosen
    best = ("en", -1.0)
    for i, part in enumerate(request.headers.get("accept-language", "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower()[:2]
        if code not in ("ru", "en"):
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > best[1] or (q == best[1] and i == 0):
            best = (code, q)
    return best[0]


class Problem(Exception):
    """A refusal: status, kind (unauthorized, forbidden, not_found, …), the detail's i18n key."""

    def __init__(self, status: int, kind: str, key: str, *, headers: dict[str, str] | None = None,
                 **params: Any) -> None:
        super().__init__(key)
        self.status = status
        self.kind = kind
        self.key = key
        self.params = params
        self.headers = headers or {}


def problem_response(request: Request, status: int, kind: str, detail: str,
                     headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    lang = lang_of(request)
    body = {"type": PROBLEM_TYPE + kind, "title": t(f"api.title.{kind}", lang), "status": status,
            "detail": detail, "instance": request.url.path, **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE,
                        headers={"Content-Language": lang, "Cache-Control": "no-store", **(headers or {})})


def render(request: Request, problem: Problem) -> JSONResponse:
    text = t(problem.key, lang_of(request), **problem.params)
    return problem_response(request, problem.status, problem.kind, text, problem.headers)
