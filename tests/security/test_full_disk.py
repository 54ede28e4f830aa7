"""A full disk: every write is refused with a clear message in the person's language, nothing
saved before is lost or changed, no half-written state or temp file stays behind, and work goes
on once space is freed (issue item 7).

The data folder lives on a small tmpfs that the test fills to the last byte, so the writes
meet the real ENOSPC of a real file system.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from audit import workflow
from audit.audits import capture as audits
from audit.audits import evidence
from audit.core.errors import StoreFull
from audit.i18n import error_text
from audit.ops import check
from audit.people import accounts
from audit.store.folder.backend import TinyStore
from tests.conftest import IN_CI, answer_mini, populate
from tests.e2e.photos import phone_jpeg

SMALL = (1600, 1200)  # photos that fit the small disk with room to spare


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(where)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        if IN_CI:
            pytest.fail(f"cannot mount a small tmpfs (CI runs as root): {mounted.stderr}")
        pytest.skip(f"mounting a small tmpfs needs root: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path) -> Path:
    """Write until the file system says it is full, to the last byte."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        size = 1 << 20
        while size:
            try:
                os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                size //= 2
    finally:
        os.close(fd)
    return filler


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".locks" not in p.parts}


def full_disk_refusal(err: BaseException) -> None:
    assert isinstance(err, StoreFull), repr(err)
    assert error_text(err, "ru").startswith("Диск сервера заполнен"), error_text(err, "ru")
    assert error_text(err, "en").startswith("The server's disk is full"), error_text(err, "en")


def test_full_disk__start_photo_sign_in_tap_submit_reopen_refused_clearly__nothing_lost(
        disk: Path) -> None:
    store = TinyStore(disk / "data")
    people = populate(store)
    sam, mia, hq = people["shopper"], people["manager"], people["hq"]
    draft = audits.start_audit(store, sam, location_id="loc-a", template_id="mini",
                               mode="mystery", lang="ru").id
    answer_mini(store, sam, draft)
    ready = audits.start_audit(store, mia, location_id="loc-a", template_id="mini",
                               mode="self", lang="ru").id
    answer_mini(store, mia, ready)
    evidence.add_photo(store, mia, ready, "office.facade", phone_jpeg(seed=5, size=SMALL))
    done = audits.start_audit(store, mia, location_id="loc-a", template_id="mini",
                              mode="self", lang="ru").id
    answer_mini(store, mia, done)
    evidence.add_photo(store, mia, done, "office.facade", phone_jpeg(seed=6, size=SMALL))
    workflow.submit(store, mia, done)

    before = snapshot(store.root)
    filler = fill(disk)

    attempts: dict[str, Callable[[], object]] = {
        "start": lambda: audits.start_audit(store, sam, location_id="loc-a", template_id="mini",
                                            mode="mystery", lang="ru"),
        "photo": lambda: evidence.add_photo(store, sam, draft, "office.facade",
                                            phone_jpeg(seed=7, size=SMALL)),
        "sign-in": lambda: accounts.start_session(store, accounts.sign_in(store, "sam",
                                                                           "secret-pass")),
        "tap": lambda: audits.answer(store, sam, draft, "entrance.clean", value=2),
        "submit": lambda: workflow.submit(store, mia, ready),
        "reopen": lambda: audits.reopen(store, hq, done, "a second look"),
    }
    for what, attempt in attempts.items():
        with pytest.raises(StoreFull) as refused:
            attempt()
            pytest.fail(f"{what} went through on a full disk")
        full_disk_refusal(refused.value)
        assert snapshot(store.root) == before, what  # not a byte changed, nothing left behind
    assert check.run(store).clean

    filler.unlink()  # space freed: the same work goes through
    for attempt in attempts.values():
        attempt()
    assert store.get_header(ready).status == "submitted"  # type: ignore[union-attr]
    assert store.get_header(done).status == "draft"  # type: ignore[union-attr]
    answers = store.get_audit(draft).answers  # type: ignore[union-attr]
    assert answers["entrance.clean"].value == 2 and answers["office.facade"].photos
    assert check.run(store).clean


def test_full_disk__sign_in_page_says_so_in_russian(disk: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.ui.common import close_app_stores
    from tests.test_app import app_as, texts

    store = TinyStore(disk / "data")
    populate(store)
    monkeypatch.setenv("AUDIT_DATA_DIR", str(store.root))
    monkeypatch.delenv("AUDIT_DATABASE_URL", raising=False)
    try:
        at = app_as(store, lang="ru").run()
        before = snapshot(store.root)
        fill(disk)
        at.text_input(key="signin.name").input("sam")
        at.text_input(key="signin.password").input("secret-pass")
        next(b for b in at.button if str(b.key).startswith("FormSubmitter:signin")).click().run()
        shown = texts(at)
    finally:
        close_app_stores()
    assert not at.exception, at.exception
    assert "Диск сервера заполнен" in shown, shown
    assert snapshot(store.root) == before
