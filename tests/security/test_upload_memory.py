"""Big uploads over HTTP to the served app cost its process no lasting memory (measured there).

The report: ten 55 MB PUTs to Streamlit's upload endpoint with the page's XSRF cookie and no
sign-in kept +524 MB for the 30-minute disconnected-session lifetime; twenty 55 MB photos,
all refused as too large, took the server from 902 to 1,964 MB and kept it. Here the same
uploads go to the app started as the README says (the `server` fixture), and the server
process's own memory is read from /proc: what it holds after the uploads (VmRSS) and its
peak while they ran (VmHWM, reset just before them).

Any big body costs the server some memory once, whoever refuses it: the HTTP server reads
and drops the rest of a refused body, and the allocator's pools grow on the first dozen such
bodies and then stay (measured with a page's session open: about +80 to +90 MB for a path
nobody guards, flat after some 13 bodies, the same for the guarded upload; without an open
session next to nothing). That cost is paid before measuring, with bodies sent to a path
nobody guards, so what is measured is what the uploads themselves leave behind; a server that
kept the uploads would keep 55 MB (or 25 MB) more for each.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from audit.audits import capture as audits
from audit.people import accounts, handoff
from audit.store.folder.backend import TinyStore
from audit.web.routes import MAX_PHOTO_BYTES

pytestmark = pytest.mark.e2e

MB = 2**20
BODY = 55 * MB  # the report's file size, over the photo limit (25 MB, Streamlit's too)
CHUNK = b"\xff" * MB  # the test sends one buffer again and again: the test process stays small
WARM_UP = 15  # big bodies after which the server's pools no longer grow (see above)
# What the server may hold after all the uploads beyond what it held before them: ten or
# twenty uploads kept would be 250 MB and more; refused ones leave at most allocator slack.
KEPT_BUDGET = 40 * MB
# Its peak on top of that: the guard and a photo with a declared length are refused before
# the app reads the body; a chunked photo is read up to the limit before it is refused, one
# request at a time, so one capped body at most.
PEAK_BUDGET = 40 * MB
CHUNKED_PHOTO_PEAK_BUDGET = MAX_PHOTO_BYTES + 40 * MB
T1 = "2026-05-01T10:00:00.000Z"
BOUNDARY = "audit-memory-test"
FORM = f"multipart/form-data; boundary={BOUNDARY}"


def body(size: int = BODY) -> Iterator[bytes]:
    """`size` bytes in 1 MB pieces, made as they are sent."""
    for _ in range(size // MB):
        yield CHUNK
    yield CHUNK[:size % MB]


def form(size: int = BODY) -> Iterator[bytes]:
    """A file of `size` bytes as the page's uploader sends it (one multipart part), streamed."""
    yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
           "Content-Type: image/jpeg\r\n\r\n").encode()
    yield from body(size)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


# --- the server process -------------------------------------------------------------------


def _listening_inodes(port: int) -> set[str]:
    """The socket inodes listening on `port` (state 0A is LISTEN in /proc/net/tcp)."""
    inodes: set[str] = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                inodes.add(fields[9])
    return inodes


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:  # the field after the name's ")" is
            found.append(int(entry.name))                  # the state, then the parent's pid
    return found


def server_pid(url: str) -> int:
    """The process started by this test session that listens on the served app's port."""
    port = urlsplit(url).port
    assert port is not None
    wanted = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    todo = _children(os.getpid())
    while todo:
        pid = todo.pop()
        try:
            if any(os.readlink(fd) in wanted for fd in Path(f"/proc/{pid}/fd").iterdir()):
                return pid
        except OSError:  # ended meanwhile, or a descriptor closed while listed
            pass
        todo += _children(pid)
    raise AssertionError(f"no process of this test session listens on port {port}")


def status_bytes(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"{field} not in /proc/{pid}/status")


class Memory:
    """The server's resident memory from now on: what it keeps, and its peak."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        # Linux: writing 5 resets the process's peak RSS (VmHWM) to its current RSS
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        self.before = status_bytes(pid, "VmRSS")

    def kept(self) -> int:
        return status_bytes(self.pid, "VmRSS") - self.before

    def peak(self) -> int:
        return status_bytes(self.pid, "VmHWM") - self.before


def mb(n: int) -> str:
    return f"{n / MB:.1f} MB"


def warm_up(url: str, pid: int) -> int:
    """Big bodies to a path nobody guards (refused by Streamlit); what the server kept of them."""
    memory = Memory(pid)
    with httpx.Client(base_url=url, timeout=120) as client:
        for _ in range(WARM_UP):
            r = client.put("/no-such-route", content=body(), headers={"Content-Type": FORM})
            assert r.is_client_error, r.status_code
    return memory.kept()


# --- a Streamlit session of the page, as a browser opens it -------------------------------


@contextmanager
def page_session(url: str) -> Iterator[tuple[str, str]]:
    """The page's XSRF cookie and the Streamlit session id its WebSocket is given.

    Nobody signs in: this is what anyone who opens the sign-in page has.
    """
    xsrf = httpx.get(url + "/_stcore/health").cookies["_streamlit_xsrf"]
    with connect(f"ws://{urlsplit(url).netloc}/_stcore/stream",
                 subprotocols=[Subprotocol("streamlit"), Subprotocol(xsrf)],
                 additional_headers={"Origin": url, "Cookie": f"_streamlit_xsrf={xsrf}"},
                 max_size=None) as ws:
        rerun = BackMsg()
        rerun.rerun_script.SetInParent()
        ws.send(rerun.SerializeToString())
        for _ in range(1000):
            msg = ForwardMsg()
            msg.ParseFromString(ws.recv(timeout=60))
            if msg.WhichOneof("type") == "new_session":
                yield xsrf, msg.new_session.initialize.session_id
                return
        raise AssertionError("the page's session sent no new_session message")


# --- the tests ----------------------------------------------------------------------------


def test_streamlit_upload__ten_55_mb_puts_without_sign_in__refused__server_keeps_nothing(
        server: tuple[str, TinyStore]) -> None:
    url, store = server
    pid = server_pid(url)
    sam = store.get_user("sam")
    assert sam is not None
    token = accounts.start_session(store, sam)
    with page_session(url) as (xsrf, session_id):
        headers = {"X-Xsrftoken": xsrf, "Content-Type": FORM}
        # The same PUT with a live sign-in is stored: session id, XSRF cookie and header and
        # the form are what Streamlit takes, so the 403s below come from the missing sign-in.
        signed = httpx.put(f"{url}/_stcore/upload_file/{session_id}/probe", content=form(1000),
                           headers=headers, cookies={"_streamlit_xsrf": xsrf, "audit_session": token})
        assert signed.status_code == 204, signed.text
        warm = warm_up(url, pid)
        with httpx.Client(base_url=url, timeout=120, cookies={"_streamlit_xsrf": xsrf}) as client:
            memory = Memory(pid)
            answers = [client.put(f"/_stcore/upload_file/{session_id}/file-{i}", content=form(),
                                  headers=headers)
                       for i in range(10)]
            kept, peak = memory.kept(), memory.peak()
    print(f"\nwarm-up, {WARM_UP} × 55 MB to a path nobody guards: kept {mb(warm)}"
          f"\nstreamlit upload, 10 × 55 MB without sign-in: kept {mb(kept)}, peak {mb(peak)}")
    assert [(r.status_code, r.text) for r in answers] == [(403, "Sign in first.")] * 10
    assert kept < KEPT_BUDGET, f"the server kept {mb(kept)}, budget {mb(KEPT_BUDGET)}"
    assert peak < PEAK_BUDGET, f"the server peaked {mb(peak)} higher, budget {mb(PEAK_BUDGET)}"


@pytest.mark.parametrize(("user", "declared"), [("sam", True), ("sue", False)],
                         ids=["length-declared", "chunked"])
def test_photo_route__twenty_55_mb_photos__refused_as_too_large__server_keeps_nothing(
        server: tuple[str, TinyStore], user: str, declared: bool) -> None:
    # one person per case: the route takes 30 photos a minute from a person
    url, store = server
    pid = server_pid(url)
    person = store.get_user(user)
    assert person is not None
    audit_id = audits.start_audit(store, person, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    token = accounts.start_session(store, person)
    headers = {"Origin": url, "X-CSRF-Token": handoff.csrf_token(token), "X-Lang": "en",
               "Content-Type": "image/jpeg"}
    params = {"audit": audit_id, "key": "office.facade", "client": "phone-1234-abcd", "at": T1}
    with httpx.Client(base_url=url, timeout=120, cookies={"audit_session": token}) as client:
        # a small body goes all the way to the photo check: signed in, CSRF token accepted
        small = client.post("/api/photo", params={**params, "seq": "1"}, content=b"not a photo",
                            headers=headers)
        assert small.status_code == 422 and small.json()["error"] == "not_an_image", small.text
        if declared:  # as a phone sends a file; without it the body comes chunked, size unknown
            headers["Content-Length"] = str(BODY)
        warm = warm_up(url, pid)
        memory = Memory(pid)
        answers = [client.post("/api/photo", params={**params, "seq": str(2 + i)}, content=body(),
                               headers=headers)
                   for i in range(20)]
        kept, peak = memory.kept(), memory.peak()
    how = "length declared" if declared else "chunked"
    print(f"\nwarm-up, {WARM_UP} × 55 MB to a path nobody guards: kept {mb(warm)}"
          f"\nphoto route, 20 × 55 MB ({how}): kept {mb(kept)}, peak {mb(peak)}")
    assert [(r.status_code, r.json()["error"]) for r in answers] == [(413, "too_large")] * 20
    for r in answers:
        text = r.json()["message"]
        assert text.startswith("The file is too large:") and "the limit is 25 MB" in text, text
    if declared:  # refused on the header: the size it names is the file's
        assert all(r.json()["message"].startswith("The file is too large: 55 MB") for r in answers)
    budget = PEAK_BUDGET if declared else CHUNKED_PHOTO_PEAK_BUDGET
    assert kept < KEPT_BUDGET, f"the server kept {mb(kept)}, budget {mb(KEPT_BUDGET)}"
    assert peak < budget, f"the server peaked {mb(peak)} higher, budget {mb(budget)}"


def test_streamlit_upload__signed_in__twenty_55_mb_files__refused__server_keeps_nothing(
        server: tuple[str, TinyStore]) -> None:
    """The report's "twenty 55 MB files in one photo uploader": Streamlit's limit is the
    photo's (25 MB), so a file over it is refused before the uploader keeps it."""
    url, store = server
    pid = server_pid(url)
    sue = store.get_user("sue")
    assert sue is not None
    token = accounts.start_session(store, sue)
    cookies = {"audit_session": token}
    with page_session(url) as (xsrf, session_id):
        headers = {"X-Xsrftoken": xsrf, "Content-Type": FORM}
        cookies["_streamlit_xsrf"] = xsrf
        with httpx.Client(base_url=url, timeout=120, cookies=cookies) as client:
            # a photo-sized file is taken: the refusals below are for the size alone
            fits = client.put(f"/_stcore/upload_file/{session_id}/fits",
                              content=form(MAX_PHOTO_BYTES - MB), headers=headers)
            assert fits.status_code == 204, fits.text
            warm = warm_up(url, pid)
            memory = Memory(pid)
            answers = [client.put(f"/_stcore/upload_file/{session_id}/big-{i}", content=form(),
                                  headers=headers)
                       for i in range(20)]
            kept, peak = memory.kept(), memory.peak()
    print(f"\nwarm-up, {WARM_UP} × 55 MB to a path nobody guards: kept {mb(warm)}"
          f"\nstreamlit upload, 20 × 55 MB signed in: kept {mb(kept)}, peak {mb(peak)}; "
          f"answers {sorted({r.status_code for r in answers})}")
    assert all(r.status_code in (400, 413) for r in answers), [r.status_code for r in answers]
    assert kept < KEPT_BUDGET, f"the server kept {mb(kept)}, budget {mb(KEPT_BUDGET)}"
    assert peak < PEAK_BUDGET + MAX_PHOTO_BYTES, f"the server peaked {mb(peak)} higher"
