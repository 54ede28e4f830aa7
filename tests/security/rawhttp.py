"""One HTTP request over a plain socket, its body made as it is sent, stopped once answered.

An HTTP client sends a whole body before it reads the answer; a server that refuses a 200 MB
body at its first bytes then leaves the client sending 200 MB for nothing (or, closing, leaves
it without the answer). Here the body goes out in pieces, and as soon as the server has
answered no more is sent: the test process never holds more than one piece, and measures
what the server does with a body it has refused.
"""

from __future__ import annotations

import http.client
import json
import select
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

MB = 2**20
PIECE = 64 * 1024
_FILL = b"7," * (PIECE // 2)  # JSON-looking bytes: "7,7,7,…"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    sent: int  # body bytes the client sent before the answer came (or the end)

    def json(self) -> Any:
        return json.loads(self.body)


def filler(size: int, head: bytes = b"") -> Iterator[bytes]:
    """`size` bytes in 64 KB pieces (the first ones `head`), made as they are sent."""
    if head:
        yield head
        size -= len(head)
    while size > 0:
        piece = _FILL[:min(PIECE, size)]
        size -= len(piece)
        yield piece


def request(url: str, method: str, path: str, *, body: Iterable[bytes] = (),
            length: int | None = None, headers: dict[str, str] | None = None,
            params: dict[str, str] | None = None, timeout: float = 120) -> Answer:
    """Send `body` with Content-Length `length`, or chunked when `length` is None."""
    parts = urlsplit(url)
    target = path + ("?" + urlencode(params) if params else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append(f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked")
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    sent = 0
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        try:
            for piece in body:
                if select.select([sock], [], [], 0)[0]:  # answered: the rest is not wanted
                    break
                sock.sendall(piece if length is not None else b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
            else:
                if length is None:
                    sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped listening; its answer is read below
        response = http.client.HTTPResponse(sock)
        response.begin()
        try:
            data = response.read()
        except ConnectionResetError:  # the server closed on a body it did not want, after
            data = b""  # its status line: the answer stands, its text is lost
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data, sent)
    finally:
        sock.close()
