"""Frozen settings of the sandbox gateway; secrets never appear in a repr."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["SANDBOX_TEST_SECRET", "SandboxPaySettings"]

# Public on purpose: the sandbox moves no money. Real gateways take their secret from settings.
SANDBOX_TEST_SECRET = "whsec_sandbox_test_secret"  # noqa: S105


@attrs.frozen
class SandboxPaySettings:
    """``secret`` signs notifications; ``previous_secrets`` still verify during a rotation."""

    secret: str = attrs.field(default=SANDBOX_TEST_SECRET, repr=False)
    previous_secrets: tuple[str, ...] = attrs.field(default=(), repr=False, converter=tuple)
    tolerance_seconds: int = 300

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SandboxPaySettings:
        allowed = {f.name for f in attrs.fields(cls)}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown sandbox gateway settings: {', '.join(sorted(unknown))}")
        return cls(**dict(data))
