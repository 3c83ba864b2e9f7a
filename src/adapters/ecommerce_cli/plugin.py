"""Registers the command line's own notifier as ``log``."""

from __future__ import annotations

from ecommerce_cli.notifier import LogNotifier
from ecommerce_core.hookspecs import hookimpl
from ecommerce_core.plugins import Registry


@hookimpl
def ecommerce_core_register_notifiers(registry: Registry) -> None:
    registry.add_notifier(
        "log", LogNotifier, description="one JSON line per event on standard error (low stock)"
    )
