"""Every benchmark at its tiny size, so none rots unnoticed: the whole path runs (stores built,
product and floor timed, the floor's figures checked against the product's), it exits 0, and
its last line keeps the shape `NAME: ratio=R (X ms vs floor Y ms)`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IN_CI, _pg_bin

ROOT = Path(__file__).resolve().parents[1]
HELPERS = {"pgserver"}  # imported by the benchmarks, not one itself
BENCHMARKS = sorted(p.stem for p in (ROOT / "benchmarks").glob("*.py")
                    if p.stem not in HELPERS and not p.stem.startswith("_"))
NEEDS = {"actions": "postgres", "scale": "postgres", "field": "chromium", "first_screen": "chromium",
         "voice": "chromium"}
EXTRA = {"actions": ["--postgres"]}  # its second store too: that path must not rot either
LAST_LINE = re.compile(r"(?P<name>[a-z][a-z0-9_-]*): ratio=\d+(\.\d+)? "
                       r"\(\d+(\.\d+)? ms vs floor \d+(\.\d+)? ms\)")
SECONDS = 240  # a tiny run takes seconds; this only stops one that hangs
# field's tiny run sends two photos and a 600 KB floor over slow 3G: a minute or more of
# the link alone, on top of its taps and its offline round
LONGER = {"field": 480}
# lines a benchmark prints before its last, each a figure someone reads
ALSO = {"field": ("tap-sync: ratio=", "field-lost: ", "drop-taps: ", "ghost-taps: ", "photo-any: ratio=",
                  "walk-bytes: ratio="),
        "first_screen": ("sign-in-first: ratio=", "sign-in-home: ", "home-repeat: ")}


def _missing(component: str) -> str | None:
    """Why a benchmark cannot run here, or None."""
    if component == "postgres" and _pg_bin() is None:
        return "PostgreSQL is not installed (apt-get install postgresql)"
    chromium = os.environ.get("AUDIT_CHROMIUM", "/usr/bin/chromium")
    if component == "chromium" and not Path(chromium).exists():
        return f"Chromium not found at {chromium} (apt-get install chromium)"
    return None


def _env() -> dict[str, str]:
    """This environment without a store of its own: each benchmark makes its stores."""
    env = {k: v for k, v in os.environ.items() if k not in ("AUDIT_DATA_DIR", "AUDIT_DATABASE_URL")}
    # temp folders in memory where there is room (a container's may hold 64 MB; a tiny run's
    # PostgreSQL alone needs 40): the stores are the same, and the disk's fsyncs, which a tiny
    # run does not measure, cost it no time on a busy machine
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 1 << 30:
        env["TMPDIR"] = str(shm)
    return env


def test_every_benchmark_is_here() -> None:
    """The folder is read, not listed by hand: a new script is run without anyone adding it."""
    assert {"abuse", "actions", "api", "autosave", "check_tap", "dashboard", "field", "first_screen",
            "photo", "report", "scale", "visits", "voice"} <= set(BENCHMARKS)
    assert not HELPERS & set(BENCHMARKS)


PHONE = sorted(n for n in BENCHMARKS if NEEDS.get(n) == "chromium")  # tests/test_benchmarks_phone.py


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in BENCHMARKS if n not in PHONE])
def test_benchmark__tiny_run__checks_pass_and_last_line_keeps_its_shape(name: str) -> None:
    run_tiny(name)


def run_tiny(name: str) -> None:
    """`name`'s tiny run: it exits 0 and prints its figures, the last in the common shape."""
    needs = NEEDS.get(name)
    why = _missing(needs) if needs else None
    if why is not None:
        if IN_CI:
            pytest.fail(f"{name}: {why}")
        pytest.skip(f"{name}: {why}")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), "--tiny",
                           *EXTRA.get(name, [])], cwd=ROOT, env=_env(), capture_output=True,
                          text=True, timeout=LONGER.get(name, SECONDS), check=False)
    tail = f"\n--- stdout ---\n{done.stdout[-3000:]}\n--- stderr ---\n{done.stderr[-3000:]}"
    assert done.returncode == 0, f"{name} exited with {done.returncode}{tail}"
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines, f"{name} printed nothing{tail}"
    for start in ALSO.get(name, ()):
        assert any(line.startswith(start) for line in lines[:-1]), f"{name}: no {start!r}{tail}"
    found = LAST_LINE.fullmatch(lines[-1])
    assert found is not None, f"{name}'s last line has another shape: {lines[-1]!r}{tail}"
    assert found["name"] == name, f"{name}'s last line names {found['name']!r}"
