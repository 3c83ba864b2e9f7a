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
