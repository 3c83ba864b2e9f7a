"""The cart: what a customer means to buy, as SKUs and quantities. Prices are computed, never stored."""

from __future__ import annotations

from datetime import datetime

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput, NotFound

__all__ = ["MAX_CART_LINES", "Cart", "CartLine"]

MAX_CART_LINES = 200


@attrs.frozen
class CartLine:
    sku: str = attrs.field(converter=v.sku)
    quantity: int = attrs.field(converter=v.quantity)


@attrs.frozen
class Cart:
    id: str
    customer_id: str
    currency: str
    updated_at: datetime
    lines: tuple[CartLine, ...] = ()

    def quantity_of(self, sku: str) -> int:
        return next((line.quantity for line in self.lines if line.sku == sku), 0)

    def with_item(self, sku: str, quantity: int, at: datetime) -> Cart:
        """Add ``quantity`` of ``sku``; a SKU already in the cart has its quantity raised."""
        code, qty = v.sku(sku), v.quantity(quantity)
        current = self.quantity_of(code)
        if not current and len(self.lines) >= MAX_CART_LINES:
            raise InvalidInput(f"a cart holds at most {MAX_CART_LINES} lines", field="sku")
        return self._set(code, v.quantity(current + qty), at)

    def with_quantity(self, sku: str, quantity: int, at: datetime) -> Cart:
        """Set the quantity of a SKU already in the cart."""
        code, qty = v.sku(sku), v.quantity(quantity)
        if not self.quantity_of(code):
            raise NotFound("that item is not in the cart", sku=code)
        return self._set(code, qty, at)

    def without(self, sku: str, at: datetime) -> Cart:
        code = v.sku(sku)
        if not self.quantity_of(code):
            raise NotFound("that item is not in the cart", sku=code)
        lines = tuple(line for line in self.lines if line.sku != code)
        return attrs.evolve(self, lines=lines, updated_at=at)

    def emptied(self, at: datetime) -> Cart:
        return attrs.evolve(self, lines=(), updated_at=at)

    def _set(self, sku: str, quantity: int, at: datetime) -> Cart:
        lines = [line for line in self.lines if line.sku != sku]
        lines.append(CartLine(sku, quantity))
        return attrs.evolve(self, lines=tuple(lines), updated_at=at)
