"""Registers the ``memory://`` storage scheme."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecommerce_core.hookspecs import hookimpl
from ecommerce_core.plugins import Registry
from ecommerce_core.ports.storage import Storage
from ecommerce_memory.storage import MemoryStorage


def _open(url: str, options: Mapping[str, Any]) -> Storage:
    return MemoryStorage(url)


@hookimpl
def ecommerce_core_register_storage(registry: Registry) -> None:
    registry.add_storage(
        ["memory"], _open, description="in-process storage; nothing survives the process"
    )
