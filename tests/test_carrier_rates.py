"""Carrier rate quotes as shipping fees: the sandbox carrier prices a parcel by weight and
destination (in process, no network); a shop that names it in ``ShopSettings.shipping_rates``
charges that fee instead of its table, and its table prices what the carrier cannot quote."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ecommerce_core import Money, Shop, ShopSettings
from ecommerce_core.defaults import FixedClock
from ecommerce_core.domain.errors import ShippingError, UnknownBackend
from ecommerce_core.domain.pricing import (
    Benefit,
    CarrierRates,
    PricingPolicy,
    RateQuote,
    RateRequest,
    ShippingRate,
    ShippingTable,
)
from ecommerce_sandboxship.carrier import SandboxCarrier
from tests.support import ADDRESS, World, plugin_manager, seed

TABLE = ShippingTable((ShippingRate({"*"}, Money.of("50", "CNY")),))


def cny(text: str) -> Money:
    return Money.of(text, "CNY")


@pytest.mark.parametrize(
    ("grams", "region", "fee"),
    [
        (180, "CN-GD", "8.00"),
        (1000, "CN-GD", "8.00"),
        (1001, "CN-GD", "10.00"),
        (2500, "CN-BJ", "22.00"),  # 12.00 + 2 started kilograms at 5.00
        (0, "CN", "12.00"),
        (400, "HK", "30.00"),
    ],
)
def test_the_sandbox_carrier_quotes_by_weight_and_destination(
    grams: int, region: str, fee: str
) -> None:
    quote = SandboxCarrier().rate(RateRequest(grams, region, "CNY"))
    assert quote == RateQuote(cny(fee), "standard")


def test_the_sandbox_carrier_refuses_what_it_cannot_quote() -> None:
    carrier = SandboxCarrier()
    for request in (RateRequest(100, "US-CA", "CNY"), RateRequest(100, "CN", "USD")):
        with pytest.raises(ShippingError):
            carrier.rate(request)


def _shop(rating: str | None = "sandbox") -> Shop:
    return Shop.open(
        "memory://",
        settings=ShopSettings(
            password_hasher="argon2-floor",
            pricing=PricingPolicy(shipping=TABLE),
            shipping_rates=rating,
        ),
        plugin_manager=plugin_manager(),
        clock=FixedClock(),
    )


@pytest.fixture
def w() -> Iterator[World]:
    shop = _shop()
    try:
        yield seed(shop, shop.clock)  # type: ignore[arg-type]
    finally:
        shop.close()


def test_the_carriers_quote_is_the_shipping_fee_of_the_quote_and_the_order(w: World) -> None:
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 5)  # 900 g
    w.shop.carts.add_item(w.customer, "CABLE-1M", 5)  # 200 g: 1,100 g in all
    to_gd = {**ADDRESS, "region": "GD"}
    quote = w.shop.checkout.quote(w.customer, shipping_address=to_gd)
    assert (quote.shipping_fee, quote.shipping_source) == (cny("10.00"), "carrier:sandbox")
    assert quote.total == quote.subtotal - quote.discount + quote.shipping + quote.tax
    to_beijing = w.shop.checkout.quote(w.customer, shipping_address={**ADDRESS, "region": "BJ"})
    assert to_beijing.shipping_fee == cny("17.00")
    order = w.shop.checkout.place_order(w.customer, idempotency_key="r", shipping_address=to_gd)
    assert (order.shipping, order.total) == (quote.shipping, quote.total)
    # one quote per parcel and destination, however often the cart is priced (the cart's live
    # prices, with no destination yet, are not quoted: the table prices them)
    carrier = w.shop._ctx.carrier("sandbox")
    assert [(q.weight_grams, q.region) for q in carrier.quotes] == [  # type: ignore[attr-defined]
        (1100, "CN-GD"),
        (1100, "CN-BJ"),
    ]


def test_a_destination_the_carrier_does_not_serve_is_priced_by_the_table(w: World) -> None:
    w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
    abroad = {**ADDRESS, "country": "US", "region": "CA"}
    quote = w.shop.checkout.quote(w.customer, shipping_address=abroad)
    assert (quote.shipping_fee, quote.shipping_source) == (cny("50"), "table_fallback")


def test_shipping_benefits_apply_to_the_carriers_fee(w: World) -> None:
    w.shop.promotions.create(w.admin, name="包邮", benefit=Benefit("free_shipping", {}))
    w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
    quote = w.shop.checkout.quote(w.customer, shipping_address=ADDRESS)
    assert (quote.shipping_fee, quote.shipping) == (cny("12.00"), cny("0"))


def test_an_unknown_carrier_is_refused_when_the_shop_opens() -> None:
    with pytest.raises(UnknownBackend):
        _shop("nosuchpost")


def test_a_shop_without_carrier_rates_keeps_its_table() -> None:
    shop = _shop(None)
    try:
        w = seed(shop, shop.clock)  # type: ignore[arg-type]
        w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
        quote = w.shop.checkout.quote(w.customer, shipping_address=ADDRESS)
        assert (quote.shipping_fee, quote.shipping_source) == (cny("50"), "table")
    finally:
        shop.close()


def test_a_carrier_quote_in_another_currency_or_negative_is_not_charged() -> None:
    for answer in (RateQuote(Money.of("5", "USD")), RateQuote(Money(-1, "CNY")), "free"):
        rates = CarrierRates("odd", lambda request, a=answer: a, TABLE)  # type: ignore[misc]
        assert rates.fee(100, "CN", 0, "CNY") == (5000, "table_fallback")
    rates = CarrierRates("ok", lambda request: RateQuote(cny("9")), TABLE, free_over=cny("99"))
    assert rates.fee(100, "CN", 9900, "CNY") == (0, "free_over")
    assert rates.fee(100, "CN", 9899, "CNY") == (900, "carrier:ok")
