"""The files Streamlit's page fetches only once it draws the sign-in form, named in the page.

Streamlit loads each kind of element's code when the first one arrives (a lazy import), and
that code its own files: on a first visit the sign-in form waited for three more rounds of
downloads after the page had started, 400 ms each on a slow link. Named in the page as
`modulepreload`, they come with the page's own files. Which files those are is read from
Streamlit's entry script (its table of lazy imports and what each needs), so an upgrade of
Streamlit names its own files; an element this Streamlit does not have is left out.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

# The sign-in page's elements (audit/ui/auth.py): st.html, the text inputs, the language picker
# (a segmented control) and the form's button
FIRST_SCREEN = ("Html", "TextInput", "ButtonGroup", "Button")
# A signed-in person's home (the drafts and visits of audit/ui/pages/audits.py, the navigation):
# the same elements but the text inputs, and the page links
HOME = ("Html", "ButtonGroup", "Button", "PageLink")
_ENTRY = re.compile(r'<script type="module" crossorigin src="\./(static/js/[^"]+)"')
_NAMED = re.compile(r'(?:src|href)="\./(static/js/[^"]+)"')
_FILES = re.compile(r"m\.f\|\|\(m\.f=(\[[^\]]*\])")
_LAZY = re.compile(r"import\(`\./([^`]+)`\),__vite__mapDeps\(\[([0-9,]*)\]\)")


def lazy_files(static_dir: Path, elements: tuple[str, ...] = FIRST_SCREEN) -> list[str]:
    """The files (static/js/…) that `elements` need and Streamlit's page does not name yet."""
    index = (static_dir / "index.html").read_text(encoding="utf-8")
    entry = _ENTRY.search(index)
    if entry is None:
        return []
    script = (static_dir / entry.group(1)).read_text(encoding="utf-8")
    table = _FILES.search(script)
    if table is None:
        return []
    files = ["static/js/" + f.removeprefix("./") for f in json.loads(table.group(1))]
    named = set(_NAMED.findall(index))
    out: dict[str, None] = {}
    for module, deps in _LAZY.findall(script):
        if module.rsplit(".", 2)[0] not in elements:
            continue
        for path in [*(files[int(i)] for i in deps.split(",") if i), "static/js/" + module]:
            if path not in named and (static_dir / path).is_file():
                out[path] = None
    return list(out)


def _static_dir() -> Path:
    from streamlit import file_util

    return Path(file_util.get_static_dir())


@cache
def first_screen_links(elements: tuple[str, ...] = FIRST_SCREEN) -> bytes:
    """`<link rel="modulepreload">` of the sign-in page's lazy files (or `elements'`), as
    Streamlit names its own."""
    static_dir = _static_dir()
    if not (static_dir / "index.html").is_file():
        return b""
    return "".join(f'<link rel="modulepreload" crossorigin href="./{path}">'
                   for path in lazy_files(static_dir, elements)).encode()


def home_links() -> bytes:
    """The same for a signed-in person's home: its elements' files come with the page's own,
    not in two more rounds after the page's first run arrives."""
    return first_screen_links(HOME)


_PAGE_FILES = re.compile(r'(?:src|href)="\./(static/(?:js|css)/[^"]+)"')


@cache
def page_files() -> tuple[str, ...]:
    """The files Streamlit's page names (its entry script, the modules it preloads, its
    stylesheet) and the lazy files of the sign-in form and the home: what the app loads first."""
    static_dir = _static_dir()
    index = static_dir / "index.html"
    if not index.is_file():
        return ()
    named = _PAGE_FILES.findall(index.read_text(encoding="utf-8"))
    lazy = lazy_files(static_dir, tuple(dict.fromkeys([*FIRST_SCREEN, *HOME])))
    return tuple(dict.fromkeys([*named, *lazy]))
