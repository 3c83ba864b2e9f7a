"""hypothesis strategies shared by every layer of tests: currencies, money, weights, SKUs, carts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import strategies as st

from ecommerce_core.domain.cart import Cart
from ecommerce_core.domain.money import CURRENCY_EXPONENTS, Money
from ecommerce_core.domain.pricing import PriceableItem, Promotion
from ecommerce_core.domain.validation import MAX_QUANTITY

__all__ = [
    "amounts",
    "cart_lines",
    "carts",
    "currencies",
    "decimal_text",
    "money",
    "percents",
    "priceable_items",
    "promotion_lists",
    "promotions",
    "quantities",
    "skus",
    "small_quantities",
    "weights",
]

# one currency of each exponent is enough to find an exponent bug; the rest for breadth
EXEMPLARS = ("JPY", "CNY", "KWD")
currencies = st.sampled_from(EXEMPLARS) | st.sampled_from(sorted(CURRENCY_EXPONENTS))

# up to a billion major units of a three-decimal currency: beyond any real price, inside int64
amounts = st.integers(min_value=0, max_value=10**12)


def money(currency: str | None = None, min_value: int = 0, max_value: int = 10**12):  # type: ignore[no-untyped-def]
    """Money in ``currency`` (any known one when None), ``min_value``..``max_value`` minor units."""
    codes = st.just(currency) if currency else currencies
    return st.builds(Money, st.integers(min_value, max_value), codes)


def decimal_text(exponent: int, max_major: int = 10**9) -> st.SearchStrategy[str]:
    """Text such as ``"12.30"`` with at most ``exponent`` decimals: always valid for that exponent."""

    def render(units: int, places: int) -> str:
        value = Decimal(units).scaleb(-exponent)
        return f"{value:.{places}f}"

    return st.builds(
        render, st.integers(-max_major * 10**exponent, max_major * 10**exponent), st.just(exponent)
    )


# allocation weights: zeros included on purpose (a free gift line has weight 0)
weights = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12)

_SKU_HEAD = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
skus = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(_SKU_HEAD),
    st.text(alphabet=_SKU_HEAD + "._-", max_size=20),
)

quantities = st.integers(min_value=1, max_value=MAX_QUANTITY)
small_quantities = st.integers(min_value=1, max_value=20)

percents = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)

cart_lines = st.dictionaries(skus, small_quantities, min_size=1, max_size=8)


def carts(customer_id: str = "cus_1", currency: str = "CNY"):  # type: ignore[no-untyped-def]
    """A cart with distinct SKUs, as the domain keeps it."""
    at = datetime(2026, 1, 1, tzinfo=UTC)

    def build(lines: dict[str, int]) -> Cart:
        cart = Cart("cart_1", customer_id, currency, at)
        for sku, quantity in lines.items():
            cart = cart.with_item(sku, quantity, at)
        return cart

    return st.builds(build, cart_lines)


CATEGORIES = ("phones", "cables", "cases")


def priceable_items(currency: str = "CNY", max_size: int = 8):  # type: ignore[no-untyped-def]
    """Cart lines as pricing sees them: distinct SKUs, non-negative prices, a few categories."""

    def build(lines: dict[str, tuple[int, int, frozenset[str]]]) -> list[PriceableItem]:
        return [
            PriceableItem(sku, quantity, Money(price, currency), categories)
            for sku, (quantity, price, categories) in lines.items()
        ]

    line = st.tuples(
        small_quantities,
        st.integers(min_value=0, max_value=10**8),
        st.frozensets(st.sampled_from(CATEGORIES), max_size=2),
    )
    return st.builds(build, st.dictionaries(skus, line, min_size=1, max_size=max_size))


def promotions(ids: st.SearchStrategy[str] | None = None):  # type: ignore[no-untyped-def]
    """Always-live percentage promotions, scoped to everything or to some categories."""
    return st.builds(
        Promotion,
        id=ids or st.text(alphabet="abcdef0123456789", min_size=1, max_size=8),
        name=st.just("promo"),
        percent=percents,
        category_ids=st.frozensets(st.sampled_from(CATEGORIES), max_size=2),
    )


def promotion_lists(min_size: int = 0, max_size: int = 4):  # type: ignore[no-untyped-def]
    """Promotions with distinct ids, as storage keeps them."""
    return st.lists(promotions(), min_size=min_size, max_size=max_size, unique_by=lambda p: p.id)


# -- the full pricing engine (issue #5) --------------------------------------------------------
PRICING_SKUS = tuple(f"SKU-{i}" for i in range(12))
PRICING_BRANDS = ("acme", "globex", "initech")
PRICING_TAGS = ("new", "clearance")
# a small tree: every item carries its leaf and the leaf's ancestors
PRICING_TREE = (("home", "kitchen"), ("home", "garden"), ("tech", "phones"), ("tech", "cables"))


def pricing_items(currency: str = "CNY", max_size: int = 6):  # type: ignore[no-untyped-def]
    """Cart lines with brands, tags, categories (with ancestors) and weights; distinct SKUs."""

    def build(
        lines: dict[str, tuple[int, int, int, int, frozenset[str], int]],
    ) -> list[PriceableItem]:
        return [
            PriceableItem(
                sku,
                quantity,
                Money(price, currency),
                frozenset(PRICING_TREE[leaf]),
                product_id=f"prd-{sku[-1]}",
                brand=PRICING_BRANDS[brand],
                tags=tags,
                weight_grams=grams,
            )
            for sku, (quantity, price, leaf, brand, tags, grams) in lines.items()
        ]

    line = st.tuples(
        small_quantities,
        st.integers(min_value=0, max_value=10**7),
        st.integers(0, len(PRICING_TREE) - 1),
        st.integers(0, len(PRICING_BRANDS) - 1),
        st.frozensets(st.sampled_from(PRICING_TAGS), max_size=1),
        st.integers(0, 5000),
    )
    return st.builds(
        build, st.dictionaries(st.sampled_from(PRICING_SKUS), line, min_size=1, max_size=max_size)
    )


def _scopes():  # type: ignore[no-untyped-def]
    from ecommerce_core.domain.pricing import Scope

    leaves = sorted({c for chain in PRICING_TREE for c in chain})
    return st.one_of(
        st.just(Scope()),
        st.builds(lambda c: Scope(category_ids={c}), st.sampled_from(leaves)),
        st.builds(lambda b: Scope(brands={b}), st.sampled_from(PRICING_BRANDS)),
        st.builds(
            lambda s: Scope(skus=s),
            st.frozensets(st.sampled_from(PRICING_SKUS), min_size=1, max_size=3),
        ),
        st.builds(lambda t: Scope(tags={t}, exclude_on_sale=True), st.sampled_from(PRICING_TAGS)),
    )


def _benefits(currency: str):  # type: ignore[no-untyped-def]
    from ecommerce_core.domain.pricing import Benefit

    def cash(amount: int) -> dict[str, object]:
        return {"amount": amount, "currency": currency}

    minor = st.integers(0, 10**6)
    return st.one_of(
        st.builds(lambda p: Benefit("percent_off", {"percent": str(p)}), percents),
        st.builds(
            lambda p, cap: Benefit("percent_off", {"percent": str(p), "max_discount": cash(cap)}),
            percents,
            minor,
        ),
        st.builds(lambda a: Benefit("amount_off_unit", {"amount": cash(a)}), minor),
        st.builds(lambda a: Benefit("amount_off_line", {"amount": cash(a)}), minor),
        st.builds(lambda a: Benefit("fixed_unit_price", {"amount": cash(a)}), minor),
        st.builds(lambda a: Benefit("amount_off_order", {"amount": cash(a)}), minor),
        st.builds(
            lambda a, every, cap: Benefit(
                "amount_off_order", {"amount": cash(a), "every": cash(every), "cap": cash(cap)}
            ),
            minor,
            st.integers(1, 10**6),
            minor,
        ),
        st.builds(
            lambda b, g, p: Benefit("buy_x_get_y", {"buy": b, "get": g, "percent": str(p)}),
            st.integers(1, 3),
            st.integers(1, 2),
            percents,
        ),
        st.builds(
            lambda s, q: Benefit("gift", {"sku": s, "quantity": q}),
            st.sampled_from(PRICING_SKUS),
            st.integers(1, 3),
        ),
        st.just(Benefit("free_shipping", {})),
        st.builds(lambda p: Benefit("shipping_off", {"percent": str(p)}), percents),
        st.builds(
            lambda m: Benefit("points_multiplier", {"multiplier": str(m)}), st.integers(1, 5)
        ),
    )


def _stacking():  # type: ignore[no-untyped-def]
    from ecommerce_core.domain.pricing import StackingPolicy

    return st.builds(
        StackingPolicy,
        group=st.sampled_from(("", "", "", "g1", "g2")),
        exclusive=st.sampled_from((False, False, False, True)),
        stackable=st.sampled_from((True, True, True, False)),
        combinable_with=st.sampled_from(
            (None, None, None, None, frozenset({"coupon"}), frozenset({"g1", "p-1"}))
        ),
        priority=st.integers(-5, 5),
    )


def rule_promotions(currency: str = "CNY", max_size: int = 5):  # type: ignore[no-untyped-def]
    """Live promotions of every built-in kind, scope and stacking policy, with distinct ids."""
    from ecommerce_core.domain.pricing import Condition, Promotion

    def build(i: int, benefit, scope, stacking, threshold, cap):  # type: ignore[no-untyped-def]
        condition = (
            None
            if threshold is None
            else Condition("min_subtotal", {"amount": {"amount": threshold, "currency": currency}})
        )
        return Promotion(
            f"p-{i}",
            f"promotion {i}",
            benefit=benefit,
            scope=scope,
            stacking=stacking,
            condition=condition,
            max_discount=None if cap is None else Money(cap, currency),
        )

    one = st.builds(
        build,
        st.integers(0, 30),
        _benefits(currency),
        _scopes(),
        _stacking(),
        st.none() | st.integers(0, 10**7),
        st.none() | st.integers(0, 10**6),
    )
    return st.lists(one, max_size=max_size, unique_by=lambda p: p.id)


def coupon_codes(currency: str = "CNY", max_size: int = 4):  # type: ignore[no-untyped-def]
    """Codes a customer holds: platform and category coupons, fixed or capped percentages."""
    from ecommerce_core.domain.pricing import AppliedCode, Benefit, Coupon, Scope

    def build(i: int, kind: str, fixed: int, percent, cap: int, spend, stacking):  # type: ignore[no-untyped-def]
        cash = {"amount": fixed, "currency": currency}
        benefit = (
            Benefit("amount_off_order", {"amount": cash})
            if percent is None
            else Benefit(
                "percent_off",
                {
                    "percent": str(percent),
                    "per": "order",
                    "max_discount": {"amount": cap, "currency": currency},
                },
            )
        )
        scope = Scope(category_ids={"tech"}) if kind == "category" else Scope()
        coupon = Coupon(
            f"c-{i}",
            f"coupon {i}",
            kind,
            benefit,
            scope=scope,
            min_spend=None if spend is None else Money(spend, currency),
            stacking=stacking,
        )
        return AppliedCode(f"CODE-{i}", coupon)

    one = st.builds(
        build,
        st.integers(0, 20),
        st.sampled_from(("platform", "category")),
        st.integers(0, 10**6),
        st.none() | percents,
        st.integers(0, 10**6),
        st.none() | st.integers(0, 10**7),
        _stacking(),
    )
    return st.lists(one, max_size=max_size, unique_by=lambda c: c.code)


def pricing_policies(currency: str = "CNY"):  # type: ignore[no-untyped-def]
    """Inclusive or exclusive tax, a shipping table with a free threshold, maybe points."""
    from ecommerce_core.domain.pricing import (
        PointsPolicy,
        PricingPolicy,
        ShippingRate,
        ShippingTable,
        TaxPolicy,
        TaxRate,
    )

    def build(inclusive: bool, rate, ship_rate, fee: int, step: int, free, points: bool):  # type: ignore[no-untyped-def]
        return PricingPolicy(
            tax=TaxPolicy(
                inclusive=inclusive,
                rates=(TaxRate("standard", "*", rate), TaxRate("shipping", "CN", ship_rate)),
            ),
            shipping=ShippingTable(
                (
                    ShippingRate(
                        {"*"},
                        Money(fee, currency),
                        1000,
                        Money(step, currency),
                        500,
                        None if free is None else Money(free, currency),
                    ),
                )
            ),
            points=PointsPolicy(Money(1, currency), Decimal(30)) if points else None,
        )

    return st.builds(
        build,
        st.booleans(),
        percents,
        percents,
        st.integers(0, 10**5),
        st.integers(0, 10**4),
        st.none() | st.integers(0, 10**7),
        st.booleans(),
    )
