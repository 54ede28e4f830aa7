"""A phone's link that can go down hard: a TCP relay in front of the app that, when cut, breaks
every open connection (the page's WebSocket, a sync under way) and refuses new ones until it is
restored. The browser is not told it is offline (navigator.onLine stays true), as on a phone
whose signal goes while it still thinks it has a network: unlike Playwright's set_offline (a
soft switch that leaves sockets up) Streamlit loses its socket and starts reconnecting.

It can also hang, as a half-open socket does on a dropping link: nothing is broken or refused,
but what goes over a hung connection is swallowed (both ways, or only the app's replies) and
the connection stays open for ever; a request on it never ends by itself."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from tests.conftest import _free_port


class Link:
    """`with Link(app_port) as link:` the app at http://127.0.0.1:{link.port}; link.cut(), link.restore()."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.port = _free_port()
        self.down = False
        self.cuts = 0
        self.hanging = False  # what is sent now hangs its connection
        self.replies_only = False  # a hung connection still carries the requests to the app
        self.hung: set[int] = set()  # connections that carried something while hanging: for good
        self.heard = bytearray()  # what the phone sent over hung connections (first MiB)
        self._ids = 0
        self.loop = asyncio.new_event_loop()
        self.writers: set[asyncio.StreamWriter] = set()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Link:
        self.thread.start()
        assert self.ready.wait(30), "the relay did not start"
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut(self) -> None:
        """The signal goes: every connection breaks now, none opens until restore()."""
        asyncio.run_coroutine_threadsafe(self._cut(), self.loop).result(10)

    def restore(self) -> None:
        self.down = False

    def hang(self, *, replies_only: bool = False) -> None:
        """Until heal(), a connection the phone sends anything over hangs, for good; with
        replies_only the app still gets each request (and acts on it), the phone never hears
        back. A connection left idle meanwhile works as before."""
        self.loop.call_soon_threadsafe(self._hang, replies_only)

    def _hang(self, replies_only: bool) -> None:
        self.replies_only = replies_only
        self.hanging = True

    def heal(self) -> None:
        """New connections work again; the hung ones stay hung (the phone must give them up)."""
        self.loop.call_soon_threadsafe(setattr, self, "hanging", False)

    async def _cut(self) -> None:
        self.down = True
        self.cuts += 1
        for w in list(self.writers):
            w.transport.abort()  # a reset, not a polite close: the link is gone
        self.writers.clear()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", self.port))
        self.ready.set()
        try:
            self.loop.run_forever()
        finally:
            server.close()
            for w in self.writers:
                w.transport.abort()
            tasks = asyncio.all_tasks(self.loop)
            for task in tasks:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self.loop.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._relay(reader, writer)
        except asyncio.CancelledError:  # the relay shutting down
            writer.transport.abort()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        except OSError:
            writer.transport.abort()
            return
        pair = {writer, up_writer}
        self.writers |= pair
        self._ids += 1
        conn = self._ids
        await asyncio.gather(self._pipe(reader, up_writer, conn, request=True),
                             self._pipe(up_reader, writer, conn, request=False))
        self.writers -= pair

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, conn: int, *,
                    request: bool) -> None:
        try:
            while data := await src.read(65536):
                if request and self.hanging:
                    self.hung.add(conn)
                if conn in self.hung:
                    if request and len(self.heard) < 2**20:
                        self.heard += data
                    if not (request and self.replies_only):
                        continue  # swallowed: nothing arrives, nothing is closed
                dst.write(data)
                await dst.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            if request or conn not in self.hung:
                dst.close()  # the app closing a hung connection is not heard of either
