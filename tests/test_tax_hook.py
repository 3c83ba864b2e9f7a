"""An external tax service arrives through the ecommerce_core_register_tax hook and replaces the
shop's rates; when it fails, the shop's fallback decides: the built-in rates (said so in the
breakdown) or a typed refusal that changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecommerce_core import Money, Shop, ShopSettings, hookimpl
from ecommerce_core.defaults import FixedClock
from ecommerce_core.domain.errors import PluginError, TaxUnavailable, UnknownBackend
from ecommerce_core.domain.pricing import (
    Buyer,
    PriceableItem,
    PricingContext,
    PricingPolicy,
    TaxAnswer,
    TaxPolicy,
    TaxQuery,
    TaxRate,
    price_cart,
)
from ecommerce_core.plugins import Registry
from tests.support import ADDRESS, plugin_manager, seed


class FakeTaxService:
    """Avalara-style: a rate per destination country, asked over the network (here: in process).
    ``fail`` makes it raise as a service that is down would; ``answer`` overrides its answer."""

    name = "faketax"

    def __init__(self, settings: dict[str, Any]) -> None:
        self.percent = Decimal(settings.get("percent", "10"))
        self.queries: list[TaxQuery] = []
        self.fail = False
        self.answer: TaxAnswer | None = None

    def calculate(self, query: TaxQuery) -> TaxAnswer:
        self.queries.append(query)
        if self.fail:
            raise ConnectionError("tax service unreachable")
        if self.answer is not None:
            return self.answer
        lines = tuple(int(line.amount * self.percent / 100) for line in query.lines)
        return TaxAnswer(lines, int(query.shipping * self.percent / 100))


SERVICES: list[FakeTaxService] = []


class TaxPlugin:
    @hookimpl
    def ecommerce_core_register_tax(self, registry: Registry) -> None:
        def build(settings: Any) -> FakeTaxService:
            service = FakeTaxService(dict(settings))
            SERVICES.append(service)
            return service

        registry.add_tax_calculator("faketax", build, description="a test tax service")


RATES = TaxPolicy(rates=(TaxRate("standard", "*", Decimal(13)),))


def _shop(fallback: str = "table", name: str | None = "faketax") -> Shop:
    settings = ShopSettings(
        password_hasher="argon2-floor",
        pricing=PricingPolicy(tax=attrs.evolve(RATES, fallback=fallback)),
        tax_calculator=name,
        tax_calculators={"faketax": {"percent": "7"}},
    )
    return Shop.open(
        "memory://",
        settings=settings,
        plugin_manager=plugin_manager(TaxPlugin()),
        clock=FixedClock(),
    )


@pytest.fixture
def shop() -> Iterator[Shop]:
    s = _shop()
    yield s
    s.close()


def test_the_plugins_tax_service_replaces_the_shops_rates(shop: Shop) -> None:
    w = seed(shop, shop.clock)  # type: ignore[arg-type]
    service = SERVICES[-1]
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)  # (the cart is priced too)
    service.queries.clear()
    quote = w.shop.checkout.quote(w.customer, shipping_address={**ADDRESS, "region": "GD"})
    # 7 % of 3999.00 from the service, not 13 % from the table
    assert (quote.tax, quote.tax_source) == (Money.of("279.93", "CNY"), "faketax")
    assert quote.total == quote.subtotal - quote.discount + quote.shipping + quote.tax
    (query,) = service.queries
    assert (query.region, query.currency, query.customer_id) == ("CN-GD", "CNY", w.customer.id)
    assert [(ln.sku, ln.tax_class, ln.amount) for ln in query.lines] == [
        ("PX-128-BLK", "standard", 399900)
    ]
    order = w.shop.checkout.place_order(w.customer, idempotency_key="t", shipping_address=ADDRESS)
    assert (order.tax, order.total) == (quote.tax, quote.total)


def test_a_failing_service_falls_back_to_the_table_and_says_so(shop: Shop) -> None:
    w = seed(shop, shop.clock)  # type: ignore[arg-type]
    SERVICES[-1].fail = True
    w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
    quote = w.shop.checkout.quote(w.customer)
    assert (quote.tax, quote.tax_source) == (Money.of("6.49", "CNY"), "table_fallback")


@pytest.mark.parametrize(
    "answer",
    [TaxAnswer((1, 2)), TaxAnswer((-5,)), TaxAnswer((True,)), "13%"],
    ids=["other-lines", "negative", "not-a-number", "not-an-answer"],
)
def test_an_answer_that_could_break_the_totals_is_a_failure(shop: Shop, answer: Any) -> None:
    w = seed(shop, shop.clock)  # type: ignore[arg-type]
    SERVICES[-1].answer = answer
    w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
    assert w.shop.checkout.quote(w.customer).tax_source == "table_fallback"


def test_with_the_refuse_fallback_a_failure_is_typed_and_places_nothing() -> None:
    shop = _shop(fallback="refuse")
    try:
        w = seed(shop, shop.clock)  # type: ignore[arg-type]
        SERVICES[-1].fail = True
        # the cart's live prices are a display: they fall back to the rates rather than fail
        view = w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
        assert view.pricing.tax_source == "table_fallback"
        with pytest.raises(TaxUnavailable) as caught:
            w.shop.checkout.quote(w.customer)
        assert caught.value.code == "tax_unavailable"
        assert caught.value.details == {"calculator": "faketax", "reason": "ConnectionError"}
        with pytest.raises(TaxUnavailable):
            w.shop.checkout.place_order(w.customer, idempotency_key="t", shipping_address=ADDRESS)
        assert w.shop.orders.list(w.admin) == []
        assert all(lv.reserved == 0 for lv in w.shop.inventory.levels(w.admin))
        SERVICES[-1].fail = False  # the service is back: the same call succeeds
        order = w.shop.checkout.place_order(
            w.customer, idempotency_key="t", shipping_address=ADDRESS
        )
        assert order.tax == Money.of("3.49", "CNY")  # 7 % of 49.90, rounded down by the service
    finally:
        shop.close()


def test_an_unknown_or_broken_calculator_is_refused_when_the_shop_opens() -> None:
    with pytest.raises(UnknownBackend):
        _shop(name="nosuchtax")

    class Broken:
        @hookimpl
        def ecommerce_core_register_tax(self, registry: Registry) -> None:
            registry.add_tax_calculator("broken", lambda settings: 1 / 0)

    with pytest.raises(PluginError):
        Shop.open(
            "memory://",
            settings=ShopSettings(password_hasher="argon2-floor", tax_calculator="broken"),
            plugin_manager=plugin_manager(Broken()),
        )


class _Scripted:
    name = "scripted"

    def __init__(self, shares: list[int]) -> None:
        self.shares = shares

    def calculate(self, query: TaxQuery) -> TaxAnswer:
        cap = (lambda amount: amount) if query.inclusive else (lambda amount: amount * 2)
        lines = tuple(
            min(cap(ln.amount), s) for ln, s in zip(query.lines, self.shares, strict=False)
        )
        lines += (0,) * (len(query.lines) - len(lines))
        return TaxAnswer(lines, min(cap(query.shipping), self.shares[-1]))


@given(
    prices=st.lists(st.integers(0, 10**7), min_size=1, max_size=6),
    shares=st.lists(st.integers(0, 10**7), min_size=1, max_size=7),
    inclusive=st.booleans(),
)
def test_any_valid_answer_keeps_the_totals_exact(
    prices: list[int], shares: list[int], inclusive: bool
) -> None:
    items = [PriceableItem(f"SKU-{i}", 1, Money(p, "CNY")) for i, p in enumerate(prices)]
    tax = TaxPolicy(inclusive=inclusive, calculator=_Scripted(shares))
    context = PricingContext(datetime(2026, 3, 1, tzinfo=UTC), "CNY", Buyer("cus_1"))
    result = price_cart(items, [], context, policy=PricingPolicy(tax=tax))
    assert result.tax_source == "scripted"
    assert result.total == result.subtotal - result.discount + result.shipping + result.tax
    line_tax = sum(ln.tax.amount for ln in result.lines if ln.tax is not None)
    if inclusive:
        assert result.tax.amount == 0 and result.included_tax is not None
        assert result.included_tax.amount == line_tax + 0  # no shipping fee here
    else:
        assert result.tax.amount == line_tax
