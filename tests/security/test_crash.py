"""A crash at any instant of a submit, a publish or a reopen leaves the old state or the new one,
never a mix, and `audit check` finds nothing (issue item 7).

A worker process runs the three actions on a copy of one data folder and kills itself with
SIGKILL just before its N-th rename or removal of a file: each N in turn, so every instant
between two steps of every action is a crash once. After each kill the folder is opened as the
app opens it and checked. The workers of one test are forked from one process that imported
the app once (each worker its own process, killed by a real SIGKILL): a fresh interpreter per
instant spent most of the test importing.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit.audits import capture as audits
from audit.audits import evidence
from audit.ops import check
from audit.store.folder.backend import TinyStore
from tests.conftest import answer_mini, populate
from tests.e2e.photos import phone_jpeg

WORKER = """
import os, signal, sys
from pathlib import Path
from audit.audits import capture as audits
from audit import workflow
from audit.store.folder.backend import TinyStore

def work(folder, audit_id, crash_at):
    store = TinyStore(folder)
    hq, mia = store.get_user("boss"), store.get_user("mia")
    steps = [0]

    def counted(real):
        def step(*args, **kwargs):
            steps[0] += 1
            if steps[0] == crash_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        return step

    os.replace, os.unlink = counted(os.replace), counted(os.unlink)
    workflow.submit(store, mia, audit_id)
    workflow.publish(store, hq, audit_id)
    audits.reopen(store, hq, audit_id, "the photo is blurred")
    print(steps[0], flush=True)

if len(sys.argv) > 1:  # one worker: folder, audit, crash_at
    work(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
else:  # a line "folder audit crash_at" per worker; answers "exit CODE" once it has ended
    from babel import localedata
    for lang in ("ru", "en"):  # read once here, not by each worker (the submit's messages)
        localedata.load(lang)
    for line in sys.stdin:
        folder, audit_id, crash_at = line.split()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                work(Path(folder), audit_id, int(crash_at))
            except BaseException:
                import traceback
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        status = os.waitpid(pid, 0)[1]
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print("exit", code, flush=True)
"""


def _run(folder: Path, audit_id: str, crash_at: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WORKER, str(folder), audit_id, str(crash_at)],
                          capture_output=True, text=True, timeout=120, check=False)


class Workers:
    """One process that imported the app, forking a worker per run (what `_run` returns)."""

    def __init__(self, tmp: Path) -> None:
        self.err = (tmp / "workers.err").open("w+", encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.err, text=True)

    def run(self, folder: Path, audit_id: str, crash_at: int) -> subprocess.CompletedProcess[str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        start = self.err.seek(0, 2)
        self.proc.stdin.write(f"{folder} {audit_id} {crash_at}\n")
        self.proc.stdin.flush()
        out = []
        while not (line := self.proc.stdout.readline()).startswith("exit "):
            assert line, "the forking process ended"
            out.append(line)
        self.err.seek(start)
        return subprocess.CompletedProcess([str(folder), audit_id, str(crash_at)], int(line.split()[1]),
                                           "".join(out), self.err.read())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.err.close()


@pytest.fixture(scope="module")
def ready(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A data folder with a self-audit answered and photographed, ready to submit."""
    root = tmp_path_factory.mktemp("crash") / "data"
    store = TinyStore(root)
    people = populate(store)
    mia = people["manager"]
    audit_id = audits.start_audit(store, mia, location_id="loc-a", template_id="mini",
                                  mode="self", lang="ru").id
    answer_mini(store, mia, audit_id, entrance__dry=False)
    evidence.add_photo(store, mia, audit_id, "office.facade", phone_jpeg())
    evidence.add_photo(store, mia, audit_id, "entrance.dry", phone_jpeg(seed=2))
    return root, audit_id


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    forking = Workers(tmp_path)
    yield forking
    forking.close()


@pytest.mark.slow
def test_sigkill_at_every_step_of_submit_publish_reopen__old_or_new_state__check_clean(
        ready: tuple[Path, str], workers: Workers, tmp_path: Path) -> None:
    base, audit_id = ready
    whole = workers.run(shutil.copytree(base, tmp_path / "whole"), audit_id, 0)
    assert whole.returncode == 0, whole.stderr
    steps = int(whole.stdout.split()[-1])
    answers = TinyStore(base).get_audit(audit_id).answers  # type: ignore[union-attr]
    made = {a.id for a in TinyStore(tmp_path / "whole").audit_actions(audit_id, "loc-a")}
    assert made  # the self-audit's findings became actions at its submit
    before = len(TinyStore(base).get_header(audit_id).events)  # type: ignore[union-attr]

    states, finished = set(), 0
    for crash_at in range(1, steps + 1):
        folder = shutil.copytree(base, tmp_path / f"kill-{crash_at}")
        done = workers.run(folder, audit_id, crash_at)
        assert done.returncode == -signal.SIGKILL, (crash_at, done.stderr[-2000:])

        store = TinyStore(folder)  # as the app opens it: interrupted changes are finished
        report = check.run(store)  # and the action hook an audit's submit did not finish
        finished += report.finished + report.hooks
        assert report.clean, (crash_at, [check.describe(f, "en") for f in report.findings])
        header, row = store.get_header(audit_id), store.get_summary(audit_id)
        assert header is not None and row is not None
        assert (row.status, row.published) == (header.status, header.published), crash_at
        assert store.get_audit(audit_id).answers == answers  # type: ignore[union-attr]
        # once submitted, its actions are there, killed mid-hook or not; never before
        actions = {a.id for a in store.audit_actions(audit_id, "loc-a")}
        assert actions == (made if len(header.events) > before else set()), crash_at
        assert store.actions_pending() == []
        states.add((header.status, header.published, len(header.events)))
        shutil.rmtree(folder)

    print(f"\n{steps} instants, {finished} interrupted changes finished at the next start")
    assert finished > 0  # some kills fell between the journal and the last rename
    # every state of the sequence was seen: before submit, submitted, published, reopened
    assert len(states) == 4, states


def test_cli_check_after_a_kill_mid_submit(ready: tuple[Path, str], tmp_path: Path) -> None:
    base, audit_id = ready
    folder = shutil.copytree(base, tmp_path / "data")
    assert _run(folder, audit_id, 3).returncode == -signal.SIGKILL
    journals = list((folder / ".journal").glob("*.json"))
    done = subprocess.run([sys.executable, "-m", "audit.ops.cli", "--data-dir", str(folder), "check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no problems found" in done.stdout
    if journals:
        assert "finished 1 interrupted change" in done.stdout
    assert not list((folder / ".journal").glob("*.json"))
