"""The module the ``ecommerce_core`` entry point names: it registers the carrier ``examplepost``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecommerce_core import hookimpl
from ecommerce_core.plugins import Registry
from ecommerce_examplepost.carrier import ExamplePostCarrier
from ecommerce_examplepost.settings import ExamplePostSettings


def _open(settings: Mapping[str, Any]) -> ExamplePostCarrier:
    return ExamplePostCarrier(ExamplePostSettings.from_mapping(settings))


@hookimpl
def ecommerce_core_register_carriers(registry: Registry) -> None:
    registry.add_carrier("examplepost", _open, description="Example Post: two days to the door")
