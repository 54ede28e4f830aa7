"""The part of the Store that keeps customers' voice responses (both backends)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from audit.model.voice import VoiceFilter, VoiceResponse


class VoiceStore(Protocol):
    # responses by location and month; a phone (its daily-salted `device`) answers once per
    # location per day: a second response of it that day is refused here, under the store's lock
    def add_voice_response(self, response: VoiceResponse) -> bool:
        """Store it; False (nothing stored) when its device already answered at its location
        on its day. Every process and replica checks against the same responses."""
        ...
    def import_voice_responses(self, responses: Iterable[VoiceResponse]) -> int:
        """Many at once (the demo, a restore): one write per location and month; ids already
        stored are skipped. How many were added."""
        ...
    def list_voice_responses(self, flt: VoiceFilter | None = None) -> list[VoiceResponse]: ...
    def set_voice_text_approved(self, location_id: str, response_id: str, approved: bool) -> bool:
        """HQ's approval of a response's free text (shown beyond HQ only then); False: no such
        response."""
        ...
