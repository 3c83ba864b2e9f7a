"""Prices before promotions: list prices per channel, sale prices in a window, volume tiers,
group and tier prices, contract prices; and tax classes with regional rates."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs
import pytest

from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.pricing import (
    PriceBook,
    PriceBreak,
    PriceList,
    PricingPolicy,
    Scope,
    TaxPolicy,
    TaxRate,
    price_cart,
)
from ecommerce_core.domain.pricing.tax import tax_of
from tests.unit.pricing.helpers import NOW, cny, context, item, promo

BOOK = PriceBook(
    (
        PriceList(
            "app", "App prices", "list", "CNY", prices={"TEA": cny("95.00")}, channels={"app"}
        ),
        PriceList(
            "base",
            "List",
            "list",
            "CNY",
            prices={
                "TEA": (
                    PriceBreak(1, cny("100.00")),
                    PriceBreak(10, cny("90.00")),
                    PriceBreak(100, cny("80.00")),
                )
            },
        ),
        PriceList(
            "flash",
            "限时折扣",
            "sale",
            "CNY",
            prices={"TEA": cny("85.00")},
            starts_at=NOW,
            ends_at=NOW + timedelta(hours=2),
        ),
        PriceList(
            "silver", "Silver 10% off", "group", "CNY", percent_off=Decimal(10), tiers={"silver"}
        ),
        PriceList(
            "acme",
            "Acme contract",
            "contract",
            "CNY",
            prices={"TEA": cny("70.00")},
            customer_ids={"cus_acme"},
        ),
    )
)


def _unit(
    quantity: int, at_offset: timedelta = timedelta(hours=3), **buyer: object
) -> tuple[str, str]:
    ctx = context(**buyer)  # type: ignore[arg-type]
    ctx = type(ctx)(NOW + at_offset, ctx.currency, ctx.buyer, ctx.channel, ctx.region)
    line = price_cart(
        [item("TEA", quantity, "120.00")], [], ctx, policy=PricingPolicy(prices=BOOK)
    ).lines[0]
    return str(line.unit_price), line.price_adjustment.source if line.price_adjustment else "list"


def test_the_list_price_replaces_the_catalog_price_and_volume_tiers_lower_it() -> None:
    assert _unit(1) == ("100.00 CNY", "list")
    assert _unit(10) == ("90.00 CNY", "list")
    assert _unit(150) == ("80.00 CNY", "list")
    assert _unit(1, channel="app") == ("95.00 CNY", "list")  # the channel's own list wins


def test_a_sale_price_holds_only_in_its_window_and_marks_the_item_on_sale() -> None:
    assert _unit(1, timedelta(hours=1)) == ("85.00 CNY", "sale")
    assert _unit(1, timedelta(hours=2)) == ("100.00 CNY", "list")
    assert _unit(10, timedelta(hours=1)) == ("85.00 CNY", "sale")  # the tier is not lower
    not_on_sale = promo("n", "percent_off", {"percent": "10"}, scope=Scope(exclude_on_sale=True))
    ctx = context()
    ctx = type(ctx)(NOW + timedelta(hours=1), "CNY", ctx.buyer, "", "CN")
    result = price_cart(
        [item("TEA", 1, "120.00")], [not_on_sale], ctx, policy=PricingPolicy(prices=BOOK)
    )
    assert [r.reason for r in result.rejected] == ["out_of_scope"]


def test_group_tier_and_contract_prices_take_the_lowest() -> None:
    assert _unit(1, tier="silver") == ("90.00 CNY", "group")
    assert _unit(100, tier="silver") == ("72.00 CNY", "group")  # 10 % off the volume price
    assert _unit(1, tier="gold") == ("100.00 CNY", "list")  # not that list's audience
    assert _unit(1, timedelta(hours=1), tier="silver") == ("85.00 CNY", "sale")  # lowest wins
    contract = context()
    contract = type(contract)(
        NOW + timedelta(hours=3), "CNY", type(contract.buyer)("cus_acme"), "", "CN"
    )
    line = price_cart(
        [item("TEA", 1, "120.00")], [], contract, policy=PricingPolicy(prices=BOOK)
    ).lines[0]
    assert (str(line.unit_price), line.price_adjustment.source) == ("70.00 CNY", "contract")  # type: ignore[union-attr]
    assert str(line.price_adjustment.amount) == "30.00 CNY"  # type: ignore[union-attr]


def test_a_price_list_refuses_prices_in_another_currency() -> None:
    with pytest.raises(InvalidInput):
        PriceList("x", "x", "list", "CNY", prices={"TEA": cny("1", "USD")})


def test_a_contract_serves_its_named_customers_and_its_members_never_everyone() -> None:
    deal = PriceList("deal", "Deal", "contract", "CNY", prices={"TEA": cny("50")})
    base = context()
    anyone = type(base)(base.now, "CNY", type(base.buyer)("cus_x"))
    holder = type(base)(base.now, "CNY", type(base.buyer)("cus_x", contracts={"deal"}))
    other = type(base)(base.now, "CNY", type(base.buyer)("cus_x", contracts={"another"}))
    assert [deal.serves(c) for c in (anyone, holder, other)] == [False, True, False]
    named = attrs.evolve(deal, customer_ids={"cus_x"})
    assert named.serves(anyone)


@pytest.mark.parametrize("rate", ["0", "6", "9", "13", "17.5", "21", "100"])
@pytest.mark.parametrize("gross", [0, 1, 99, 100, 101, 12_345, 999_999_999])
def test_inclusive_tax_leaves_net_plus_tax_equal_to_gross(gross: int, rate: str) -> None:
    tax = tax_of(gross, Decimal(rate), inclusive=True)
    net = gross - tax
    assert 0 <= tax <= gross
    # the net is the gross divided by (1 + rate), rounded half up
    exact = Decimal(gross) * 100 / (100 + Decimal(rate))
    assert abs(Decimal(net) - exact) <= Decimal("0.5")


def test_the_most_specific_regional_rate_applies_per_tax_class() -> None:
    policy = TaxPolicy(
        rates=(
            TaxRate("standard", "*", Decimal(20)),
            TaxRate("standard", "US", Decimal(0)),
            TaxRate("standard", "US-CA", Decimal("7.25")),
            TaxRate("books", "*", Decimal(5)),
        )
    )
    assert policy.rate_for("standard", "US-CA") == Decimal("7.25")
    assert policy.rate_for("standard", "US-NY") == Decimal(0)
    assert policy.rate_for("standard", "FR") == Decimal(20)
    assert policy.rate_for("books", "US-CA") == Decimal(5)
    assert policy.rate_for("food", "FR") == Decimal(0)
    cart = [item("PEN", 1, "10.00"), item("NOVEL", 1, "20.00", tax_class="books")]
    result = price_cart(cart, [], context(region="FR"), policy=PricingPolicy(tax=policy))
    assert [str(ln.tax) for ln in result.lines] == ["1.00 CNY", "2.00 CNY"]
    assert str(result.tax) == "3.00 CNY" and str(result.total) == "33.00 CNY"
