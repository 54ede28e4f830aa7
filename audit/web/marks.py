"""The mark a route puts on a page it made whole: the page middleware leaves such a page as it
is (it only packs it) and takes the mark off before the browser sees it.

A customer's survey, the API's documents and the sign-in page are written for their readers by
their own routes; only Streamlit's page (and pages made to stand in for it, like the offline
page) get the app's language, service worker and first-screen files added.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-audit-whole-page"
MARK = {HEADER: "1"}
_KEY = HEADER.encode()


def is_marked(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k.lower() == _KEY for k, _ in headers)


def unmarked(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in headers if k.lower() != _KEY]


class WholePages:
    """Marks every response of `app` (a mounted app whose pages are its own, e.g. the API)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (_KEY, b"1")]}
            await send(message)

        await self.app(scope, receive, marked)
