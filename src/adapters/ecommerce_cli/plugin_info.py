"""What the installed plugins provide, as plain data for ``ecommerce plugins`` (table or JSON)."""

from __future__ import annotations

from typing import Any

import pluggy

from ecommerce_core.plugins import Registry, build_registry

__all__ = ["describe_plugins"]


def _distributions(pm: pluggy.PluginManager) -> dict[str, dict[str, str]]:
    """Plugin name -> the distribution that installed it (only for entry-point plugins)."""
    found: dict[str, dict[str, str]] = {}
    for plugin, dist in pm.list_plugin_distinfo():
        name = pm.get_name(plugin)
        if name is not None:
            found[name] = {"name": str(dist.project_name), "version": str(dist.version)}
    return found


def describe_plugins(
    pm: pluggy.PluginManager, registry: Registry | None = None
) -> list[dict[str, Any]]:
    """Every registered plugin, sorted by name, with its distribution and what it offers.

    A plugin that offers nothing (it implements only non-registration hooks, or is still empty)
    is listed too, with no offers: ``ecommerce plugins`` shows what is installed, not only what
    is used.
    """
    registry = registry or build_registry(pm)
    distributions = _distributions(pm)
    plugins = []
    for name, _plugin in sorted(pm.list_name_plugin(), key=lambda pair: str(pair[0])):
        offers = [
            {"kind": o.kind, "name": o.name, "description": o.description}
            for o in registry.offers
            if o.plugin == name
        ]
        plugins.append(
            {
                "name": name,
                "distribution": distributions.get(name),
                "offers": sorted(offers, key=lambda o: (o["kind"], o["name"])),
            }
        )
    return plugins
