"""Benchmark: the integrations' cost.

- list: every audit changed in one month, at 100,000 audits in the data folder, pulled through
  /api/v1/audits page by page (1,000 a page, the cursor followed, a network token: the access
  rules, the audience policy and JSON included) against the same rows read straight from the
  store (`changed_summaries` from the month's start, one call). Goal ≤ 2.0.
- submit: submitting an audit with 5 webhook endpoints registered (their receiver down)
  against a submit with none. Goal ≤ 1.2: queuing is one small write; nothing is posted.

Both lists must hold the same audits in the same order, and every webhook delivery must be
queued, or the script stops with an error. The last line is the worse ratio.

    python benchmarks/api.py [--audits N] [--tiny]   # --tiny: 2,000 audits, fewer submits
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from audit import workflow  # noqa: E402
from audit.api.app import create_api  # noqa: E402
from audit.audits import capture as audits  # noqa: E402
from audit.model import Answer, Audit, AuditHeader, Location, SummaryRow  # noqa: E402
from audit.notify import webhooks  # noqa: E402
from audit.people import tokens  # noqa: E402
from audit.store import AuditFilter, Store  # noqa: E402
from audit.store.folder import docs  # noqa: E402
from audit.store.folder.backend import TinyStore, _install  # noqa: E402
from audit.store.integrations import stamp  # noqa: E402
from benchmarks.scale import audit_doc  # noqa: E402
from tests.conftest import answer_mini, populate  # noqa: E402

LOCATIONS = 60
MONTHS = 12


def history(n: int, start: datetime) -> Iterator[tuple[Audit, SummaryRow]]:
    """n submitted audits of the mini checklist over MONTHS months, spread over LOCATIONS."""
    for i in range(n):
        loc = f"loc-{i % LOCATIONS:03d}"
        region = f"R{i % LOCATIONS % 6}"
        at = (start + timedelta(minutes=(MONTHS * 30 * 24 * 60) * i // n)).isoformat()
        audit_id = f"b{i:07d}"
        mode = "self" if i % 3 == 0 else "mystery"
        who = "mia" if mode == "self" else "sam"
        header = AuditHeader(id=audit_id, template_id="mini", template_version=1, location_id=loc,
                             mode=mode, auditor=who, lang="ru", status="submitted", started_at=at,
                             visit_at=at, submitted_at=at, published=mode == "mystery")
        answers = {"entrance.dry": Answer(key="entrance.dry", value=bool(i % 4), by=who, at=at)}
        row = SummaryRow(audit_id=audit_id, location_id=loc, region=region, template_id="mini",
                         template_version=1, mode=mode, auditor=who, status="submitted",
                         started_at=at, visit_at=at, submitted_at=at, published=mode == "mystery",
                         overall=float(50 + i % 50), computed=float(50 + i % 50), level="average",
                         sections={"entrance": 50.0}, findings=("entrance.dry",) if i % 4 == 0 else (),
                         answered=8, total=9)
        yield Audit(header=header, answers=answers), row


def build(root: Path, n: int, start: datetime) -> TinyStore:
    """The folder as benchmarks/scale.py builds it: each audit's file, then every row, index,
    rollup and change list installed at once (what `audit reindex` writes)."""
    store = TinyStore(root)
    populate(store)
    for k in range(LOCATIONS):
        store.put_location(Location(id=f"loc-{k:03d}", name=f"Branch {k}", region=f"R{k % 6}"))
    rows = []
    folder = root / "audits"
    for audit, row in history(n, start):
        (folder / f"{audit.id}.json").write_bytes(docs.dumps(audit_doc(audit)))
        rows.append(row)
    with store.locks.exclusive():
        _install(root, store.locks, ".bench", rows, [], {})
    return store


def median_ms(fn: object, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def list_part(store: Store, month_start: str, month_end: str, repeats: int) -> tuple[float, float, int]:
    secret, _ = tokens.issue_token(store, "bench", "read", by="bench")
    tokens.api_requests.count = 10**9  # the benchmark's own pace is not what it measures
    client = TestClient(create_api(lambda: store))
    auth = {"Authorization": f"Bearer {secret}"}

    def through_api() -> list[str]:
        ids: list[str] = []
        params = {"limit": "1000", "changed_after": month_start}
        while True:
            body = client.get("/audits", params=params, headers=auth).json()
            rows = body["data"]
            ids += [a["id"] for a in rows if a["changed_at"] < month_end]
            if not body["has_more"] or (rows and rows[-1]["changed_at"] >= month_end):
                return ids
            params = {"limit": "1000", "cursor": body["next_cursor"]}

    def direct() -> list[str]:
        ids: list[str] = []
        after = (month_start, "\uffff")
        while True:  # the same rows, straight from the store, in the same batches
            got = store.changed_summaries(AuditFilter(status="submitted"), after, 1000)
            ids += [r.audit_id for c, r in got if c < month_end]
            if len(got) < 1000 or got[-1][0] >= month_end:
                return ids
            after = (got[-1][0], got[-1][1].audit_id)

    a, b = through_api(), direct()
    if a != b or not a:
        raise SystemExit(f"the API listed {len(a)} audits, the store {len(b)}: they must be the same")
    return median_ms(through_api, repeats), median_ms(direct, repeats), len(a)


def drafts(store: Store, n: int) -> list[str]:
    sam = store.get_user("sam")
    assert sam is not None
    out = []
    for _ in range(n):
        audit_id = audits.start_audit(store, sam, location_id="loc-a", template_id="mini",
                                      mode="mystery", lang="ru").id
        answer_mini(store, sam, audit_id)
        audits.attach_photo(store, sam, audit_id, "office.facade", _ref(audit_id))
        out.append(audit_id)
    return out


def _ref(seed: str):  # type: ignore[no-untyped-def]
    import hashlib

    from audit.model import PhotoRef

    return PhotoRef(sha256=hashlib.sha256(seed.encode()).hexdigest(), width=640, height=480,
                    size=1000, uploaded_at=datetime.now(UTC).isoformat())


def submit_part(base: Path, n: int) -> tuple[float, float]:
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    port = dead.getsockname()[1]
    dead.close()  # nothing listens there: the receiver is down
    plain, hooked = TinyStore(base / "plain"), TinyStore(base / "hooked")
    for store in (plain, hooked):
        populate(store)
    for _ in range(5):
        webhooks.add_endpoint(hooked, f"http://127.0.0.1:{port}/hook", ("audit.submitted",), by="bench")
    sam = plain.get_user("sam")
    assert sam is not None
    times: dict[str, list[float]] = {"plain": [], "hooked": []}
    queues = {"plain": drafts(plain, n), "hooked": drafts(hooked, n)}
    for i in range(n):  # alternately, so a busy moment of the machine falls on both
        for name, store in (("plain", plain), ("hooked", hooked)):
            t0 = time.perf_counter()
            workflow.submit(store, sam, queues[name][i])
            times[name].append((time.perf_counter() - t0) * 1000)
    queued = len(hooked.list_deliveries(("pending",), limit=10**6))
    if queued != 5 * n:
        raise SystemExit(f"{queued} deliveries queued, not {5 * n}")
    return statistics.median(times["hooked"]), statistics.median(times["plain"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--audits", type=int, default=100_000)
    parser.add_argument("--tiny", action="store_true", help="2,000 audits, 8 submits, one run each")
    args = parser.parse_args()
    n = 2_000 if args.tiny else args.audits
    repeats, submits = (1, 8) if args.tiny else (3, 60)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        store = build(Path(tmp) / "data", n, start)
        print(f"built {n} audits in {time.perf_counter() - t0:.0f} s")
        month_start = stamp(datetime(2025, 6, 1, tzinfo=UTC))
        month_end = stamp(datetime(2025, 7, 1, tzinfo=UTC))
        api_ms, floor_ms, rows = list_part(store, month_start, month_end, repeats)
        list_ratio = api_ms / floor_ms
        print(f"list: {rows} audits changed in June through the API page by page {api_ms:.0f} ms, "
              f"from the store {floor_ms:.0f} ms: ratio {list_ratio:.2f} (goal ≤ 2.0)")
        hooked_ms, plain_ms = submit_part(Path(tmp), submits)
        submit_ratio = hooked_ms / plain_ms
        print(f"submit: with 5 webhook endpoints {hooked_ms:.1f} ms, with none {plain_ms:.1f} ms: "
              f"ratio {submit_ratio:.2f} (goal ≤ 1.2)")
    worst = max((list_ratio, api_ms, floor_ms), (submit_ratio, hooked_ms, plain_ms))
    print(f"api: ratio={worst[0]:.2f} ({worst[1]:.1f} ms vs floor {worst[2]:.1f} ms)")


if __name__ == "__main__":
    main()
