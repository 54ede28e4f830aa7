"""The `audit` command, run as a user runs it: a real process, real files, exit codes."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from audit.model import Location
from audit.ops.cli import build_parser
from audit.ops.demo import generate
from audit.reports import analytics
from audit.store.folder.backend import TinyStore
from tests.conftest import MINI_YAML

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "audit.ops.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, input=stdin, timeout=300,
                          check=False)


def subcommands() -> list[list[str]]:
    """Every command and subcommand the parser knows, walked from the parser itself."""
    found: list[list[str]] = [[]]

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.append([*prefix, name])
                    walk(sub, [*prefix, name])

    walk(build_parser(), [])
    return found


@pytest.mark.parametrize("cmd", subcommands(), ids=lambda c: " ".join(c) or "audit")
def test_every_command_has_help(cmd: list[str]) -> None:
    done = run(*cmd, "--help")
    assert done.returncode == 0
    assert "usage: audit" in done.stdout and len(done.stdout.splitlines()) > 3


def test_validate__shipped_checklists_ok() -> None:
    files = sorted(str(p) for p in (ROOT / "audit" / "checklist" / "shipped").glob("*.yaml"))
    done = run("validate", *files)
    assert done.returncode == 0, done.stderr
    assert [line.split(": ")[-1] for line in done.stdout.splitlines()] == ["ok"] * len(files)


def test_validate__every_problem_to_stderr_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINI_YAML.replace("type: scale", "type: scael").replace("weight: 2\n    items",
                                                                          "wieght: 2\n    items"),
                   encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(MINI_YAML, encoding="utf-8")
    done = run("validate", str(good), str(bad))
    assert done.returncode == 1
    assert f"{good}: ok" in done.stdout
    assert f"{bad}:" in done.stderr and 'did you mean "scale"?' in done.stderr
    assert 'did you mean "weight"?' in done.stderr
    ru = run("validate", "--lang", "ru", str(bad))
    assert "может быть, «scale»?" in ru.stderr


def test_demo__same_seed_same_data(tmp_path: Path) -> None:
    for name in ("a", "b"):
        done = run("--data-dir", str(tmp_path / name), "demo", "--seed", "3", "--audits", "40",
                   "--today", "2026-11-01")
        assert done.returncode == 0, done.stderr
        assert "40 audits" in done.stdout
    a, b = TinyStore(tmp_path / "a"), TinyStore(tmp_path / "b")
    assert a.list_summaries() == b.list_summaries()
    assert a.list_locations() == b.list_locations()
    assert {u.name: (u.role, u.locations, u.code) for u in a.list_users()} == \
        {u.name: (u.role, u.locations, u.code) for u in b.list_users()}
    row = a.list_summaries()[5]
    assert a.get_audit(row.audit_id) == b.get_audit(row.audit_id)


def test_demo__refuses_a_store_with_audits_unless_forced(tmp_path: Path) -> None:
    assert run("--data-dir", str(tmp_path), "demo", "--audits", "20").returncode == 0
    again = run("--data-dir", str(tmp_path), "demo", "--audits", "20")
    assert again.returncode == 1 and "already holds audits" in again.stderr


def test_users__add_list_passwd_password_never_an_argument(tmp_path: Path) -> None:
    d = str(tmp_path)
    TinyStore(tmp_path).put_location(Location(id="loc-a", name="A", region="R"))
    added = run("--data-dir", d, "users", "add", "mia", "--role", "manager", "--location", "loc-a",
                env={"AUDIT_PASSWORD": "manager-pass"})
    assert added.returncode == 0, added.stderr
    listed = run("--data-dir", d, "users", "list")
    assert "mia\tmanager\tloc-a" in listed.stdout
    no_pw = run("--data-dir", d, "users", "passwd", "mia", env={"AUDIT_PASSWORD": ""})
    assert no_pw.returncode == 1 and "AUDIT_PASSWORD" in no_pw.stderr
    changed = run("--data-dir", d, "users", "passwd", "mia", env={"AUDIT_PASSWORD": "another-pass"})
    assert changed.returncode == 0
    bad = run("--data-dir", d, "users", "add", "max", "--role", "manager", "--location", "nowhere",
              env={"AUDIT_PASSWORD": "manager-pass"})
    assert bad.returncode == 1 and "no location nowhere" in bad.stderr
    stored = "".join(p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.json"))
    assert "manager-pass" not in stored and "another-pass" not in stored
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["users", "add", "x", "--role", "hq", "--password", "p"])


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("demo")
    generate(TinyStore(d), seed=1, audits=60, today=date(2026, 11, 1))
    return d


def test_report__audit_pdf_in_either_language(demo_dir: Path, tmp_path: Path) -> None:
    audit_id = TinyStore(demo_dir).list_summaries()[-1].audit_id
    for lang in ("ru", "en"):
        out = tmp_path / f"{lang}.pdf"
        done = run("--data-dir", str(demo_dir), "report", audit_id, "-o", str(out), "--lang", lang)
        assert done.returncode == 0, done.stderr
        text = PdfReader(out).pages[0].extract_text()
        assert audit_id in text


def test_report__network_pdf_and_clear_errors(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "net.pdf"
    done = run("--data-dir", str(demo_dir), "report", "--network", "--from", "2026-01-01",
               "--to", "2026-11-01", "--region", "Москва", "-o", str(out), "--lang", "ru")
    assert done.returncode == 0, done.stderr
    assert "Москва" in "".join(p.extract_text() for p in PdfReader(out).pages)
    missing = run("--data-dir", str(demo_dir), "report", "no-such-audit", "-o", str(out))
    assert missing.returncode == 1 and "no audit no-such-audit" in missing.stderr
    bad_date = run("--data-dir", str(demo_dir), "report", "--network", "--from", "yesterday",
                   "-o", str(out))
    assert bad_date.returncode == 1 and "Traceback" not in bad_date.stderr


def test_export__csv_and_xlsx_read_back(demo_dir: Path, tmp_path: Path) -> None:
    rows = [r for r in TinyStore(demo_dir).list_summaries() if r.region == "Урал"]
    done = run("--data-dir", str(demo_dir), "export", "--format", "xlsx", "--region", "Урал",
               "-o", str(tmp_path / "x.xlsx"))
    assert done.returncode == 0, done.stderr
    sheets = pd.read_excel(tmp_path / "x.xlsx", sheet_name=None)
    assert sorted(sheets["audits"]["audit_id"]) == sorted(r.audit_id for r in rows)
    done = run("--data-dir", str(demo_dir), "export", "--format", "csv", "-o", str(tmp_path / "y.csv"))
    assert done.returncode == 0, done.stderr
    audits_csv = pd.read_csv(io.BytesIO((tmp_path / "y-audits.csv").read_bytes()), encoding="utf-8-sig")
    assert len(audits_csv) == len(TinyStore(demo_dir).list_summaries())


def test_unwritable_data_dir__clear_error_exit_1(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = run("--data-dir", str(blocker / "data"), "demo", "--audits", "12")
    assert done.returncode == 1
    assert "cannot use the data folder" in done.stderr and "Traceback" not in done.stderr


def test_report__network_mode_option__ranks_the_chosen_audits(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "net.pdf"
    counts = {}
    for mode in ("mystery", "self", "both"):
        done = run("--data-dir", str(demo_dir), "report", "--network", "--mode", mode, "-o", str(out),
                   "--lang", "en")
        assert done.returncode == 0, done.stderr
        first = " ".join(PdfReader(out).pages[0].extract_text().split())
        counts[mode] = int(first.split("Audits ")[1].split()[0])
    rows = [r for r in TinyStore(demo_dir).list_summaries() if r.template_id == "service-point"]
    for mode in ("mystery", "self", "both"):  # without dates: the quarter up to the newest audit
        f = analytics.report_period(analytics.Filters(template_id="service-point", mode=mode), rows,
                                    "2100-01-01")
        assert f.date_from and f.date_to
        chosen = [r for r in rows if mode == "both" or r.mode == mode]
        assert counts[mode] == sum(f.date_from <= (r.visit_at or r.started_at)[:10] <= f.date_to
                                   for r in chosen) > 0
    bad = run("--data-dir", str(demo_dir), "report", "--network", "--mode", "secret", "-o", str(out))
    assert bad.returncode != 0 and "invalid choice" in bad.stderr


def test_report__time_zone_option__prints_times_in_it(demo_dir: Path, tmp_path: Path) -> None:
    audit_id = TinyStore(demo_dir).list_summaries()[-1].audit_id
    out = tmp_path / "a.pdf"
    done = run("--data-dir", str(demo_dir), "report", audit_id, "-o", str(out), "--tz", "Asia/Yekaterinburg")
    assert done.returncode == 0, done.stderr
    assert "UTC+05:00" in PdfReader(out).pages[0].extract_text()
    bad = run("--data-dir", str(demo_dir), "report", audit_id, "-o", str(out), "--tz", "Mars/Olympus")
    assert bad.returncode == 1 and "unknown time zone" in bad.stderr and "Traceback" not in bad.stderr
