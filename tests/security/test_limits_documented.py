"""Every limit in audit/core/limits.py is listed in the README's security notes."""

from __future__ import annotations

from pathlib import Path

from audit.core import limits

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_limit__in_the_readme_table() -> None:
    notes = README.read_text(encoding="utf-8").split("### Security notes", 1)[1]
    names = [n for n in vars(limits) if n.isupper()]
    assert len(names) > 30
    assert [n for n in names if f"`{n}`" not in notes] == []
