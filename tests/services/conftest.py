"""Service-level fixtures: a seeded in-memory shop whose payment gateway the test holds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ecommerce_sandboxpay import SandboxGateway
from tests.services.harness import fresh_world
from tests.support import World


@pytest.fixture
def gateway() -> SandboxGateway:
    return SandboxGateway()


@pytest.fixture
def world(gateway: SandboxGateway) -> Iterator[World]:
    with fresh_world(gateway) as w:
        yield w
