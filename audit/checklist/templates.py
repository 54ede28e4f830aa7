"""Template versions in a store: install the shipped ones, add uploads, load a version."""

from __future__ import annotations

import dataclasses
import threading

from audit.checklist.parse import ChecklistError, decode, parse_checklist, shipped_dir
from audit.core.clock import now_iso
from audit.core.errors import NotFound
from audit.model import Checklist
from audit.store import Store

_cache_guard = threading.Lock()
_cache: dict[tuple[str, str, int], Checklist] = {}


def install_shipped(store: Store, *, by: str = "system") -> list[str]:
    """Add every shipped checklist whose (id, version) the store lacks; return what was added."""
    added = []
    known = store.latest_versions()
    for path in sorted(shipped_dir().glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        checklist = parse_checklist(text, source=path.name)
        if known.get(checklist.id, 0) >= checklist.version:
            continue
        store.put_template(checklist.id, checklist.version, text, by, now_iso())
        added.append(f"{checklist.id} v{checklist.version}")
    return added


def add_template(store: Store, raw: bytes | str, *, by: str, source: str = "upload") -> Checklist:
    """Validate an uploaded template and store it as the next version of its id.

    Raises ChecklistError with every problem; nothing is stored then. Audits already started
    keep the version they began with, so the new version changes no submitted score.
    """
    text = decode(raw, source) if isinstance(raw, bytes) else raw
    checklist = parse_checklist(text, source=source)
    latest = store.latest_versions().get(checklist.id)
    version = checklist.version if latest is None else max(checklist.version, latest + 1)
    store.put_template(checklist.id, version, text, by, now_iso())
    return dataclasses.replace(checklist, version=version)


def get_checklist(store: Store, template_id: str, version: int | None = None) -> Checklist:
    """A stored template version (the latest when version is None), parsed once per process.

    The latest version comes from the store's metadata, so asking for it reads no YAML; the
    parsed checklist is cached by (store, id, version): a stored version never changes.
    """
    if version is None:
        version = store.latest_versions().get(template_id)
        if version is None:
            raise NotFound(f"no template {template_id!r}", template=template_id)
    key = (repr(store), template_id, version)
    with _cache_guard:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    found = store.get_template_text(template_id, version)
    if found is None:
        raise NotFound(f"no template {template_id!r} v{version}", template=template_id)
    stored_version, text = found
    try:
        checklist = parse_checklist(text, source=f"{template_id} v{stored_version}")
    except ChecklistError as err:  # stored templates were valid; a newer validator may disagree
        raise NotFound(f"template {template_id} v{stored_version} no longer loads: {err}",
                       template=template_id) from err
    checklist = dataclasses.replace(checklist, version=stored_version)
    with _cache_guard:
        _cache[(repr(store), template_id, stored_version)] = checklist
    return checklist


MAIN_TEMPLATE = "service-point"


def latest_templates(store: Store) -> list[Checklist]:
    """The latest version of each template, the whole-journey checklist first."""
    versions = store.latest_versions()
    ids = sorted(versions, key=lambda i: (i != MAIN_TEMPLATE, i))
    return [get_checklist(store, tid, versions[tid]) for tid in ids]
