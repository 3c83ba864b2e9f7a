"""The composition root turns a plugin's own set-up failure into the library's PluginError."""

from __future__ import annotations

import pytest

from ecommerce_core import Principal, Shop, ShopSettings
from ecommerce_core.defaults import FixedClock
from ecommerce_core.domain.errors import PluginError
from tests.support import plugin_manager, seed


def test_a_misspelt_gateway_setting_is_a_plugin_error_naming_the_gateway() -> None:
    clock = FixedClock()
    settings = ShopSettings(password_hasher="argon2-floor", gateways={"sandbox": {"secrett": "x"}})
    shop = Shop.open("memory://", settings=settings, plugin_manager=plugin_manager(), clock=clock)
    try:
        world = seed(shop, clock)
        order = world.buy()
        with pytest.raises(PluginError) as caught:
            shop.payments.pay(
                world.customer, order.id, payment_method="tok_visa", idempotency_key="k"
            )
        assert caught.value.code == "plugin_error"
        assert "sandbox" in caught.value.message
        assert shop.payments.list_for_order(Principal.system(), order.id) == []
    finally:
        shop.close()
