"""Registers the sandbox payment gateway as ``sandbox``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecommerce_core.hookspecs import hookimpl
from ecommerce_core.plugins import Registry
from ecommerce_sandboxpay.gateway import SandboxGateway
from ecommerce_sandboxpay.settings import SandboxPaySettings


def _open(settings: Mapping[str, Any]) -> SandboxGateway:
    return SandboxGateway(SandboxPaySettings.from_mapping(settings))


@hookimpl
def ecommerce_core_register_gateways(registry: Registry) -> None:
    registry.add_gateway(
        "sandbox", _open, description="test cards and HMAC-signed webhooks; moves no money"
    )
