"""The package's shape: layers that import only downwards, no cycles, and the public names kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts__every_contract_in_pyproject_is_kept() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
                           "sys.exit(lint_imports(no_cache=True, no_logo=True))"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
    # the layers, the siblings without cycles, the two stores apart, streamlit only on top
    assert done.stdout.count("KEPT") == 4


def test_import_contracts__an_upward_import_breaks_the_layers(tmp_path: Path) -> None:
    """The contract can fail: a copy of the package where the store imports the workflow."""
    import shutil

    shutil.copytree(ROOT / "audit", tmp_path / "audit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    init = tmp_path / "audit" / "store" / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8") + "\nfrom audit import workflow  # noqa\n",
                    encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, '.'); "
                           "from importlinter.cli import lint_imports; "
                           "sys.exit(lint_imports(no_cache=True, no_logo=True))"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "audit.store is not allowed to import audit.workflow" in done.stdout


def test_public_names__importable_where_other_tools_import_them(mini_jpeg: bytes) -> None:
    from audit.checklist import ChecklistError, load_checklist, shipped_dir
    from audit.model import Answer
    from audit.photos import PhotoError, prepare_photo
    from audit.scoring import score_audit
    from audit.typos import suspect_words

    checklist = load_checklist(shipped_dir() / "service-point.yaml")
    assert checklist.id == "service-point"
    assert score_audit(checklist, {}).overall is None  # nothing answered, nothing to score
    good = score_audit(checklist, [Answer("hours.hours-posted", True)])
    bad = score_audit(checklist, [Answer("hours.hours-posted", False)])
    assert (good.overall, good.level, bad.overall) == (100.0, "wow", 0.0)
    assert prepare_photo(mini_jpeg).sha256
    with pytest.raises(PhotoError):
        prepare_photo(b"not a photo")
    with pytest.raises(ChecklistError):
        load_checklist(Path(__file__))
    assert [s.word for s in suspect_words("Мы работаем без выходных и обедоов")] == ["обедоов"]


@pytest.fixture
def mini_jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_store__opens_without_loading_pillow() -> None:
    """The store reads and writes photo files by content; only preparing an upload needs Pillow."""
    code = ("import sys, audit.store, audit.store.folder.backend, audit.photos; "
            "print('PIL' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_words__a_key_in_two_domain_tables_is_refused() -> None:
    from audit.i18n import merge

    table = {"role.hq": ("HQ", "Штаб")}
    with pytest.raises(ValueError, match=r"role\.hq"):
        merge(table, {"role.hq": ("Head office", "Центральный офис")})
    assert table == {"role.hq": ("HQ", "Штаб")}
