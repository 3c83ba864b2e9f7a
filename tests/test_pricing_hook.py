"""A plugin's pricing rule kinds arrive through the ecommerce_core_register_pricing_rules hook."""

from __future__ import annotations

from typing import Any

import pytest

from ecommerce_core import hookimpl
from ecommerce_core.domain.errors import PluginError
from ecommerce_core.domain.pricing.rules import Condition
from ecommerce_core.plugins import Registry, build_registry, pricing_rules
from tests.support import plugin_manager

SEEN: list[dict[str, Any]] = []


def vip_only(params: dict[str, Any]) -> Any:
    SEEN.append(params)
    return lambda view: None


class VipPlugin:
    @hookimpl
    def ecommerce_core_register_pricing_rules(self, registry: Registry) -> None:
        registry.add_pricing_condition("vip_only", vip_only, description="VIPs")


class ClashingPlugin:
    @hookimpl
    def ecommerce_core_register_pricing_rules(self, registry: Registry) -> None:
        registry.add_pricing_condition("min_subtotal", vip_only)


def test_a_plugin_offers_a_condition_kind_through_the_hook() -> None:
    rules = pricing_rules(build_registry(plugin_manager(VipPlugin())))
    check = rules.compile_condition(Condition("vip_only", {"level": "gold"}))
    assert SEEN[-1] == {"level": "gold"}
    assert check(None) is None


def test_a_plugin_cannot_replace_a_built_in_kind() -> None:
    with pytest.raises(PluginError):
        pricing_rules(build_registry(plugin_manager(ClashingPlugin())))
