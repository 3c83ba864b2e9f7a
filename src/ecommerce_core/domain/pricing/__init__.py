"""Pricing: list prices, promotions and the explained breakdown of what a cart costs."""

from ecommerce_core.domain.pricing.engine import PriceableItem, PricingEngine, price_items
from ecommerce_core.domain.pricing.model import (
    Adjustment,
    LinePrice,
    PriceBreakdown,
    Promotion,
    Rejection,
)

__all__ = [
    "Adjustment",
    "LinePrice",
    "PriceBreakdown",
    "PriceableItem",
    "PricingEngine",
    "Promotion",
    "Rejection",
    "price_items",
]
