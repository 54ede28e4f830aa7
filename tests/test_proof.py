"""Distances and what they tell HQ, against known distances between real places."""

from __future__ import annotations

import pytest

from audit.model import Location
from audit.visits.proof import distance_m, format_distance, proof_of, proof_text

KREMLIN = (55.7520, 37.6175)


@pytest.mark.parametrize(("a", "b", "km", "tolerance"), [
    (KREMLIN, (59.9398, 30.3146), 634.0, 5.0),  # Moscow – St Petersburg, Palace Square
    ((51.5007, -0.1246), (48.8584, 2.2945), 340.0, 3.0),  # Big Ben – Eiffel Tower
    (KREMLIN, KREMLIN, 0.0, 0.001),
])
def test_distance__matches_known_great_circle_distances(a: tuple[float, float],
                                                       b: tuple[float, float], km: float,
                                                       tolerance: float) -> None:
    assert abs(distance_m(*a, *b) / 1000 - km) <= tolerance


@pytest.mark.parametrize(("metres", "text"), [(40.4, "40 m"), (999.4, "999 m"),
                                              (3240, "3.2 km"), (120_400, "120 km")])
def test_format_distance(metres: float, text: str) -> None:
    assert format_distance(metres) == text


def test_proof__on_site_far_none_and_unplaced_in_both_languages() -> None:
    loc = Location("a", "Арбат", "Москва", lat=KREMLIN[0], lon=KREMLIN[1])
    near = proof_of(loc, KREMLIN[0] + 0.0003, KREMLIN[1])  # about 33 m north
    assert near.kind == "on_site" and near.distance is not None
    assert proof_text(near, "en") == f"on site ({round(near.distance)} m)"
    far = proof_of(loc, KREMLIN[0] + 0.03, KREMLIN[1])  # about 3.3 km north
    assert far.kind == "far" and proof_text(far, "en") == f"far ({far.distance / 1000:.1f} km)"
    assert proof_text(far, "ru").startswith("далеко (") and proof_text(far, "ru").endswith(" км)")
    assert proof_text(proof_of(loc, None, None), "en") == "no position given"
    assert proof_text(proof_of(loc, None, None), "ru") == "местоположение не передано"
    assert proof_of(Location("b", "B", "R"), 55.0, 37.0).kind == "unplaced"
