"""Registers the sandbox carrier as ``sandbox``."""

from __future__ import annotations

from ecommerce_core.hookspecs import hookimpl
from ecommerce_core.plugins import Registry
from ecommerce_sandboxship.carrier import SandboxCarrier


@hookimpl
def ecommerce_core_register_carriers(registry: Registry) -> None:
    registry.add_carrier(
        "sandbox", SandboxCarrier, description="scripted journey to the door in 30 hours"
    )
