"""A cart line as pricing sees it."""

from __future__ import annotations

import attrs

from ecommerce_core.domain.money import Money

__all__ = ["PriceableItem"]


@attrs.frozen
class PriceableItem:
    """The SKU, its quantity and catalog price, and what scopes ask about it.

    ``category_ids`` hold the item's category and every ancestor, so a rule on a parent category
    covers its sub-categories. ``weight_grams`` is per unit.
    """

    sku: str
    quantity: int
    unit_price: Money
    category_ids: frozenset[str] = frozenset()
    product_id: str = ""
    brand: str = ""
    tags: frozenset[str] = frozenset()
    merchant_id: str = ""
    weight_grams: int = 0
    tax_class: str = "standard"
