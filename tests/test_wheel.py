"""The built wheel, installed (not editable) in a fresh virtual environment, works on its own.

The wheel is built from this checkout as `pip` builds it for a user; the fresh environment
gets the wheel alone, and reaches the libraries it depends on through this environment's
site-packages (a path, not this checkout), so the code and the checklists it runs are the
wheel's own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fresh environment's bin folder, with the wheel built from this checkout installed."""
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    # built from a copy: the build leaves its build/ folder there, not in the checkout
    source = shutil.copytree(ROOT, base / "source", ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "node_modules", "data"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
                            str(source)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("customer_journey_audit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"audit/checklist/shipped/service-point.yaml", "audit/checklist/shipped/contact-center.yaml",
            "audit/checklist/shipped/staff-conversation.yaml"} <= set(names)
    assert "audit/ui/walk/walk.html" in names
    env_dir = base / "env"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    site = Path(subprocess.run([str(bin_dir / "python"), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # the dependencies from here, after the environment's own site-packages (a plain path line:
    # this environment's editable install of the checkout is not loaded from it)
    (site / "deps-from-test-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps",
                           "--no-index", str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return bin_dir


def _run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AUDIT_DATA_DIR",
                                                             "AUDIT_DATABASE_URL")}
    return subprocess.run([str(bin_dir / "audit"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=env)


def test_wheel__demo_validate_and_report_run_from_the_installed_package(installed: Path,
                                                                      tmp_path: Path) -> None:
    where = subprocess.run([str(installed / "python"), "-c", "import audit; print(audit.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert str(installed.parent) in where and str(ROOT) not in where

    demo = _run(installed, tmp_path, "--data-dir", "data", "demo", "--audits", "40",
                "--today", "2026-11-30")
    assert demo.returncode == 0, demo.stderr
    assert "40 audits" in demo.stdout

    shipped = Path(where.strip()).parent / "checklist" / "shipped"
    files = sorted(str(p) for p in shipped.glob("*.yaml"))
    assert len(files) == 3
    valid = _run(installed, tmp_path, "validate", *files)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert valid.stdout.count("ok") == 3

    first_id = subprocess.run(
        [str(installed / "python"), "-c", "from audit.store import open_store; "
         "print(next(r.audit_id for r in open_store('data').list_summaries() "
         "if r.status == 'submitted'))"], cwd=tmp_path, capture_output=True, text=True,
        check=True).stdout.strip()
    report = _run(installed, tmp_path, "--data-dir", "data", "report", first_id, "--lang", "ru",
                  "--output", "audit.pdf")
    assert report.returncode == 0, report.stderr
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "audit.pdf").pages)
    assert first_id in text
