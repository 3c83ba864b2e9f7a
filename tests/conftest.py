"""Fixtures every layer of tests shares."""

from __future__ import annotations

import os
import re
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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say once, loudly, whether the MongoDB leg ran: no MongoDB server can be installed on the
    project's machines, so there its skip must never pass unnoticed among the other skips."""
    from tests.contract.backends import SERVER_ENV, skip_reason

    reason = skip_reason("mongo")
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if reason in str(r.longrepr)]
    ran = [
        r
        for outcome in ("passed", "failed", "error")
        for r in terminalreporter.stats.get(outcome, [])
        if re.search(r"\[(.+-)?mongo(-.+)?\]$", getattr(r, "nodeid", ""))
        and (getattr(r, "when", "") == "call" or r.outcome != "passed")
    ]
    if skipped:
        terminalreporter.write_sep("!", "the MongoDB leg did NOT run", red=True, bold=True)
        terminalreporter.write_line(
            f"{len(skipped)} tests skipped: {reason}. The MongoDB adapter (ecommerce_mongo) "
            f"was not tested against a server in this run; point {SERVER_ENV['mongo']} at a "
            "replica set (mongodb://host:27017/ecommerce_test?replicaSet=rs0) to run it.",
            red=True,
            bold=True,
        )
    elif ran:
        failed = sum(1 for r in ran if r.outcome != "passed")
        terminalreporter.write_sep(
            "=", f"the MongoDB leg ran: {len(ran) - failed} passed, {failed} failed", bold=True
        )
