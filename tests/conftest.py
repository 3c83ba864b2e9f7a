"""Fixtures every layer of tests shares."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.support import World, seeded_shop

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def world() -> Iterator[World]:
    """A seeded in-memory shop (see tests/support.py)."""
    with seeded_shop() as w:
        yield w
