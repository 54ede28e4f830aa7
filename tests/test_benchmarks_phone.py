"""The benchmarks that drive the app in Chromium, at their tiny size (tests/test_benchmarks.py
says what a tiny run must show). A file of their own: the suite gives each file to one worker,
and these few take minutes of throttled link between them."""

from __future__ import annotations

import pytest

from tests.test_benchmarks import PHONE, run_tiny


def test_the_phone_benchmarks_are_these() -> None:
    assert {"field", "first_screen", "voice"} <= set(PHONE)


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.parametrize("name", PHONE)
def test_phone_benchmark__tiny_run__checks_pass_and_last_line_keeps_its_shape(name: str) -> None:
    run_tiny(name)
