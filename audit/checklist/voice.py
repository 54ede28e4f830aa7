"""Which sections of a checklist customers are asked about (the voice page), or why none."""

from __future__ import annotations

from audit.core.errors import AppError
from audit.model import Checklist, Section


class NotForVoice(AppError):
    """The checklist marks no section customer-facing, so customers cannot be asked about it
    (params: template)."""

    code = "voice_no_touchpoints"


def touchpoints(checklist: Checklist) -> tuple[Section, ...]:
    """The customer-facing sections, in the checklist's order; NotForVoice when there are none."""
    found = tuple(s for s in checklist.sections if s.is_customer_facing)
    if not found:
        raise NotForVoice(
            f"checklist {checklist.id} v{checklist.version} marks no section customer-facing: "
            "add `customer: {ru: …, en: …}` to the sections customers meet",
            template=checklist.id, version=checklist.version)
    return found
