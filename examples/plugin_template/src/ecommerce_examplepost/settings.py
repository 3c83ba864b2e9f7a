"""Frozen settings of Example Post; an API key would be ``repr=False`` so it never gets logged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["ExamplePostSettings"]


@attrs.frozen
class ExamplePostSettings:
    """``transit_hours`` from booking to the door; ``api_key`` is what a real carrier would need."""

    transit_hours: int = 48
    depot: str = "Hangzhou depot"
    api_key: str = attrs.field(default="", repr=False)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ExamplePostSettings:
        """Settings from ``ShopSettings.carriers["examplepost"]``; a misspelt key fails loudly."""
        known = {field.name for field in attrs.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown examplepost settings: {', '.join(sorted(unknown))}")
        return cls(**dict(data))
